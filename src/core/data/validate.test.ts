import { describe, expect, it } from 'vitest';
import { parseDataset } from './parseDataset';
import { jsonl, utf8 } from './testing/fixtures';
import { MAX_FIELD_CHARS, parseScore, RecordCollector, RowRejection } from './validate';

describe('validation: every rejection reason, with the row that caused it', () => {
  it('JSONL: names each bad line and why, and drops nothing silently', async () => {
    const lines = [
      /* 1 */ { id: 'a', instruction: 'ok', input: '', output: 'fine' },
      /* 2 */ '{"id": "b", "instruction": "broken", "output": "x"',
      /* 3 */ '["not", "an", "object"]',
      /* 4 */ { id: 'd', instruction: 'no output', input: '' },
      /* 5 */ { id: 'e', instruction: ' \t\n', input: '', output: 'x' },
      /* 6 */ { id: 'f', instruction: 'q', input: '', output: 42 },
      /* 7 */ { id: 'g', instruction: 'q', input: '', output: ['a', 'b'] },
      /* 8 */ { id: 'a', instruction: 'again', input: '', output: 'dup' },
      /* 9 */ { id: 'i', instruction: 'q', input: 'x'.repeat(MAX_FIELD_CHARS + 1), output: 'y' },
      /* 10 */ { id: 'j', instruction: 'q', input: '', output: '' },
      /* 11 */ { id: 'k', instruction: null, input: '', output: 'y' },
      /* 12 */ { id: { n: 1 }, instruction: 'q', input: '', output: 'y' },
      /* 13 */ '"just a string"',
      /* 14 */ { id: 'n', instruction: 'q', input: 3, output: 'y' },
      /* 15 */ { id: 'o', instruction: 'last', input: '', output: 'ok' },
    ];
    const text = jsonl(lines);
    const parsed = await parseDataset(utf8(text), 'mixed.jsonl');
    let jsonMessage = '';
    try {
      JSON.parse(lines[1] as string);
    } catch (error) {
      jsonMessage = (error as Error).message;
    }
    expect(parsed.report.rejected.map((r) => [r.line, r.index, r.reason])).toEqual([
      [2, 1, `malformed JSON: ${jsonMessage}`],
      [3, 2, 'not an object: the line holds an array'],
      [4, 3, 'missing output: no `output` field'],
      [5, 4, 'empty instruction: `instruction` holds only whitespace'],
      [6, 5, 'wrong type: `output` is a number, expected text'],
      [7, 6, 'wrong type: `output` is an array, expected text'],
      [8, 7, 'duplicate id "a": first seen at line 1'],
      [9, 8, `oversize field: \`input\` is ${MAX_FIELD_CHARS + 1} characters (limit ${MAX_FIELD_CHARS})`],
      [10, 9, 'empty output: `output` is empty'],
      [11, 10, 'missing instruction: `instruction` is null'],
      [12, 11, 'wrong type: `id` is an object, expected text or a number'],
      [13, 12, 'not an object: the line holds text'],
      [14, 13, 'wrong type: `input` is a number, expected text'],
    ]);
    expect(parsed.records.map((r) => r.id)).toEqual(['a', 'o']);
    // Every non-blank line is accounted for.
    expect(parsed.report.accepted + parsed.report.rejected.length).toBe(lines.length);
    expect(parsed.report.rejected[0]!.excerpt).toBe('{"id": "b", "instruction": "broken", "output": "x"');
    expect(parsed.report.rejected[7]!.excerpt?.length).toBeLessThanOrEqual(120);
  });

  it('JSON array: rejections carry the index and no line', async () => {
    const rows = [{ instruction: 'a', output: 'b' }, 17, { instruction: 'c' }, { instruction: 'd', output: 'e' }];
    const parsed = await parseDataset(utf8(JSON.stringify(rows)), 'arr.json');
    expect(parsed.report.rejected).toEqual([
      { index: 1, reason: 'not an object: the element is a number', excerpt: '17' },
      { index: 2, reason: 'missing output: no `output` field', excerpt: '{"instruction":"c"}' },
    ]);
    expect(parsed.records.map((r) => r.id)).toEqual(['0', '3']);
  });

  it("an own id equal to an earlier row's position keeps both rows, renumbering the positional one; a clash with a positional id is renumbered", async () => {
    const rows = [
      { instruction: 'a', output: 'b' },
      { id: '0', instruction: 'c', output: 'd' },
      { id: 2, instruction: 'e', output: 'f' },
      { instruction: 'g', output: 'h' },
    ];
    const parsed = await parseDataset(utf8(JSON.stringify(rows)), 'ids.json');
    expect(parsed.report.rejected).toEqual([]);
    expect(parsed.records.map((r) => [r.id, r.instruction])).toEqual([
      ['0#2', 'a'],
      ['0', 'c'],
      ['2', 'e'],
      ['3', 'g'],
    ]);
    expect(parsed.report.warnings).toEqual([
      {
        index: 0,
        message: 'row has no id and its position "0" is a later row\'s own id (record 2); numbered it "0#2"',
      },
    ]);
    const dup = [
      { id: 'x', instruction: 'a', output: 'b' },
      { id: 'x', instruction: 'c', output: 'd' },
    ];
    expect((await parseDataset(utf8(JSON.stringify(dup)), 'dup.json')).report.rejected.map((r) => r.reason)).toEqual([
      'duplicate id "x": first seen at record 1',
    ]);
    const rows2 = [
      { id: '1', instruction: 'a', output: 'b' },
      { instruction: 'c', output: 'd' },
    ];
    const parsed2 = await parseDataset(utf8(JSON.stringify(rows2)), 'ids2.json');
    expect(parsed2.records.map((r) => r.id)).toEqual(['1', '1#2']);
    expect(parsed2.report.warnings).toEqual([
      { index: 1, message: 'row has no id and its position "1" is already another row\'s id; numbered it "1#2"' },
    ]);
  });

  it('a malformed JSON array fails as a whole, with line and column', async () => {
    const text = '[\n  {"instruction": "a", "output": "b"},\n  {"instruction": "c", "output": "d",}\n]';
    await expect(parseDataset(utf8(text), 'trailing-comma.json')).rejects.toThrow(
      /not valid JSON at line 3, column 38/,
    );
  });

  it('long metadata strings are not kept, and that is noted', async () => {
    const rows = [{ instruction: 'a', input: '', output: 'b', text: 'x'.repeat(5000), source: 'web' }];
    const parsed = await parseDataset(utf8(JSON.stringify(rows)), 'alpaca.json');
    expect(parsed.records[0]!.meta).toEqual({ source: 'web' });
    expect(parsed.report.notes).toEqual(['1 row: field `text` longer than 1000 characters not kept as metadata']);
  });
});

