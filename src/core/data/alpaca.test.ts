import { describe, expect, it } from 'vitest';
import { parseDataset } from './parseDataset';
import { jsonl, utf8 } from './testing/fixtures';

describe('Alpaca / WizardLM reader', () => {
  it('reads a JSON array of {instruction, input, output} with ids by position and extra fields in meta', async () => {
    const rows = [
      { instruction: 'Give three tips.', input: '', output: '1. Eat. 2. Sleep. 3. Move.' },
      {
        instruction: 'Translate.',
        input: 'Bonjour',
        output: 'Hello',
        category: 'translation',
        difficulty: '2',
        ok: true,
      },
    ];
    const parsed = await parseDataset(utf8(JSON.stringify(rows, null, 2)), 'alpaca_data.json');
    expect(parsed.format).toBe('alpaca-json');
    expect(parsed.formatLabel).toBe('Alpaca JSON array');
    expect(parsed.records).toEqual([
      { id: '0', instruction: 'Give three tips.', input: '', output: '1. Eat. 2. Sleep. 3. Move.', meta: {} },
      {
        id: '1',
        instruction: 'Translate.',
        input: 'Bonjour',
        output: 'Hello',
        score: 2,
        meta: { category: 'translation', ok: 'true' },
      },
    ]);
    expect(parsed.report).toEqual({ accepted: 2, rejected: [], warnings: [] });
  });

  it('keeps text verbatim (no trimming) and an own id', async () => {
    const parsed = await parseDataset(
      utf8(JSON.stringify([{ id: 77, instruction: '  Hi\n', output: ' there ' }])),
      'w.json',
    );
    expect(parsed.records[0]).toMatchObject({ id: '77', instruction: '  Hi\n', input: '', output: ' there ' });
  });

  it('reads WizardLM {instruction, output} as the Alpaca shape', async () => {
    const parsed = await parseDataset(
      utf8(JSON.stringify([{ instruction: 'Why?', output: 'Because.' }])),
      'wizardlm.json',
    );
    expect(parsed.format).toBe('alpaca-json');
    expect(parsed.formatLabel).toBe('WizardLM (instruction/output) JSON array');
    expect(parsed.records[0]).toMatchObject({ instruction: 'Why?', input: '', output: 'Because.' });
  });

  it('reads Alpaca JSONL, also from a file named .json, with 1-based lines', async () => {
    const text = jsonl([
      { instruction: 'a', input: 'b', output: 'c' },
      '',
      { instruction: 'd', input: '', output: 'e' },
    ]);
    const parsed = await parseDataset(utf8(text), 'mislabelled.json');
    expect(parsed.format).toBe('alpaca-jsonl');
    expect(parsed.formatLabel).toBe('Alpaca JSONL');
    // The blank line is not a row; the record after it keeps its true line (3) and line-based index.
    expect(parsed.records.map((r) => r.id)).toEqual(['0', '2']);
    expect(parsed.report.accepted).toBe(2);
  });

  it('reads CRLF JSONL and a last line without a newline', async () => {
    const text = '{"instruction": "a", "input": "", "output": "b"}\r\n{"instruction": "c", "input": "", "output": "d"}';
    const parsed = await parseDataset(utf8(text), 'crlf.jsonl');
    expect(parsed.records.map((r) => [r.id, r.output])).toEqual([
      ['0', 'b'],
      ['1', 'd'],
    ]);
  });

  it('parses score / difficulty / level fields (numbers or numeric strings), preferring score', async () => {
    const rows = [
      { instruction: 'a', input: '', output: 'x', level: 4 },
      { instruction: 'b', input: '', output: 'x', difficulty: ' 2.5 ', level: 9 },
      { instruction: 'c', input: '', output: 'x', score: 3, difficulty: 1 },
      { instruction: 'd', input: '', output: 'x', level: 'Level 5' },
    ];
    const parsed = await parseDataset(utf8(JSON.stringify(rows)), 'scored.json');
    expect(parsed.records.map((r) => r.score)).toEqual([4, 2.5, 3, undefined]);
    expect(parsed.records[1]!.meta).toEqual({ level: 9 });
    expect(parsed.records[2]!.meta).toEqual({ difficulty: 1 });
    expect(parsed.records[3]!.meta).toEqual({ level: 'Level 5' });
    expect(parsed.report.warnings).toEqual([
      { index: 3, message: 'score `level` "Level 5" is not a number; record kept unscored' },
    ]);
  });

  it("reads LLaMA-Factory's `history: [[instruction, response], …]` as the earlier exchanges, oldest first", async () => {
    const text = jsonl([
      {
        instruction: 'Q3',
        input: '',
        output: 'A3',
        history: [
          ['Q1', 'A1'],
          ['Q2', 'A2'],
        ],
      },
      { instruction: 'Q', input: '', output: 'A', history: [] },
      { instruction: 'Q', input: '', output: 'A', history: [['only one']] },
      { instruction: 'Q', input: '', output: 'A', history: 'Q1 A1' },
    ]);
    const parsed = await parseDataset(utf8(text), 'alpaca_history.jsonl');
    expect(parsed.records).toEqual([
      {
        id: '0',
        instruction: 'Q3',
        input: '',
        output: 'A3',
        history: [
          { user: 'Q1', assistant: 'A1' },
          { user: 'Q2', assistant: 'A2' },
        ],
        meta: {},
      },
      { id: '1', instruction: 'Q', input: '', output: 'A', meta: {} },
    ]);
    expect(parsed.report.rejected.map((r) => [r.line, r.reason])).toEqual([
      [3, 'wrong type: `history[0]` is a list of 1, expected an [instruction, response] pair'],
      [4, 'wrong type: `history` is text, expected a list of [instruction, response] pairs'],
    ]);
    expect(parsed.report.notes).toEqual(['1 row: multi-turn conversation, every assistant turn trained']);
  });
});
