import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { listParquetColumns } from './parquet';
import { inspectColumns, parseDataset } from './parseDataset';
import { DatasetError } from './record';
import { sharegptTurns } from './testing/fixtures';
import { writeParquet } from './testing/writeParquet';

const alpacaTable = () =>
  writeParquet(
    [
      {
        name: 'instruction',
        type: 'string',
        values: ['Give three tips.', 'Translate to English.', 'Empty output row', null, 'Ünïcode ✓'],
      },
      { name: 'input', type: 'string', values: ['', 'Bonjour', '', '', null] },
      { name: 'output', type: 'string', values: ['Eat, sleep, move.', 'Hello', '', 'orphan', '✓'] },
      { name: 'score', type: 'double', values: [1.5, 4, 2, null, 6] },
      { name: 'id', type: 'int64', values: [10n, 11n, 12n, 13n, 9007199254740993n] },
      { name: 'category', type: 'string', values: ['advice', 'translation', null, 'x', 'symbols'] },
    ],
    { rowGroupSize: 2 },
  );

describe('test Parquet writer', () => {
  it('writes files hyparquet reads back exactly (three row groups, nulls, BigInt)', async () => {
    const bytes = alpacaTable();
    const file = bytes.slice().buffer;
    const metadata = parquetMetadata(file);
    expect(metadata.num_rows).toBe(5n);
    expect(metadata.row_groups.map((g) => Number(g.num_rows))).toEqual([2, 2, 1]);
    const rows = await parquetReadObjects({ file });
    expect(rows[1]).toEqual({
      instruction: 'Translate to English.',
      input: 'Bonjour',
      output: 'Hello',
      score: 4,
      id: 11n,
      category: 'translation',
    });
    expect(rows[3]).toEqual({ instruction: null, input: '', output: 'orphan', score: null, id: 13n, category: 'x' });
  });
});

