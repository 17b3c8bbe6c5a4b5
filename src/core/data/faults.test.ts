// Faults found by trying the readers from outside with real and broken files; each test failed before its fix.
import { describe, expect, it } from 'vitest';
import { parseDataset } from './parseDataset';
import { DatasetError } from './record';
import { jsonl, utf8 } from './testing/fixtures';
import { writeParquet } from './testing/writeParquet';

async function errorOf(promise: Promise<unknown>): Promise<DatasetError> {
  const error = await promise.catch((e: unknown) => e);
  if (!(error instanceof DatasetError)) throw new Error(`expected a DatasetError, got ${String(error)}`);
  return error;
}

describe('a file with no usable record is refused whole, saying why', () => {
  it('names the most common reasons with how many rows each cost and where they are (lines, 1-based)', async () => {
    const text = jsonl([{ instruction: 'a' }, { instruction: 'b' }, { instruction: '', output: 'x' }]);
    const error = await errorOf(parseDataset(utf8(text), 'broken.jsonl'));
    expect(error.message).toBe(
      '"broken.jsonl" (read as WizardLM (instruction/output) JSONL) has no usable record: all 3 rows were rejected ' +
        '(missing output: no `output` field — 2 rows, lines 1 and 2; empty instruction: `instruction` is empty — 1 row, line 3).',
    );
    expect(error.hint).toMatch(/dataset you had is unchanged/);
  });
});

describe('line endings', () => {
  it('a CRLF header over LF rows reads every row', async () => {
    const parsed = await parseDataset(utf8('instruction,output\r\nq1,a1\nq2,a2\n'), 'mixed.csv');
    expect(parsed.records.map((r) => [r.instruction, r.output])).toEqual([
      ['q1', 'a1'],
      ['q2', 'a2'],
    ]);
  });

  it('an LF header over CRLF rows leaves no \\r in the last field', async () => {
    const parsed = await parseDataset(utf8('instruction\toutput\nq1\ta1\r\nq2\ta2\r\n'), 'mixed.tsv');
    expect(parsed.records.map((r) => r.output)).toEqual(['a1', 'a2']);
  });

  it('lone CR line ends in JSONL separate the rows', async () => {
    const text =
      JSON.stringify({ instruction: 'q1', output: 'a1' }) +
      '\r' +
      JSON.stringify({ instruction: 'q2', output: 'a2' }) +
      '\r';
    const parsed = await parseDataset(utf8(text), 'old-mac.jsonl');
    expect(parsed.records.map((r) => r.output)).toEqual(['a1', 'a2']);
    expect(parsed.report.rejected).toEqual([]);
  });
});

describe('JSON syntax errors say where, also where V8 does not', () => {
  it.each([
    [
      '[\n  {"instruction": "a", "output": NaN}\n]',
      "at line 2, column 34: NaN is not JSON (Python's json.dump writes it for a missing number; use null)",
    ],
    ["[\n  {'instruction': 'a', 'output': 'b'}\n]", 'at line 2, column 4: single quotes are not JSON'],
    ['[\n  {"instruction": "a", "output": None}\n]', 'at line 2, column 34: None is Python, not JSON (use null)'],
    ['[\n  {"instruction": "a", "output": "b"},\n]', 'at line 3, column 1: a trailing comma before "]"'],
  ])('%s', async (text, expected) => {
    const error = await errorOf(parseDataset(utf8(text), 'x.json'));
    expect(error.message).toContain(`"x.json" is not valid JSON ${expected}`);
  });

  it('JSONL lines V8 gives no position for are rejected with their column', async () => {
    const text = jsonl([{ instruction: 'ok', output: 'ok' }, '{"instruction": "a", "output": NaN}']);
    const parsed = await parseDataset(utf8(text), 'x.jsonl');
    expect(parsed.report.rejected.map((r) => [r.line, r.reason])).toEqual([
      [2, "malformed JSON: column 32: NaN is not JSON (Python's json.dump writes it for a missing number; use null)"],
    ]);
  });

  it('two objects on one JSONL line are two records', async () => {
    const text = `${JSON.stringify({ instruction: 'q1', output: 'a1' })} ${JSON.stringify({ instruction: 'q2', output: 'a2' })}\n`;
    const parsed = await parseDataset(utf8(text), 'two.jsonl');
    expect(parsed.records.map((r) => [r.id, r.output])).toEqual([
      ['0', 'a1'],
      ['0#2', 'a2'],
    ]);
    expect(parsed.report.notes).toEqual([
      '1 row: held several JSON objects on one line; each was read as its own record',
    ]);
  });
});

