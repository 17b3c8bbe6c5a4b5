import { describe, expect, it } from 'vitest';
import { parseDataset } from './parseDataset';
import { utf8 } from './testing/fixtures';

describe('PhasedSFT reader', () => {
  it('reads the exact scored line shape, trimming "3.5625\\n\\n" and keeping the prompt whole', async () => {
    const prompt = 'Summarise the text.\nThe quick brown fox jumps over the lazy dog.';
    const lines = [
      JSON.stringify({ id: '46229', score: '3.5625\n\n', data: [prompt, 'A fox jumps over a dog.'] }),
      JSON.stringify({ id: '46230', score: '1.25', data: ['Say hi.', 'Hi!'] }),
    ];
    const parsed = await parseDataset(utf8(lines.join('\n') + '\n'), 'alpaca_scored.jsonl');
    expect(parsed.format).toBe('phasedsft');
    expect(parsed.formatLabel).toBe('PhasedSFT scored JSONL');
    expect(parsed.records).toEqual([
      { id: '46229', instruction: prompt, input: '', output: 'A fox jumps over a dog.', score: 3.5625, meta: {} },
      { id: '46230', instruction: 'Say hi.', input: '', output: 'Hi!', score: 1.25, meta: {} },
    ]);
    expect(parsed.report.rejected).toEqual([]);
    expect(parsed.report.warnings).toEqual([]);
    expect(parsed.report.notes).toEqual(['1 row: score `score` had whitespace around the number, trimmed']);
  });

  it('warns on a score that is not a number and keeps the record unscored', async () => {
    const text = [
      JSON.stringify({ id: '1', score: 'n/a', data: ['p', 'r'] }),
      JSON.stringify({ id: '2', score: '', data: ['p', 'r'] }),
      JSON.stringify({ id: '3', data: ['p', 'r'] }),
    ].join('\n');
    const parsed = await parseDataset(utf8(text), 's.jsonl');
    expect(parsed.records.map((r) => [r.id, r.score])).toEqual([
      ['1', undefined],
      ['2', undefined],
      ['3', undefined],
    ]);
    expect(parsed.records[0]!.meta).toEqual({ score: 'n/a' });
    expect(parsed.report.warnings).toEqual([
      { line: 1, index: 0, message: 'score `score` "n/a" is not a number; record kept unscored' },
      { line: 2, index: 1, message: 'score `score` is empty; record kept unscored' },
    ]);
  });

  it('keeps a score outside 1–5 as it is, with a warning naming the value', async () => {
    const text = [
      JSON.stringify({ id: 'a', score: '7.5', data: ['p', 'r'] }),
      JSON.stringify({ id: 'b', score: '0', data: ['p', 'r'] }),
      JSON.stringify({ id: 'c', score: '5', data: ['p', 'r'] }),
    ].join('\n');
    const parsed = await parseDataset(utf8(text), 's.jsonl');
    expect(parsed.records.map((r) => r.score)).toEqual([7.5, 0, 5]);
    expect(parsed.report.warnings).toEqual([
      { line: 1, index: 0, message: 'score 7.5 (`score`) is outside the 1–5 scale; kept as it is' },
      { line: 2, index: 1, message: 'score 0 (`score`) is outside the 1–5 scale; kept as it is' },
    ]);
  });

  it('rejects rows whose data is not [prompt, response], naming the line', async () => {
    const text = [
      JSON.stringify({ id: '1', score: '2', data: ['only a prompt'] }),
      JSON.stringify({ id: '2', score: '2', data: 'p\nr' }),
      JSON.stringify({ id: '3', score: '2', data: ['p', 42] }),
      JSON.stringify({ id: '4', score: '2' }),
      JSON.stringify({ id: '5', score: '2', data: ['p', 'r', 'extra'] }),
    ].join('\n');
    const parsed = await parseDataset(utf8(text), 's.jsonl');
    expect(parsed.report.rejected.map((r) => [r.line, r.reason])).toEqual([
      [1, 'missing output: `data` has 1 element, expected [prompt, response]'],
      [2, 'wrong type: `data` is text, expected [prompt, response]'],
      [3, 'wrong type: `data[1]` (response) is a number, expected text'],
      [4, 'missing instruction and output: no `data` field (expected [prompt, response])'],
    ]);
    expect(parsed.records.map((r) => r.id)).toEqual(['5']);
    expect(parsed.report.warnings).toEqual([
      { line: 5, index: 4, message: '`data` has 3 elements; used the first two as [prompt, response]' },
    ]);
  });

  it('reads a PhasedSFT JSON array too', async () => {
    const parsed = await parseDataset(utf8(JSON.stringify([{ id: '9', score: 4, data: ['p', 'r'] }])), 'x.json');
    expect(parsed.format).toBe('phasedsft');
    expect(parsed.formatLabel).toBe('PhasedSFT scored JSON array');
    expect(parsed.records[0]).toEqual({ id: '9', instruction: 'p', input: '', output: 'r', score: 4, meta: {} });
  });
});
