import { describe, expect, it } from 'vitest';
import { parseYamlBothVersions, pyyamlLoad } from './testing/recipe';
import { doubleQuote, emitYaml, emitYamlMapping, formatNumber, needsQuotes } from './yaml';

/** Strings that a YAML 1.1 or 1.2 parser would read as something else if written bare. */
const MUST_QUOTE = [
  '',
  ' leading',
  'trailing ',
  'a: b',
  'ends with colon:',
  'http://example.com',
  '# not a comment',
  'a # b',
  'issue#5',
  '-dash',
  '- item',
  '?',
  '[1, 2]',
  '{a: 1}',
  'a, b',
  '&anchor',
  '*alias',
  '!tag',
  '|',
  '>',
  "'single'",
  '"double"',
  '%directive',
  '@at',
  '`tick',
  '=',
  'yes',
  'No',
  'ON',
  'off',
  'y',
  'N',
  'true',
  'False',
  'TRUE',
  'null',
  'Null',
  '~',
  '1',
  '-1',
  '+1',
  '1.0',
  '.5',
  '1e5',
  '5e-6',
  '010',
  '0x1F',
  '0o17',
  '0b101',
  '1_000',
  '1:30',
  '2024-01-01',
  '.inf',
  '-.Inf',
  '.NaN',
  'line\nbreak',
  'tab\there',
  'cr\r',
  'nel\u0085',
  'ls\u2028',
  'bom\ufeff',
  'bell\u0007',
];

const PLAIN_OK = [
  'cosine',
  'sft',
  'full',
  'default',
  'llama2',
  'none',
  'adamw_torch',
  'meta-llama/Llama-2-7b-hf',
  'saves/stage-1_phase-1',
  'configs/ds_z3_config.json',
  'alpaca_phase_1',
  'héllo wörld',
  '日本語',
];

describe('yaml emitter: quoting', () => {
  it.each(MUST_QUOTE.map((s) => [JSON.stringify(s), s]))('quotes %s', (_label, s) => {
    expect(needsQuotes(s)).toBe(true);
    const text = emitYaml([{ key: 'v', value: s }]);
    expect(text.startsWith('v: "')).toBe(true);
    expect(parseYamlBothVersions(text)).toEqual({ v: s });
  });

  it.each(PLAIN_OK)('writes %s bare and reads it back', (s) => {
    expect(needsQuotes(s)).toBe(false);
    const text = emitYaml([{ key: 'v', value: s }]);
    expect(text).toBe(`v: ${s}\n`);
    expect(parseYamlBothVersions(text)).toEqual({ v: s });
  });

  it('escapes quotes, backslashes and line breaks in double quotes', () => {
    expect(doubleQuote('say "hi" \\ now\n')).toBe('"say \\"hi\\" \\\\ now\\n"');
    expect(doubleQuote('\u2028\u0001')).toBe('"\\u2028\\u0001"');
    const s = 'a "b" \\c\nd\te\u0000f 🎉';
    expect(parseYamlBothVersions(emitYaml([{ key: 'v', value: s }]))).toEqual({ v: s });
  });
});

