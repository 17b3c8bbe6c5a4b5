import { describe, expect, it } from 'vitest';
import { parseDataset } from './parseDataset';
import { utf8 } from './testing/fixtures';

const alpaca = (i: number) => ({ instruction: `q${i}`, input: '', output: `a${i}` });

describe('records wrapped as dataset hubs hand them out', () => {
  it('{"data": [...]} is read with a note', async () => {
    const parsed = await parseDataset(utf8(JSON.stringify({ data: [alpaca(0), alpaca(1)] }, null, 2)), 'wrapped.json');
    expect(parsed.records.map((r) => r.output)).toEqual(['a0', 'a1']);
    expect(parsed.report.notes).toEqual(['The records sit in the file\'s "data" list (2); they were read from there.']);
  });

  it('{"train": [...], "test": [...]} reads the train split and says the test split was left out', async () => {
    const parsed = await parseDataset(utf8(JSON.stringify({ train: [alpaca(0)], test: [alpaca(9)] })), 'splits.json');
    expect(parsed.records.map((r) => r.output)).toEqual(['a0']);
    expect(parsed.report.notes?.[0]).toBe(
      'The records sit in the file\'s "train" list (1); they were read from there. The "test" split was left out; save it as a file of its own to use it.',
    );
  });

  it("a dataset viewer's download {rows: [{row_idx, row}]} is unwrapped", async () => {
    const viewer = {
      features: [{ name: 'instruction' }],
      rows: [
        { row_idx: 0, row: alpaca(0), truncated_cells: [] },
        { row_idx: 1, row: alpaca(1), truncated_cells: [] },
      ],
      num_rows_total: 2,
    };
    const parsed = await parseDataset(utf8(JSON.stringify(viewer)), 'rows.json');
    expect(parsed.format).toBe('alpaca-json');
    expect(parsed.records.map((r) => r.instruction)).toEqual(['q0', 'q1']);
    expect(parsed.report.notes).toEqual([
      'The file is a dataset-viewer download ({"rows": [{"row": …}]}); the 2 rows inside were read.',
    ]);
  });

  it('{"id", "data": [records]} is a wrapper, not one PhasedSFT row', async () => {
    const rows = [1, 2, 3, 4, 5].map(alpaca);
    const parsed = await parseDataset(utf8(JSON.stringify({ id: 'export-7', data: rows })), 'export.json');
    expect(parsed.records).toHaveLength(5);
    // PhasedSFT's own [prompt, response] rows still read as before.
    const sft = await parseDataset(utf8(JSON.stringify({ id: '1', score: '2', data: ['p', 'r'] }) + '\n'), 's.jsonl');
    expect(sft.format).toBe('phasedsft');
  });
});
