// Property-based checks of the promise every reader makes: for any input, parsing ends (no throw but a
// DatasetError, no hang), and every row of the input is either a record or a named rejection.
import fc from 'fast-check';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { parseDataset } from './parseDataset';
import { DatasetError, type ParsedDataset } from './record';
import { utf8 } from './testing/fixtures';

const RUNS = { numRuns: 150, seed: 20261203 };

/** Field values a real file may hold where text belongs. */
const fieldValue = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom('', '   ', '\u0000', '\uFEFF', 'NaN', '1e309', '__proto__', 'constructor') },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

/** Rows of the shapes the studio reads, with fields missing, mistyped or extra. */
const row = fc.oneof(
  fc.record(
    { instruction: fieldValue, input: fieldValue, output: fieldValue, score: fieldValue, id: fieldValue },
    { requiredKeys: [] },
  ),
  fc.record(
    { instruction: fieldValue, context: fieldValue, response: fieldValue, category: fieldValue },
    { requiredKeys: ['instruction'] },
  ),
  fc.record(
    { id: fieldValue, score: fieldValue, data: fc.array(fieldValue, { maxLength: 3 }) },
    { requiredKeys: ['data'] },
  ),
  fc.record({
    conversations: fc.array(
      fc.record({ from: fc.constantFrom('human', 'gpt', 'system', 'alien', 'constructor'), value: fieldValue }),
      { maxLength: 4 },
    ),
  }),
  fc.record({
    messages: fc.array(
      fc.record({
        role: fc.constantFrom('user', 'assistant', 'tool'),
        content: fc.oneof(
          fieldValue,
          fc.array(fc.record({ type: fc.constantFrom('text', 'image_url'), text: fieldValue })),
        ),
      }),
      { maxLength: 4 },
    ),
  }),
  fc.record({ prompt: fieldValue, chosen: fieldValue, rejected: fieldValue }, { requiredKeys: ['chosen', 'rejected'] }),
  fc.record(
    { prompt: fieldValue, completion: fieldValue, label: fc.oneof(fc.boolean(), fieldValue) },
    { requiredKeys: ['completion', 'label'] },
  ),
  fc.dictionary(fc.string({ maxLength: 8 }), fieldValue, { maxKeys: 4 }),
);

/** Parses, and says which of the two allowed outcomes it was; any other error fails the property. */
async function outcome(bytes: Uint8Array, name: string): Promise<ParsedDataset | DatasetError> {
  try {
    return await parseDataset(bytes, name);
  } catch (error) {
    if (error instanceof DatasetError) return error;
    throw error;
  }
}

function rowsSeen(parsed: ParsedDataset): number {
  return parsed.report.accepted + parsed.report.rejected.length;
}

describe('fuzz: parseDataset', () => {
  it('JSONL: every non-blank line is a record or a rejection (lines that are not JSON objects included)', async () => {
    // Plain-text lines avoid "{", so none of them can be several objects standing on one line.
    const line = fc.oneof(
      { weight: 5, arbitrary: row.map((r) => JSON.stringify(r)) },
      {
        weight: 1,
        arbitrary: fc.string({ minLength: 1, maxLength: 30 }).filter((s) => !/[{\n\r]/.test(s) && s.trim() !== ''),
      },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 25 }), async (lines) => {
        const result = await outcome(
          utf8(`${JSON.stringify({ instruction: 'sniff me', output: 'ok' })}\n${lines.join('\n')}\n`),
          'f.jsonl',
        );
        if (result instanceof DatasetError) return;
        expect(rowsSeen(result)).toBe(lines.length + 1);
      }),
      RUNS,
    );
  });

  it('JSON array: every element is a record or a rejection', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof({ weight: 6, arbitrary: row }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) }), {
          minLength: 1,
          maxLength: 25,
        }),
        async (rows) => {
          const result = await outcome(utf8(JSON.stringify(rows)), 'f.json');
          if (result instanceof DatasetError) return;
          expect(rowsSeen(result)).toBe(rows.length);
        },
      ),
      RUNS,
    );
  });

  it('CSV: every data row is a record or a rejection, quoted newlines and odd characters included', async () => {
    const cell = fc.string({ maxLength: 20 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(cell, cell, cell), { minLength: 1, maxLength: 25 }),
        fc.constantFrom('\n', '\r\n'),
        async (rows, newline) => {
          const text = Papa.unparse([['instruction', 'output', 'score'], ...rows], { newline });
          const result = await outcome(utf8(text), 'f.csv');
          if (result instanceof DatasetError) return;
          // A row whose every cell is empty except a lone first cell is a blank line, not a row.
          const blank = rows.filter(
            ([a, b, c]) => b === '' && c === '' && a.trim() === '' && !/[",\n\r]/.test(a),
          ).length;
          expect(rowsSeen(result)).toBe(rows.length - blank);
        },
      ),
      RUNS,
    );
  });

  it('arbitrary bytes and mutated files end in records or a DatasetError, never another error', async () => {
    const valid = JSON.stringify(
      [
        { instruction: 'a', input: '', output: 'b' },
        { instruction: 'c', output: 'd' },
      ],
      null,
      1,
    );
    const mutated = fc
      .tuple(fc.nat(valid.length), fc.nat(8), fc.string({ maxLength: 4 }))
      .map(([at, cut, insert]) => valid.slice(0, at) + insert + valid.slice(at + cut));
    const names = fc.constantFrom('x.json', 'x.jsonl', 'x.csv', 'x.tsv', 'x.parquet', 'x.txt');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.uint8Array({ maxLength: 200 }), mutated.map(utf8), fc.string({ maxLength: 200 }).map(utf8)),
        names,
        async (bytes, name) => {
          await outcome(bytes, name);
        },
      ),
      { ...RUNS, numRuns: 400 },
    );
  });
});
