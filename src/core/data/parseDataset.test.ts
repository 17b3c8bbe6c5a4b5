import { describe, expect, it } from 'vitest';
import { inspectColumns, parseDataset } from './parseDataset';
import { DatasetError } from './record';
import { alpacaRecords, jsonl, utf16, utf8 } from './testing/fixtures';

describe('parseDataset', () => {
  it('reports progress about every 2% of a JSONL file, ending at 1 with the record count', async () => {
    const rows = alpacaRecords(2000, 100);
    const calls: [number, number][] = [];
    const parsed = await parseDataset(utf8(jsonl(rows)), 'big.jsonl', { onProgress: (f, n) => calls.push([f, n]) });
    expect(parsed.records).toHaveLength(2000);
    expect(calls[0]).toEqual([0, 0]);
    expect(calls.at(-1)).toEqual([1, 2000]);
    expect(calls.length).toBeGreaterThanOrEqual(45);
    expect(calls.length).toBeLessThanOrEqual(55);
    for (let i = 1; i < calls.length; i++) {
      expect(calls[i]![0]).toBeGreaterThanOrEqual(calls[i - 1]![0]);
      expect(calls[i]![1]).toBeGreaterThanOrEqual(calls[i - 1]![1]);
    }
  });

  it('reports progress through a JSON array too', async () => {
    const calls: number[] = [];
    await parseDataset(utf8(JSON.stringify(alpacaRecords(500, 50))), 'a.json', { onProgress: (f) => calls.push(f) });
    expect(calls.length).toBeGreaterThan(40);
    expect(calls.at(-1)).toBe(1);
  });

  it('reads a UTF-16 file end to end and notes the encoding', async () => {
    const text = JSON.stringify([{ instruction: 'Grüße', input: '', output: 'Hallo ✓' }]);
    const parsed = await parseDataset(utf16(text, 'le'), 'win.json');
    expect(parsed.records[0]).toMatchObject({ instruction: 'Grüße', output: 'Hallo ✓' });
    expect(parsed.encoding).toBe('utf-16le');
    expect(parsed.report.notes).toEqual(['The file was read as UTF-16LE.']);
  });

  it('throws DatasetError (with a hint) for files it cannot read at all', async () => {
    for (const [bytes, name, pattern] of [
      [new Uint8Array(0), 'e.jsonl', /is empty/],
      [new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), 'b.bin', /binary/],
      [utf8(jsonl([{ foo: 1, bar: 2 }])), 'u.jsonl', /their fields are "foo", "bar"/],
    ] as const) {
      const error = await parseDataset(bytes, name).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatasetError);
      expect((error as DatasetError).message).toMatch(pattern);
      expect((error as DatasetError).hint.length).toBeGreaterThan(10);
    }
  });

  it('keeps every record of a large Alpaca array in order', async () => {
    const rows = alpacaRecords(3000, 80);
    const parsed = await parseDataset(utf8(JSON.stringify(rows)), 'alpaca_data.json');
    expect(parsed.report.accepted).toBe(3000);
    expect(parsed.records[2999]).toEqual({ id: '2999', ...rows[2999], meta: {} });
  });
});

describe('inspectColumns', () => {
  it('lists CSV columns and the guess; JSON formats have none', () => {
    expect(inspectColumns(utf8('question,answer,notes\nq,a,n\n'), 'qa.csv')).toEqual({
      format: 'csv',
      columns: ['question', 'answer', 'notes'],
      guessed: { instruction: 'question', output: 'answer' },
    });
    expect(inspectColumns(utf8('prompt\tcompletion\nq\ta\n'), 'qa.tsv')?.format).toBe('tsv');
    expect(inspectColumns(utf8(JSON.stringify([{ instruction: 'a', output: 'b' }])), 'a.json')).toBeUndefined();
  });
});
