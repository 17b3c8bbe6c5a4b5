import { describe, expect, it } from 'vitest';
import { listCsvColumns, parseDelimited } from './csv';
import { parseDataset } from './parseDataset';
import { DatasetError } from './record';
import { utf8 } from './testing/fixtures';

describe('CSV / TSV reader', () => {
  it('reads quoted fields with commas, quotes and newlines, keeping the right line numbers', async () => {
    const text = [
      'id,instruction,input,output,category',
      '1,"Write a haiku, please",,"Old pond,\nfrog jumps in,\nsplash",poetry',
      '2,"Say ""hi""",,Hi!,chat',
      '3,,,"empty instruction",x',
      '4,Only three fields,out',
      '5,Last,,done,misc',
    ].join('\r\n');
    const parsed = await parseDataset(utf8(text), 'data.csv');
    expect(parsed.format).toBe('csv');
    expect(parsed.columns).toEqual({
      names: ['id', 'instruction', 'input', 'output', 'category'],
      mapping: { instruction: 'instruction', input: 'input', output: 'output', id: 'id' },
    });
    expect(parsed.records).toEqual([
      {
        id: '1',
        instruction: 'Write a haiku, please',
        input: '',
        output: 'Old pond,\nfrog jumps in,\nsplash',
        meta: { category: 'poetry' },
      },
      { id: '2', instruction: 'Say "hi"', input: '', output: 'Hi!', meta: { category: 'chat' } },
      { id: '5', instruction: 'Last', input: '', output: 'done', meta: { category: 'misc' } },
    ]);
    // Row 1 spans lines 2–4, so row 2 is on line 5, row 3 on line 6.
    expect(parsed.report.rejected.map((r) => [r.line, r.index, r.reason])).toEqual([
      [6, 2, 'empty instruction: column "instruction" is empty'],
      [7, 3, 'wrong number of fields: 3 where the header has 5 — an unquoted "," or quote inside a field?'],
    ]);
    expect(parsed.report.rejected[1]!.excerpt).toBe('4,Only three fields,out');
  });

  it('reads TSV and guesses prompt/response, score and id columns', async () => {
    const text =
      'uid\tprompt\tresponse\tdifficulty\tsource\nq1\tWhat is 2+2?\t4\t1.5\tmath\nq2\tName a prime.\t7\thard\tmath\n';
    const parsed = await parseDataset(utf8(text), 'qa.tsv');
    expect(parsed.format).toBe('tsv');
    expect(parsed.columns?.mapping).toEqual({
      instruction: 'prompt',
      output: 'response',
      score: 'difficulty',
      id: 'uid',
    });
    expect(parsed.records).toEqual([
      { id: 'q1', instruction: 'What is 2+2?', input: '', output: '4', score: 1.5, meta: { source: 'math' } },
      { id: 'q2', instruction: 'Name a prime.', input: '', output: '7', meta: { source: 'math', difficulty: 'hard' } },
    ]);
    expect(parsed.report.warnings).toEqual([
      { line: 3, index: 1, message: 'score column "difficulty" "hard" is not a number; record kept unscored' },
    ]);
  });

  it('uses the mapping the user chose', async () => {
    const text = 'a,b,c\nhello,world,ctx\n';
    const parsed = await parseDataset(utf8(text), 'x.csv', {
      csvMapping: { instruction: 'b', output: 'a', input: 'c' },
    });
    expect(parsed.records[0]).toEqual({ id: '0', instruction: 'world', input: 'ctx', output: 'hello', meta: {} });
    expect(parsed.columns?.mapping).toEqual({ instruction: 'b', output: 'a', input: 'c' });
  });

  it('a mapping missing the instruction or output is refused, naming the columns found', async () => {
    const text = 'title,body\nx,y\n';
    const error = await parseDataset(utf8(text), 'posts.csv').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).message).toBe(
      'No column for the instruction or the output in "posts.csv". Columns found: "title", "body".',
    );
    await expect(
      parseDataset(utf8(text), 'posts.csv', { csvMapping: { instruction: 'title', output: 'nope' } }),
    ).rejects.toThrow('The column "nope" chosen for the output is not in "posts.csv". Columns found: "title", "body".');
    await expect(
      parseDataset(utf8(text), 'posts.csv', { csvMapping: { instruction: 'title', output: 'title' } }),
    ).rejects.toThrow(/both the instruction and the output/);
  });

  it('an unterminated quote costs the row it starts in, which says how many lines it swallowed', async () => {
    const text = 'instruction,output\nok,fine\nbad,"never closed\nnext,row\n';
    const parsed = await parseDataset(utf8(text), 'q.csv');
    expect(parsed.records.map((r) => r.instruction)).toEqual(['ok']);
    expect(parsed.report.rejected).toHaveLength(1);
    expect(parsed.report.rejected[0]).toMatchObject({ line: 3, index: 1 });
    expect(parsed.report.rejected[0]!.reason).toMatch(
      /^malformed CSV: Quoted field unterminated \(MissingQuotes\) \(the row spans lines 3–5\)$/,
    );
  });

  it('a header with no rows is refused; duplicate and blank header names are made unique', async () => {
    await expect(parseDataset(utf8('instruction,output\n'), 'h.csv')).rejects.toThrow(
      '"h.csv" holds no records: there is a header row but no rows under it.',
    );
    expect(parseDelimited('a,,a\n1,2,3\n', ',', 'f').columns).toEqual(['a', 'column 2', 'a (2)']);
  });

  it("an own id equal to an earlier row's position keeps both, and names the renumbered row by its line", async () => {
    const text = 'id,instruction,output\n,"multi\nline",a\n0,b,c\n';
    const parsed = await parseDataset(utf8(text), 'ids.csv');
    expect(parsed.records.map((r) => r.id)).toEqual(['0#2', '0']);
    expect(parsed.report.rejected).toEqual([]);
    expect(parsed.report.warnings).toEqual([
      {
        line: 2,
        index: 0,
        message: 'row has no id and its position "0" is a later row\'s own id (line 4); numbered it "0#2"',
      },
    ]);
  });

  it('lists the columns and the guessed mapping for the UI', () => {
    expect(listCsvColumns('"Question Body",Best Answer,Level\n"q",a,3\n', 'so.csv')).toEqual({
      columns: ['Question Body', 'Best Answer', 'Level'],
      delimiter: ',',
      guessed: { instruction: 'Question Body', output: 'Best Answer', score: 'Level' },
    });
  });
});