describe('ids and values kept as the file wrote them', () => {
  it('integer ids above 2^53 stay distinct, as their source digits', async () => {
    const text =
      '[{"id": 12345678901234567890, "instruction": "a", "output": "b"}, {"id": 12345678901234567891, "instruction": "c", "output": "d"}]';
    const parsed = await parseDataset(utf8(text), 'big.json');
    expect(parsed.records.map((r) => r.id)).toEqual(['12345678901234567890', '12345678901234567891']);
    expect(parsed.report.rejected).toEqual([]);
    const lines =
      '{"id": 98765432109876543210, "instruction": "a", "output": "b"}\n{"id": 98765432109876543211, "instruction": "c", "output": "d"}\n';
    expect((await parseDataset(utf8(lines), 'big.jsonl')).records.map((r) => r.id)).toEqual([
      '98765432109876543210',
      '98765432109876543211',
    ]);
  });

  it('a score "1e309" is a warning, never Infinity', async () => {
    const parsed = await parseDataset(utf8(jsonl([{ instruction: 'a', output: 'b', score: '1e309' }])), 's.jsonl');
    expect(parsed.records[0]?.score).toBeUndefined();
    expect(parsed.report.warnings.map((w) => w.message)).toEqual([
      'score `score` "1e309" is too large to be a score; record kept unscored',
    ]);
  });

  it('field names that are also Object.prototype names are fields like any other', async () => {
    const text = '{"instruction": "a", "output": "b", "constructor": "c", "__proto__": "p", "toString": "t"}\n';
    const parsed = await parseDataset(utf8(text), 'proto.jsonl');
    expect(parsed.records[0]?.meta).toEqual({ constructor: 'c', toString: 't' });
    expect(Object.getPrototypeOf(parsed.records[0]?.meta)).toBe(Object.prototype);
    const csv = await parseDataset(utf8('instruction,output,constructor\nq,a,c\n'), 'proto.csv');
    expect(csv.records[0]?.meta).toEqual({ constructor: 'c' });
    const speaker = await parseDataset(
      utf8(
        jsonl([
          {
            conversations: [
              { from: 'constructor', value: 'q' },
              { from: 'gpt', value: 'a' },
            ],
          },
          {
            conversations: [
              { from: 'human', value: 'q' },
              { from: 'gpt', value: 'a' },
            ],
          },
        ]),
      ),
      's.jsonl',
    );
    expect(speaker.report.rejected.map((r) => r.reason)[0]).toMatch(/^unknown speaker "constructor"/);
  });
});

describe('robust to odd rows', () => {
  it('a rejected row nested thousands deep costs that row, not the file', async () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const text = `{"instruction": "a", "output": ${deep}}\n${JSON.stringify({ instruction: 'q', output: 'a' })}\n`;
    const parsed = await parseDataset(utf8(text), 'deep.jsonl');
    expect(parsed.records).toHaveLength(1);
    expect(parsed.report.rejected.map((r) => r.reason)).toEqual(['wrong type: `output` is an array, expected text']);
  });

  it('a NUL character after the first 64 KiB rejects its row', async () => {
    const pad = jsonl(Array.from({ length: 800 }, (_, i) => ({ instruction: `q${i}`, output: 'x'.repeat(80) })));
    expect(pad.length).toBeGreaterThan(64 * 1024);
    const text = pad + JSON.stringify({ instruction: 'bad\u0000row', output: 'a' }) + '\n';
    const parsed = await parseDataset(utf8(text), 'nul.jsonl');
    expect(parsed.records).toHaveLength(800);
    expect(parsed.report.rejected.map((r) => [r.line, r.reason])).toEqual([
      [801, 'binary data: `instruction` holds a NUL character, which no text has (bytes pasted into the file?)'],
    ]);
  });

  it('a byte-order mark inside a CSV field is removed', async () => {
    const parsed = await parseDataset(utf8('instruction,output\nq1,a1\n\uFEFFq2,a2\n'), 'cat.csv');
    expect(parsed.records.map((r) => r.instruction)).toEqual(['q1', 'q2']);
    expect(parsed.report.notes).toEqual(['1 row: held a byte-order mark (U+FEFF) inside a field; removed']);
  });

  it('a Parquet footer whose row counts the pages do not hold is refused, not trusted', async () => {
    const bytes = writeParquet(
      [
        { name: 'instruction', type: 'string', values: ['a', 'b'] },
        { name: 'output', type: 'string', values: ['c', 'd'] },
      ],
      { footerRows: 5 },
    );
    const error = await errorOf(parseDataset(bytes, 'lies.parquet'));
    expect(error.message).toMatch(
      /^"lies.parquet" is damaged: its footer promises rows 0–4 in a row group, but the pages hold 2 rows\.$/,
    );
    // A true row of nulls is a row, rejected by name, not a sign of damage.
    const nulls = writeParquet([
      { name: 'instruction', type: 'string', values: ['a', null] },
      { name: 'output', type: 'string', values: ['c', null] },
    ]);
    expect((await parseDataset(nulls, 'nulls.parquet')).report.rejected.map((r) => r.reason)).toEqual([
      'missing instruction: column "instruction" is null',
    ]);
  });
});

