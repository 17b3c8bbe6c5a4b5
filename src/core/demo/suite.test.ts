import { describe, expect, it } from 'vitest';
import { demoSuiteToJson, demoToRecords, generateDemoSuite, type DemoItem, type DemoSpec } from './suite';
import { addWithCarries, DEMO_CHARSET } from './tasks';

// ---- An independent checker: every operation written again, differently, from the task parameters. ----

const CHECK: Record<string, (w: string) => string> = {
  copy: (w) => w,
  reverse: (w) => {
    let out = '';
    for (let i = w.length - 1; i >= 0; i--) out += w.charAt(i);
    return out;
  },
  sort: (w) => {
    const counts = new Array<number>(26).fill(0);
    for (let i = 0; i < w.length; i++) counts[w.charCodeAt(i) - 97]!++;
    return counts.map((n, i) => String.fromCharCode(97 + i).repeat(n)).join('');
  },
  'remove-vowels': (w) => w.replace(/[aeiou]/g, ''),
  shift: (w) => w.replace(/[a-z]/g, (c) => String.fromCharCode(((c.charCodeAt(0) - 97 + 1) % 26) + 97)),
  dedupe: (w) => {
    const seen: Record<string, true> = {};
    let out = '';
    for (const c of w) {
      if (seen[c]) continue;
      seen[c] = true;
      out += c;
    }
    return out;
  },
  double: (w) => w.replace(/(.)/g, '$1$1'),
  'swap-ends': (w) => w.charAt(w.length - 1) + w.substring(1, w.length - 1) + w.charAt(0),
  rotate: (w) => w.substring(1) + w.charAt(0),
};

const CHECK_QUERY: Record<string, (w: string, letter?: string) => string> = {
  'first-letter': (w) => w.charAt(0),
  'last-letter': (w) => w.charAt(w.length - 1),
  length: (w) => `${w.length}`,
  'count-letter': (w, letter) => `${w.split(letter!).length - 1}`,
};

/** Schoolbook addition on digit strings, counting carries. */
function columnAdd(a: string, b: string): { sum: string; carries: number } {
  let i = a.length - 1;
  let j = b.length - 1;
  let carry = 0;
  let carries = 0;
  let out = '';
  while (i >= 0 || j >= 0 || carry) {
    const d = (i >= 0 ? +a[i--]! : 0) + (j >= 0 ? +b[j--]! : 0) + carry;
    out = `${d % 10}${out}`;
    carry = d >= 10 ? 1 : 0;
    carries += carry;
  }
  return { sum: out, carries };
}

function expectedAnswer(spec: DemoSpec): string {
  if (spec.kind === 'add') return columnAdd(String(spec.a), String(spec.b)).sum;
  let w = spec.word;
  for (const t of spec.transforms) w = CHECK[t]!(w);
  return spec.query === undefined ? w : CHECK_QUERY[spec.query]!(w, spec.letter);
}

/** Words that name each step in the prose; steps must be named in the order they are applied. */
const STEP_WORDS: Record<string, RegExp> = {
  copy: /repeat|copy|again/,
  reverse: /reverse|backwards/,
  sort: /alphabetical|from a to z/,
  'remove-vowels': /vowel/,
  shift: /next letter of the alphabet|forward by one/,
  dedupe: /repeated letters|first occurrence/,
  double: /twice|double/,
  'swap-ends': /swap the first and last letters|exchange the first letter and the last letter/,
  rotate: /rotate|to the end/,
  'first-letter': /first letter|start with/,
  'last-letter': /last letter|end with/,
  length: /how many letters|count the letters|length of|number of letters/,
  'count-letter': /how many times|count the letter|how often/,
};

const suite = generateDemoSuite({ seed: 7, perLevel: 300 });

function byLevel(items: readonly DemoItem[], level: number): DemoItem[] {
  return items.filter((it) => it.level === level);
}
const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

