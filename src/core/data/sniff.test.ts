import { describe, expect, it } from 'vitest';
import { DatasetError } from './record';
import { detectShape, firstArrayElements, isParquet, sniffDelimiter, sniffFormat, sniffText } from './sniff';
import { jsonl, utf8 } from './testing/fixtures';
import { writeParquet } from './testing/writeParquet';

const pick = (r: ReturnType<typeof sniffText>) => [r.format, r.container, r.shape, r.label];

describe('sniffText', () => {
  it('recognises each JSON shape in an array', () => {
    const cases: [unknown, string, string][] = [
      [{ instruction: 'a', input: '', output: 'b' }, 'alpaca-json', 'Alpaca JSON array'],
      [{ instruction: 'a', output: 'b' }, 'alpaca-json', 'WizardLM (instruction/output) JSON array'],
      [{ instruction: 'a', context: '', response: 'b', category: 'qa' }, 'dolly', 'Dolly JSON array'],
      [{ id: '1', score: '3', data: ['p', 'r'] }, 'phasedsft', 'PhasedSFT scored JSON array'],
      [{ conversations: [{ from: 'human', value: 'q' }] }, 'sharegpt', 'ShareGPT conversations JSON array'],
      [{ messages: [{ role: 'user', content: 'q' }] }, 'openai-messages', 'OpenAI messages JSON array'],
    ];
    for (const [row, format, label] of cases) {
      const r = sniffText(JSON.stringify([row, row], null, 2), 'x.json');
      expect([r.format, r.label]).toEqual([format, label]);
    }
  });

  it('reads JSONL by content, whatever the extension', () => {
    const text = jsonl([{ id: '46229', score: '3.5625\n\n', data: ['p', 'r'] }]);
    expect(pick(sniffText(text, 'scored.json'))).toEqual(['phasedsft', 'jsonl', 'phasedsft', 'PhasedSFT scored JSONL']);
    expect(pick(sniffText(jsonl([{ instruction: 'a', input: '', output: 'b' }]), 'data.txt'))).toEqual([
      'alpaca-jsonl',
      'jsonl',
      'alpaca',
      'Alpaca JSONL',
    ]);
  });

  it('JSONL whose first line is broken is still JSONL when later lines parse', () => {
    const text = '{"instruction": "a", "output": \n' + jsonl([{ instruction: 'b', input: '', output: 'c' }]);
    expect(sniffText(text, 'x.jsonl').container).toBe('jsonl');
  });

  it('one Alpaca row with input makes WizardLM-looking rows Alpaca', () => {
    const rows = [
      { instruction: 'a', output: 'b' },
      { instruction: 'a', input: 'i', output: 'b' },
    ];
    expect(sniffText(JSON.stringify(rows), 'x.json').label).toBe('Alpaca JSON array');
  });

  it('CSV and TSV by extension, or by the delimiter of the header line', () => {
    expect(pick(sniffText('instruction,output\na,b\n', 'd.csv'))).toEqual(['csv', 'delimited', undefined, 'CSV']);
    expect(sniffText('instruction;output\na;b\n', 'd.csv').delimiter).toBe(';');
    expect(pick(sniffText('instruction\toutput\na\tb\n', 'd.tsv'))).toEqual([
      'tsv',
      'delimited',
      undefined,
      'TSV (tab-separated)',
    ]);
    expect(sniffText('instruction\toutput\na\tb\n', 'export.txt').format).toBe('tsv');
    expect(sniffText('prompt,response\na,b\n', 'export').format).toBe('csv');
  });

  it('an unknown shape names the keys it saw and the formats it knows', () => {
    let error: unknown;
    try {
      sniffText(
        jsonl([
          { question: 'q', answer: 'a' },
          { question: 'q', answer: 'a', topic: 't' },
        ]),
        'qa.jsonl',
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DatasetError);
    const e = error as DatasetError;
    expect(e.message).toMatch(
      /^Could not recognise the records in "qa.jsonl": their fields are "question", "answer", "topic"\. Known shapes: Alpaca \{instruction, input, output\}/,
    );
    expect(e.message).toMatch(
      /ShareGPT \{conversations: \[\{from, value\}\]\}; OpenAI \{messages: \[\{role, content\}\]\}/,
    );
    expect(e.hint).toMatch(/save the file as CSV/);
  });

  it('refuses arrays of non-objects, empty arrays and text that is neither JSON nor a table', () => {
    expect(() => sniffText('["a", "b"]', 'strings.json')).toThrow(
      '"strings.json" holds no records (JSON objects): its first rows are text.',
    );
    expect(() => sniffText('[ ]', 'empty.json')).toThrow(/empty JSON array/);
    expect(() => sniffText('hello world\nsecond line', 'notes.txt')).toThrow(
      /Could not tell the format of "notes.txt"/,
    );
    expect(() => sniffText('{"a": 1,\n"b": [1,\n2]}', 'one.json')).toThrow(
      /Could not recognise the records in "one.json": their fields are "a", "b"/,
    );
    expect(() => sniffText('{"instruction": "a",\n"output": ', 'cut.json')).toThrow(
      /none of its first 20 lines is a whole JSON object/,
    );
  });
});

describe('sniffFormat', () => {
  it('knows Parquet by its PAR1 marks, and refuses a .parquet file without them', () => {
    const pq = writeParquet([{ name: 'instruction', type: 'string', values: ['a'] }]);
    expect(isParquet(pq)).toBe(true);
    expect(sniffFormat(pq, 'train.parquet')).toEqual({ format: 'parquet', container: 'parquet', label: 'Parquet' });
    expect(isParquet(pq.subarray(0, pq.length - 1))).toBe(false);
    expect(() => sniffFormat(utf8('instruction,output\na,b'), 'train.parquet')).toThrow(/not a Parquet file/);
  });
});

describe('helpers', () => {
  it('firstArrayElements reads the first elements without parsing the rest', () => {
    const text = '[ {"a": "x,]}\\"y"}, [1, 2], 3, {"b": {"c": [4]}} , BROKEN';
    expect(firstArrayElements(text, 0, 4)).toEqual([{ a: 'x,]}"y' }, [1, 2], 3, { b: { c: [4] } }]);
    expect(firstArrayElements(text, 0, 2)).toEqual([{ a: 'x,]}"y' }, [1, 2]]);
  });

  it('sniffDelimiter ignores separators inside quotes', () => {
    expect(sniffDelimiter('"a,b,c"\t"d"\te')).toBe('\t');
    expect(sniffDelimiter('a;b;c,d')).toBe(';');
    expect(sniffDelimiter('single')).toBeUndefined();
  });

  it('detectShape uses the first row that has a shape', () => {
    expect(detectShape([{ x: 1 }, { instruction: 'a', context: 'c', response: 'r' }], 'f')).toBe('dolly');
  });
});