describe('files that are not instruction data are refused with what they are and what would help', () => {
  const refusal = async (text: string, name: string) => errorOf(parseDataset(utf8(text), name));

  it("LLaMA-Factory's dataset registry names the datasets it lists", async () => {
    const info = {
      alpaca_en_demo: { file_name: 'alpaca_en_demo.json' },
      identity: { file_name: 'identity.json' },
      glaive_toolcall: { hf_hub_url: 'glaiveai/glaive-function-calling-v2', formatting: 'sharegpt' },
    };
    const e = await refusal(JSON.stringify(info, null, 2), 'dataset_info.json');
    expect(e.message).toBe(
      `"dataset_info.json" is LLaMA-Factory's dataset registry (dataset_info.json), not a dataset: it names 3 datasets ` +
        '(alpaca_en_demo → alpaca_en_demo.json, identity → identity.json, glaive_toolcall → glaiveai/glaive-function-calling-v2).',
    );
    expect(e.hint).toMatch(/Drop one of the files it names/);
  });

  it('self-instruct tasks, MT-Bench questions and plain text each say what they are', async () => {
    const selfInstruct = jsonl([
      {
        id: 'seed_task_0',
        name: 'breakfast',
        instruction: 'Suggest a breakfast.',
        instances: [{ input: '', output: 'Eggs.' }],
      },
    ]);
    expect((await refusal(selfInstruct, 'seed_tasks.jsonl')).message).toMatch(/self-instruct tasks: .*"instances"/);
    expect((await refusal(selfInstruct, 'seed_tasks.jsonl')).hint).toMatch(/one Alpaca record per instance/);
    const mtBench = jsonl([{ question_id: 81, category: 'writing', turns: ['Compose a blog post.', 'Rewrite it.'] }]);
    expect((await refusal(mtBench, 'question.jsonl')).message).toMatch(/questions without answers \(MT-Bench/);
    const text = jsonl([{ text: 'Once upon a time…', meta: { source: 'books' } }]);
    expect((await refusal(text, 'corpus.jsonl')).message).toMatch(
      /plain text \(a "text" field per record\): data for pretraining/,
    );
  });
});

describe('content a person would not mean to train on', () => {
  it("notes template placeholders left in the text (LLaMA-Factory's identity data: {{name}}, {{author}})", async () => {
    const identity = JSON.stringify([
      { instruction: 'hi', input: '', output: 'Hello! I am {{name}}, an AI assistant developed by {{author}}.' },
      { instruction: 'Who are you?', input: '', output: 'I am {{ name }}.' },
      { instruction: 'What is 2 + 2?', input: '', output: '4' },
    ]);
    const parsed = await parseDataset(utf8(identity), 'identity.json');
    expect(parsed.records).toHaveLength(3);
    expect(parsed.report.notes).toContain(
      "2 records hold template placeholders ({{name}}, {{author}}): they are trained as written. Replace them with the names you mean before training (LLaMA-Factory's identity data expects that).",
    );
    const plain = await parseDataset(utf8(JSON.stringify([{ instruction: 'a', output: 'b' }])), 'p.json');
    expect((plain.report.notes ?? []).some((n) => n.includes('placeholder') || n.includes('media'))).toBe(false);
  });

  it("notes multimodal records (LLaMA-Factory's mllm_demo: <image> in the text, the files under images)", async () => {
    const mllm = JSON.stringify([
      {
        messages: [
          { role: 'user', content: '<image>Who are they?' },
          { role: 'assistant', content: "They're Kane and Gretzka from Bayern Munich." },
        ],
        images: ['mllm_demo_data/1.jpg'],
      },
    ]);
    const parsed = await parseDataset(utf8(mllm), 'mllm_demo.json');
    expect(parsed.report.notes).toContain(
      '1 record refers to media (<image> in the text): the studio trains text models, so the images, videos or audio are not read and the tag is trained as plain text. Leave these records out, or remove the tags, for a text-only fine-tune.',
    );
  });
});