describe('demo suite', () => {
  it('is deterministic by seed and changes with the seed', () => {
    expect(generateDemoSuite({ seed: 7, perLevel: 300 })).toEqual(suite);
    const other = generateDemoSuite({ seed: 8, perLevel: 300 });
    expect(other.map((it) => it.instruction + it.input)).not.toEqual(suite.map((it) => it.instruction + it.input));
  });

  it('has perLevel records at each of the five levels', () => {
    for (const level of [1, 2, 3, 4, 5]) expect(byLevel(suite, level)).toHaveLength(300);
  });

  it('gives the right answer for every record (recomputed by separate code)', () => {
    for (const it of suite)
      expect(it.output, `${it.task}: ${it.instruction} ${it.input}`).toBe(expectedAnswer(it.spec));
  });

  it('states the data and names the steps, in order, in the prose', () => {
    for (const it of suite) {
      const text = `${it.instruction}\n${it.input}`;
      if (it.spec.kind === 'add') {
        expect(text).toContain(String(it.spec.a));
        expect(text).toContain(String(it.spec.b));
        continue;
      }
      expect(it.input === it.spec.word || it.instruction.includes(`'${it.spec.word}'`)).toBe(true);
      let rest = it.instruction;
      for (const step of it.task.split('>')) {
        const m = STEP_WORDS[step]!.exec(rest);
        expect(m, `step ${step} missing or out of order in: ${it.instruction}`).not.toBeNull();
        rest = rest.slice(m!.index + m![0].length);
      }
      if (it.spec.query === 'count-letter') expect(it.instruction).toContain(`'${it.spec.letter}'`);
    }
  });

  it('uses only the small character set', () => {
    const escaped = DEMO_CHARSET.replace(/[\\\]^-]/g, '\\$&');
    const outside = new RegExp(`[^${escaped}]`);
    for (const it of suite) expect(outside.exec(it.instruction + it.input + it.output)).toBeNull();
    expect(outside.test('Upper')).toBe(true);
  });

  it('never repeats a prompt', () => {
    const keys = new Set(suite.map((it) => `${it.instruction}\u0000${it.input}`));
    expect(keys.size).toBe(suite.length);
  });

  it('gets objectively harder level by level', () => {
    const levels = [1, 2, 3, 4, 5].map((l) => byLevel(suite, l));
    const ops = levels.map((xs) => mean(xs.map((it) => it.ops)));
    const work = levels.map((xs) => mean(xs.map((it) => it.work)));
    for (let i = 1; i < 5; i++) {
      expect(ops[i]!).toBeGreaterThanOrEqual(ops[i - 1]!);
      expect(work[i]!).toBeGreaterThan(work[i - 1]!);
    }
    // levels 1–3 are single operations, 4 chains two, 5 chains three (or adds long numbers)
    for (const it of levels[0]!.concat(levels[1]!, levels[2]!)) expect(it.ops).toBe(1);
    for (const it of levels[3]!) expect(it.ops).toBe(2);
    for (const it of levels[4]!) expect(it.spec.kind === 'add' ? 1 : it.ops).toBe(it.spec.kind === 'add' ? 1 : 3);
    // single operations get longer inputs from level 1 to level 3
    const wordLen = (l: number): number[] =>
      byLevel(suite, l)
        .filter((it) => it.spec.kind === 'word')
        .map((it) => it.dataLen);
    expect(Math.max(...wordLen(1))).toBeLessThan(Math.min(...wordLen(3)));
    expect(mean(wordLen(1))).toBeLessThan(mean(wordLen(2)));
  });

  it('grades additions by carries and digits', () => {
    const adds = suite.filter((it) => it.spec.kind === 'add');
    for (const it of adds) {
      const spec = it.spec as Extract<DemoSpec, { kind: 'add' }>;
      const { carries } = columnAdd(String(spec.a), String(spec.b));
      const digits = Math.max(String(spec.a).length, String(spec.b).length);
      if (it.level === 2) expect([digits, carries]).toEqual([2, 0]);
      if (it.level === 3) expect(carries).toBeGreaterThanOrEqual(1);
      if (it.level === 3) expect(digits).toBeLessThanOrEqual(3);
      if (it.level === 5) expect(carries).toBeGreaterThanOrEqual(2);
      if (it.level === 5) expect(digits).toBeGreaterThanOrEqual(4);
    }
  });

  it('length-ood inputs are longer than any input of the normal suite', () => {
    const normal = generateDemoSuite({ seed: 1, perLevel: 300 });
    const ood = generateDemoSuite({ seed: 1, perLevel: 100, variant: 'length-ood' });
    const maxLen = (xs: DemoItem[], kind: string): number =>
      Math.max(...xs.filter((it) => it.spec.kind === kind).map((it) => it.dataLen));
    const minLen = (xs: DemoItem[], kind: string): number =>
      Math.min(...xs.filter((it) => it.spec.kind === kind).map((it) => it.dataLen));
    expect(minLen(ood, 'word')).toBeGreaterThan(maxLen(normal, 'word'));
    expect(minLen(ood, 'add')).toBeGreaterThan(maxLen(normal, 'add'));
    for (const it of ood) expect(it.output).toBe(expectedAnswer(it.spec));
  });

  it('writes an Alpaca JSON array with level and task, small enough to ship', () => {
    const full = generateDemoSuite();
    expect(full).toHaveLength(3000);
    const text = demoSuiteToJson(full);
    expect(new TextEncoder().encode(text).length).toBeLessThan(1_000_000);
    const parsed = JSON.parse(text) as Record<string, unknown>[];
    expect(parsed).toHaveLength(3000);
    expect(Object.keys(parsed[0]!).sort()).toEqual(['input', 'instruction', 'level', 'output', 'task']);
    expect(parsed[5]).toEqual({
      instruction: full[5]!.instruction,
      input: full[5]!.input,
      output: full[5]!.output,
      level: full[5]!.level,
      task: full[5]!.task,
    });
  });

  it('maps to records with the level as score and the task in meta', () => {
    const records = demoToRecords(suite.slice(0, 3));
    expect(records[2]).toEqual({
      id: '2',
      instruction: suite[2]!.instruction,
      input: suite[2]!.input,
      output: suite[2]!.output,
      score: suite[2]!.level,
      meta: { task: suite[2]!.task },
    });
  });

  it('rejects a bad perLevel', () => {
    expect(() => generateDemoSuite({ perLevel: 0 })).toThrow(/perLevel/);
  });
});

describe('addWithCarries', () => {
  it('counts carries like schoolbook addition', () => {
    expect(addWithCarries(23, 45)).toEqual({ sum: 68, carries: 0 });
    expect(addWithCarries(58, 67)).toEqual({ sum: 125, carries: 2 });
    expect(addWithCarries(999, 1)).toEqual({ sum: 1000, carries: 3 });
    expect(columnAdd('58', '67')).toEqual({ sum: '125', carries: 2 });
  });
});