describe('Parquet reader', () => {
  it('maps Alpaca columns, turns BigInt ids into strings and validates every row', async () => {
    const fractions: number[] = [];
    const parsed = await parseDataset(alpacaTable(), 'train-00000-of-00001.parquet', {
      onProgress: (f) => fractions.push(f),
    });
    expect(parsed.format).toBe('parquet');
    expect(parsed.formatLabel).toBe('Parquet');
    expect(parsed.encoding).toBe('binary');
    expect(parsed.columns).toEqual({
      names: ['instruction', 'input', 'output', 'score', 'id', 'category'],
      mapping: { instruction: 'instruction', input: 'input', output: 'output', score: 'score', id: 'id' },
    });
    expect(parsed.records).toEqual([
      {
        id: '10',
        instruction: 'Give three tips.',
        input: '',
        output: 'Eat, sleep, move.',
        score: 1.5,
        meta: { category: 'advice' },
      },
      {
        id: '11',
        instruction: 'Translate to English.',
        input: 'Bonjour',
        output: 'Hello',
        score: 4,
        meta: { category: 'translation' },
      },
      {
        id: '9007199254740993',
        instruction: 'Ünïcode ✓',
        input: '',
        output: '✓',
        score: 6,
        meta: { category: 'symbols' },
      },
    ]);
    expect(parsed.report.rejected.map((r) => [r.line, r.index, r.reason])).toEqual([
      [undefined, 2, 'empty output: column "output" is empty'],
      [undefined, 3, 'missing instruction: column "instruction" is null'],
    ]);
    expect(parsed.report.rejected[1]!.excerpt).toBe(
      '{"instruction":null,"input":"","output":"orphan","score":null,"id":"13","category":"x"}',
    );
    expect(parsed.report.warnings).toEqual([
      { index: 4, message: 'score 6 (column "score") is outside the 1–5 scale; kept as it is' },
    ]);
    // Progress after each of the three row groups, then done.
    expect(fractions).toEqual([0, 0.4, 0.8, 1]);
  });

  it('reads a PhasedSFT table (data: list of text) by its shape', async () => {
    const bytes = writeParquet([
      { name: 'id', type: 'string', values: ['46229', '46230', '46231'] },
      { name: 'score', type: 'string', values: ['3.5625\n\n', '2', 'x'] },
      {
        name: 'data',
        type: 'string-list',
        values: [['Summarise.\nSome text.', 'A summary.'], ['Only a prompt'], null],
      },
    ]);
    const parsed = await parseDataset(bytes, 'scored.parquet');
    expect(parsed.formatLabel).toBe('Parquet (PhasedSFT scored)');
    expect(parsed.columns).toBeUndefined();
    expect(parsed.records).toEqual([
      { id: '46229', instruction: 'Summarise.\nSome text.', input: '', output: 'A summary.', score: 3.5625, meta: {} },
    ]);
    expect(parsed.report.rejected.map((r) => [r.index, r.reason])).toEqual([
      [1, 'missing output: `data` has 1 element, expected [prompt, response]'],
      [2, 'missing instruction and output: no `data` field (expected [prompt, response])'],
    ]);
  });

  it('reads a ShareGPT table (conversations: list of {from, value}) by its shape', async () => {
    const bytes = writeParquet(
      [
        { name: 'id', type: 'string', values: ['c1', 'c2'] },
        {
          name: 'conversations',
          type: 'struct-list',
          fields: ['from', 'value'],
          values: [
            sharegptTurns('human: Q1', 'gpt: A1'),
            sharegptTurns('system: Be brief.', 'human: Q2', 'gpt: A2', 'human: Q3', 'gpt: A3'),
          ],
        },
      ],
      { rowGroupSize: 1 },
    );
    const parsed = await parseDataset(bytes, 'sharegpt.parquet');
    expect(parsed.formatLabel).toBe('Parquet (ShareGPT conversations)');
    expect(parsed.records).toEqual([
      { id: 'c1', instruction: 'Q1', input: '', output: 'A1', meta: {} },
      {
        id: 'c2',
        instruction: 'Q3',
        input: '',
        output: 'A3',
        history: [{ user: 'Q2', assistant: 'A2' }],
        meta: { system: 'Be brief.' },
      },
    ]);
    expect(parsed.report.warnings).toEqual([]);
    expect(parsed.report.notes).toContain('1 row: multi-turn conversation, every assistant turn trained');
    expect(inspectColumns(bytes, 'sharegpt.parquet')).toBeUndefined();
  });

  it('reads Dolly columns by mapping', async () => {
    const dolly = writeParquet([
      { name: 'instruction', type: 'string', values: ['Who?'] },
      { name: 'context', type: 'string', values: ['Ada wrote the first program.'] },
      { name: 'response', type: 'string', values: ['Ada'] },
      { name: 'category', type: 'string', values: ['closed_qa'] },
    ]);
    const parsed = await parseDataset(dolly, 'dolly.parquet');
    expect(parsed.records).toEqual([
      {
        id: '0',
        instruction: 'Who?',
        input: 'Ada wrote the first program.',
        output: 'Ada',
        meta: { category: 'closed_qa' },
      },
    ]);
  });

  it('lists columns and the guessed mapping for the UI', () => {
    expect(listParquetColumns(alpacaTable(), 'a.parquet')).toEqual({
      columns: ['instruction', 'input', 'output', 'score', 'id', 'category'],
      guessed: { instruction: 'instruction', input: 'input', output: 'output', score: 'score', id: 'id' },
      rows: 5,
    });
    expect(inspectColumns(alpacaTable(), 'a.parquet')?.format).toBe('parquet');
  });

  it('a table without instruction/output columns, or with an unsupported codec, is refused with a hint', async () => {
    const odd = writeParquet([
      { name: 'title', type: 'string', values: ['t'] },
      { name: 'views', type: 'int64', values: [3n] },
    ]);
    await expect(parseDataset(odd, 'odd.parquet')).rejects.toThrow(
      'No column for the instruction or the output in "odd.parquet". Columns found: "title", "views".',
    );
    const lzo = writeParquet(
      [
        { name: 'instruction', type: 'string', values: ['a'] },
        { name: 'output', type: 'string', values: ['b'] },
      ],
      { codec: 'LZO' },
    );
    const error = await parseDataset(lzo, 'z.parquet').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).message).toBe(
      '"z.parquet" is compressed with LZO, which the studio cannot unpack (it reads uncompressed, Snappy, GZIP, Brotli, ZSTD, LZ4 and LZ4_RAW Parquet).',
    );
    expect((error as DatasetError).hint).toMatch(/compression='zstd'/);
  });

  it.each(['GZIP', 'BROTLI'] as const)('reads pages compressed with %s', async (codec) => {
    const instructions = Array.from({ length: 300 }, (_, i) => `Instruction number ${i}, repeated to compress well.`);
    const bytes = writeParquet(
      [
        { name: 'instruction', type: 'string', values: instructions },
        { name: 'output', type: 'string', values: instructions.map((_, i) => `answer ${i}`) },
      ],
      { codec, rowGroupSize: 128 },
    );
    const parsed = await parseDataset(bytes, `${codec}.parquet`);
    expect(parsed.report.rejected).toEqual([]);
    expect(parsed.records.map((r) => r.instruction)).toEqual(instructions);
    expect(parsed.records[299]?.output).toBe('answer 299');
  });

  it('reads a ZSTD file as pyarrow writes it (polars’ default codec)', async () => {
    // Made by scripts/make_zstd_parquet.py: compressed ZSTD blocks, two row groups, dictionary-encoded pages.
    const bytes = new Uint8Array(readFileSync(join(import.meta.dirname, 'testing', 'zstd-alpaca.parquet')));
    const metadata = parquetMetadata(bytes.slice().buffer);
    const chunks = metadata.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data!));
    expect(new Set(chunks.map((c) => c.codec))).toEqual(new Set(['ZSTD']));
    // Smaller than the raw pages: really compressed (a frame of stored blocks is never smaller than what it holds).
    // (Not the input column: 64 bytes of empty strings, too short to shrink.)
    for (const chunk of chunks.filter((c) => c.path_in_schema[0] !== 'input')) {
      expect(chunk.total_compressed_size).toBeLessThan(chunk.total_uncompressed_size);
    }
    const parsed = await parseDataset(bytes, 'zstd-alpaca.parquet');
    expect(parsed.report.rejected).toEqual([]);
    expect(parsed.records).toHaveLength(120);
    expect(parsed.records[0]).toMatchObject({ instruction: 'Add 0 and 1.', input: '', output: '1' });
    expect(parsed.records[7]).toMatchObject({
      instruction: 'Übersetze „Grüße“ ins Englische ✓',
      output: 'Greetings ✓',
    });
    expect(parsed.records[119]).toMatchObject({ instruction: 'Add 119 and 120.', output: '239' });
    expect(parsed.records.map((r) => r.output)).toEqual(
      Array.from({ length: 120 }, (_, i) => (i === 7 ? 'Greetings ✓' : String(2 * i + 1))),
    );
  });

  it('an empty table is refused', async () => {
    const empty = writeParquet([
      { name: 'instruction', type: 'string', values: [] },
      { name: 'output', type: 'string', values: [] },
    ]);
    await expect(parseDataset(empty, 'empty.parquet')).rejects.toThrow(
      '"empty.parquet" holds no records: the table has no rows.',
    );
  });

  it('a number where text belongs is a wrong-type rejection naming the column; with no usable row the file is refused saying so', async () => {
    const bytes = writeParquet([
      { name: 'prompt', type: 'string', values: ['a', 'b'] },
      { name: 'answer', type: 'double', values: [1, 2] },
    ]);
    await expect(parseDataset(bytes, 'n.parquet')).rejects.toThrow(
      '"n.parquet" (read as Parquet) has no usable record: all 2 rows were rejected (wrong type: column "answer" is a number, expected text — 2 rows, records 1 and 2).',
    );
  });
});