describe('parseScore', () => {
  it('reads numbers and numeric strings, and says what is wrong otherwise', () => {
    expect(parseScore('3.5625\n\n')).toEqual({ score: 3.5625, trimmed: true });
    expect(parseScore(' 4 ')).toEqual({ score: 4, trimmed: true });
    expect(parseScore('2')).toEqual({ score: 2, trimmed: false });
    expect(parseScore('1e0')).toEqual({ score: 1, trimmed: false });
    expect(parseScore(2.5)).toEqual({ score: 2.5 });
    expect(parseScore(5n)).toEqual({ score: 5 });
    expect(parseScore(undefined)).toEqual({});
    expect(parseScore('')).toEqual({ problem: 'is empty' });
    expect(parseScore('0x10')).toEqual({ problem: '"0x10" is not a number' });
    expect(parseScore('Infinity')).toEqual({ problem: '"Infinity" is not a number' });
    expect(parseScore(NaN)).toEqual({ problem: 'is NaN' });
    expect(parseScore(null)).toEqual({ problem: 'is null, not a number' });
    expect(parseScore([3])).toEqual({ problem: 'is an array, not a number' });
  });
});

describe('RecordCollector', () => {
  it('rethrows errors that are not rejections (bugs must not hide as bad rows)', () => {
    const collector = new RecordCollector();
    expect(() =>
      collector.add(
        0,
        undefined,
        {},
        () => {
          throw new TypeError('bug');
        },
        '',
      ),
    ).toThrow(TypeError);
    collector.add(
      1,
      undefined,
      {},
      () => {
        throw new RowRejection('nope');
      },
      'row',
    );
    expect(collector.report()).toEqual({
      accepted: 0,
      rejected: [{ index: 1, reason: 'nope', excerpt: 'row' }],
      warnings: [],
    });
  });
});