describe('yaml emitter: numbers, booleans, null, lists', () => {
  it('writes floats so both YAML 1.1 (PyYAML) and 1.2 read a float', () => {
    expect(formatNumber(5e-6)).toBe('5.0e-6');
    expect(formatNumber(1.5e-7)).toBe('1.5e-7');
    expect(formatNumber(0.1)).toBe('0.1');
    expect(formatNumber(0.95)).toBe('0.95');
    expect(formatNumber(2048)).toBe('2048');
    expect(formatNumber(180000000)).toBe('180000000');
    expect(formatNumber(-0)).toBe('0');
    expect(formatNumber(1e21)).toBe('1.0e+21');
    // PyYAML's float resolver: a dot in the mantissa and a signed exponent
    const pyyamlFloat = /^[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?$/;
    for (const n of [5e-6, 1e-10, 2.5e-4, 0.1, 0.95, 1e21, -3.25e-9]) expect(formatNumber(n)).toMatch(pyyamlFloat);
  });

  it('round-trips numbers exactly', () => {
    const values = [5e-6, 1e-10, 0.1, 0.95, 1, 0, -3, 2048, 180000000, 1.5e-7, 123.456, 1e21];
    const text = emitYaml(values.map((value, i) => ({ key: `n${i}`, value })));
    const back = parseYamlBothVersions(text);
    values.forEach((v, i) => expect(back[`n${i}`]).toBe(v));
  });

  it('refuses non-finite numbers', () => {
    expect(() => formatNumber(Number.NaN)).toThrow(/finite/);
    expect(() => emitYaml([{ key: 'x', value: Number.POSITIVE_INFINITY }])).toThrow(/finite/);
  });

  it('writes booleans and null bare', () => {
    const text = emitYamlMapping({ a: true, b: false, c: null });
    expect(text).toBe('a: true\nb: false\nc: null\n');
    expect(parseYamlBothVersions(text)).toEqual({ a: true, b: false, c: null });
  });

  it('writes lists as block sequences, quoting items that need it', () => {
    const text = emitYaml([
      { key: 'xs', value: ['a', 'yes', 3, 'b c', ''] },
      { key: 'empty', value: [] },
    ]);
    expect(text).toBe('xs:\n  - a\n  - "yes"\n  - 3\n  - b c\n  - ""\nempty: []\n');
    expect(parseYamlBothVersions(text)).toEqual({ xs: ['a', 'yes', 3, 'b c', ''], empty: [] });
  });

  it('writes sections and comments, and the parser skips them', () => {
    const text = emitYaml([
      { comment: 'header' },
      { section: 'model' },
      { key: 'model_name_or_path', value: 'x/y', comment: 'the base model' },
      { section: 'train' },
      { key: 'learning_rate', value: 5e-6 },
    ]);
    expect(text).toBe(
      '# header\n\n### model\nmodel_name_or_path: x/y  # the base model\n\n### train\nlearning_rate: 5.0e-6\n',
    );
    expect(parseYamlBothVersions(text)).toEqual({ model_name_or_path: 'x/y', learning_rate: 5e-6 });
  });

  it('refuses keys it cannot write plainly, duplicate keys and multi-line comments', () => {
    expect(() => emitYaml([{ key: 'a b', value: 1 }])).toThrow(/plain key/);
    expect(() =>
      emitYaml([
        { key: 'a', value: 1 },
        { key: 'a', value: 2 },
      ]),
    ).toThrow(/twice/);
    expect(() => emitYaml([{ comment: 'a\nb' }])).toThrow(/span lines/);
  });
});

describe('reading back under YAML 1.1 and 1.2', () => {
  it('throws on plain scalars YAML 1.1 and 1.2 read differently, so a missed quote fails the round trip', () => {
    for (const s of ['no', 'on', 'Yes', '010', '1_000', '0b1', '2024-01-01', '1:30']) {
      expect(() => parseYamlBothVersions(`v: ${s}\n`), s).toThrow(/YAML 1\.1 reads .* but YAML 1\.2 reads/);
    }
    // Bare 5e-6 is a float to the `yaml` package in both versions but a string to PyYAML (checked against PyYAML
    // below); formatNumber's test holds every exponent form to PyYAML's float pattern.
    expect(parseYamlBothVersions('v: 5.0e-6\n')).toEqual({ v: 5e-6 });
    expect(parseYamlBothVersions('v: true\n')).toEqual({ v: true });
    expect(parseYamlBothVersions('v: ~\n')).toEqual({ v: null });
    expect(parseYamlBothVersions('v: cosine\n')).toEqual({ v: 'cosine' });
  });

  it('reads single quotes, trailing comments and null keys, and refuses what emitYaml does not write', () => {
    expect(parseYamlBothVersions("a: 'it''s'  # c\nb:\nc: x # y\n")).toEqual({ a: "it's", b: null, c: 'x' });
    expect(() => parseYamlBothVersions('a: 1\na: 2\n')).toThrow(/unique/);
    expect(() => parseYamlBothVersions('  - orphan\n')).toThrow(/Not a mapping/);
    expect(() => parseYamlBothVersions('a:\n  b: 1\n')).toThrow(/not a scalar or a list of scalars/);
    expect(() => parseYamlBothVersions('a: "open\n')).toThrow(/closing "quote/);
  });
});

// PyYAML is what LLaMA-Factory reads the configs with: ask it too.
describe('yaml emitter against PyYAML', () => {
  it('PyYAML reads every tricky value back as written', () => {
    const values: Record<string, string | number | boolean | null> = {};
    MUST_QUOTE.forEach((s, i) => (values[`s${i}`] = s));
    PLAIN_OK.forEach((s, i) => (values[`p${i}`] = s));
    [5e-6, 1e-10, 0.1, 0.95, 1, 0, -3, 2048, 180000000, 1.5e-7].forEach((n, i) => (values[`n${i}`] = n));
    values.t = true;
    values.f = false;
    values.z = null;
    const text = emitYamlMapping(values);
    expect(pyyamlLoad(text)).toEqual(values);
  });

  it('PyYAML reads a bare 5e-6 as a string, which is why floats are written 5.0e-6', () => {
    const load = pyyamlLoad;
    expect(load('v: 5e-6\n')).toEqual({ v: '5e-6' });
    expect(load(emitYaml([{ key: 'v', value: 5e-6 }]))).toEqual({ v: 5e-6 });
  });
});
