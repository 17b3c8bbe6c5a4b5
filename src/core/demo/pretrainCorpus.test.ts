import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  baseAlphabetTexts,
  createBaseTokenizer,
  operationProbes,
  PackedStream,
  pretrainCorpus,
  PRETRAIN_MIXES,
} from './pretrainCorpus';
import { DEMO_CHARSET, QUERIES, TRANSFORMS } from './tasks';

const publicFile = (name: string): string => fileURLToPath(new URL(`../../../public/demo/${name}`, import.meta.url));

describe('the base tokenizer', () => {
  const tok = createBaseTokenizer();

  it('covers the demo charset, both prompt templates and every character of the shipped demo files', () => {
    const chars = new Set(tok.characters());
    for (const ch of DEMO_CHARSET) expect(chars.has(ch), JSON.stringify(ch)).toBe(true);
    for (const ch of 'User: \nAssistant: ') expect(chars.has(ch), JSON.stringify(ch)).toBe(true);
    for (const ch of '### Instruction:\n### Input:\n### Response:\nBelow is an instruction')
      expect(chars.has(ch), JSON.stringify(ch)).toBe(true);
    for (const file of ['demo-suite.json', 'demo-length-ood.json']) {
      const records = JSON.parse(readFileSync(publicFile(file), 'utf8')) as {
        instruction: string;
        input: string;
        output: string;
      }[];
      for (const r of records) expect(tok.encode(r.instruction + r.input + r.output)).not.toContain(tok.unkId);
    }
    // The special-token markers of renderTemplate are not characters of the alphabet.
    expect(chars.has('<')).toBe(false);
    expect(baseAlphabetTexts().join('')).not.toContain('<bos>');
  });

  it('is the same every time (ids fixed by code point order)', () => {
    expect(createBaseTokenizer().toJSON()).toEqual(tok.toJSON());
    expect(tok.encode('a')).toEqual([tok.characters().indexOf('a') + 4]);
  });
});

describe('pretrainCorpus', () => {
  const docs = pretrainCorpus(400, 7);
  const text = docs.join('\n');

  it('is deterministic by seed', () => {
    expect(pretrainCorpus(400, 7)).toEqual(docs);
    expect(pretrainCorpus(50, 8)).not.toEqual(docs.slice(0, 50));
    expect(pretrainCorpus(10, 7)).toEqual(docs.slice(0, 10));
  });

  it('uses only characters the base tokenizer knows', () => {
    const tok = createBaseTokenizer();
    expect(tok.encode(text)).not.toContain(tok.unkId);
  });

  it('is plain statements, not instructions', () => {
    expect(text).not.toMatch(/User:|Assistant:|###/);
    // The suite's imperative phrasings do not appear.
    expect(text).not.toMatch(/the word below|the following word|the given word|please |answer with/);
    expect(text).not.toMatch(/^(reverse|sort|copy|remove|delete|write|add|compute|count) /m);
  });

  it('states the operations correctly', () => {
    let checked = 0;
    for (const m of text.matchAll(/(\d+) \+ (\d+) = (\d+)\./g)) {
      expect(Number(m[1]) + Number(m[2])).toBe(Number(m[3]));
      checked++;
    }
    for (const m of text.matchAll(/"([a-z]+)" reversed is "([a-z]+)"/g)) {
      expect(TRANSFORMS.reverse.apply(m[1]!)).toBe(m[2]);
      checked++;
    }
    for (const m of text.matchAll(/the letters of '([a-z]+)' sorted are '([a-z]+)'/g)) {
      expect(TRANSFORMS.sort.apply(m[1]!)).toBe(m[2]);
      checked++;
    }
    for (const m of text.matchAll(/"([a-z]+)" has (\d+) letters/g)) {
      expect(m[1]!.length).toBe(Number(m[2]));
      checked++;
    }
    for (const m of text.matchAll(/"([a-z]+)" without vowels is "([a-z]*)"/g)) {
      expect(TRANSFORMS['remove-vowels'].apply(m[1]!)).toBe(m[2]);
      checked++;
    }
    expect(checked).toBeGreaterThan(60);
  });

  it('mixes kinds of text and keeps words within the normal suite’s lengths', () => {
    expect(text).toMatch(/ \+ /);
    expect(text).toMatch(/ reversed is | backwards is /);
    expect(text).toMatch(/, then |, and /);
    expect(text).toMatch(/ is spelled | comes /);
    const longest = Math.max(...[...text.matchAll(/["']([a-z]+)["']/g)].map((m) => m[1]!.length));
    expect(longest).toBeLessThanOrEqual(28); // a doubled 14-letter word
    const longestPlain = Math.max(
      ...[...text.matchAll(/ (\d+) \+ (\d+) =/g)].map((m) => Math.max(m[1]!.length, m[2]!.length)),
    );
    expect(longestPlain).toBeLessThanOrEqual(5);
  });
});

describe('PackedStream', () => {
  it('cuts <bos> doc <eos> <bos> doc <eos> … into rows of the asked length, reproducibly', () => {
    const tok = createBaseTokenizer();
    const a = new PackedStream(tok, 3);
    const rows = Array.from({ length: 20 }, () => a.next(65));
    expect(rows.every((r) => r.length === 65)).toBe(true);
    expect(rows[0]![0]).toBe(tok.bosId);
    const all = rows.flatMap((r) => [...r]);
    const eos = all.filter((id) => id === tok.eosId).length;
    expect(eos).toBeGreaterThan(1);
    expect(Math.abs(all.filter((id) => id === tok.bosId).length - eos)).toBeLessThanOrEqual(1);
    const docs = pretrainCorpus(2, 3);
    expect(tok.decode(all.slice(1, 1 + docs[0]!.length))).toBe(docs[0]);
    const b = new PackedStream(tok, 3);
    expect(Array.from({ length: 20 }, () => [...b.next(65)])).toEqual(rows.map((r) => [...r]));
  });
});

describe('corpus mixes', () => {
  it("keeps the shipped model's corpus (v1, the default) byte for byte", () => {
    expect(pretrainCorpus(300, 9, PRETRAIN_MIXES.v1)).toEqual(pretrainCorpus(300, 9));
    // The text public/models/base was trained on (seed 20240611): a change here changes `npm run make:base`.
    expect(createHash('sha256').update(pretrainCorpus(3000).join('\n')).digest('hex')).toBe(
      '7efaffe0f03f45cdb1f5e897adde2f09bd2708fb2ff5130ffcdfd22b9c7f3e27',
    );
  });

  it('has weights that sum to 1', () => {
    for (const mix of Object.values(PRETRAIN_MIXES)) {
      const sum = Object.values(mix.kinds).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(1, 9);
    }
  });

  describe('ops', () => {
    const ops = pretrainCorpus(600, 7, PRETRAIN_MIXES.ops).join('\n');
    const v1 = pretrainCorpus(600, 7).join('\n');
    const count = (t: string, re: RegExp) => [...t.matchAll(re)].length;

    it("is deterministic, plain statements, and in the tokenizer's alphabet", () => {
      expect(pretrainCorpus(600, 7, PRETRAIN_MIXES.ops).join('\n')).toBe(ops);
      expect(ops).not.toMatch(/User:|Assistant:|###|the word below|the following word/);
      const tok = createBaseTokenizer();
      expect(tok.encode(ops)).not.toContain(tok.unkId);
    });

    it('states more reversals and sorts than v1 and fewer repeats', () => {
      const rev = / reversed is | backwards is | the reverse of | spelled in reverse is /g;
      const sorted = / sorted are | in alphabetical order is | sorted from a to z is /g;
      expect(count(ops, rev)).toBeGreaterThan(1.4 * count(v1, rev)); // chains state reversals in both
      expect(count(ops, sorted)).toBeGreaterThan(1.4 * count(v1, sorted));
      expect(count(ops, / again is | is written /g)).toBeLessThan(count(v1, / again is | is written /g));
    });

    it('names a count only after the word it counts, and states it correctly', () => {
      expect(ops).not.toMatch(/there are \d+ letters in|the letter '[a-z]' appears \d+ times in|' occurs \d+ times in/);
      let checked = 0;
      for (const m of ops.matchAll(/in "([a-z]+)", the letter '([a-z])' appears (\d+) times/g)) {
        expect([...m[1]!].filter((c) => c === m[2]).length).toBe(Number(m[3]));
        checked++;
      }
      for (const m of ops.matchAll(/counting the letters of "([a-z]+)" gives (\d+)/g)) {
        expect(m[1]!.length).toBe(Number(m[2]));
        checked++;
      }
      for (const m of ops.matchAll(/(\d+) \+ (\d+) = (\d+)\./g)) {
        expect(Number(m[1]) + Number(m[2])).toBe(Number(m[3]));
        checked++;
      }
      expect(checked).toBeGreaterThan(30);
    });

    it('mostly adds numbers of equal length, as the suite does', () => {
      const adds = [...ops.matchAll(/(\d+) (?:\+|plus|and) (\d+) (?:=|is|add up)/g)];
      const same = adds.filter((m) => m[1]!.length === m[2]!.length).length;
      expect(adds.length).toBeGreaterThan(50);
      expect(same / adds.length).toBeGreaterThan(0.6);
    });
  });
});

describe('the focus mix', () => {
  const focus = pretrainCorpus(600, 7, PRETRAIN_MIXES.focus).join('\n');

  it('is mostly the level-2 tasks, and states them correctly', () => {
    const adds = [...focus.matchAll(/(\d+) \+ (\d+) = (\d+)\./g)];
    for (const m of adds) expect(Number(m[1]) + Number(m[2])).toBe(Number(m[3]));
    const twoOrThree = adds.filter(
      (m) => m[1]!.length >= 2 && m[1]!.length <= 3 && m[2]!.length === m[1]!.length,
    ).length;
    expect(twoOrThree / adds.length).toBeGreaterThan(0.55);
    for (const m of focus.matchAll(/"([a-z]+)" reversed is "([a-z]+)"/g))
      expect(TRANSFORMS.reverse.apply(m[1]!)).toBe(m[2]);
    const ops = pretrainCorpus(600, 7, PRETRAIN_MIXES.ops).join('\n');
    const rev = / reversed is | backwards is | the reverse of | spelled in reverse is /g;
    expect([...focus.matchAll(rev)].length).toBeGreaterThan([...ops.matchAll(rev)].length);
    expect(focus).not.toMatch(/ is (more|less) than /); // no comparisons in this mix
  });
});

describe('operationProbes', () => {
  const probes = operationProbes(25);

  it('is deterministic and covers every level-1 and level-2 task of the suite', () => {
    expect(operationProbes(25)).toEqual(probes);
    const ops = [...new Set(probes.map((p) => p.op))];
    expect(ops.length).toBe(8);
    for (const op of ops) expect(probes.filter((p) => p.op === op).length).toBe(25);
    for (const t of ['copy', 'first letter', 'length', 'reverse 5-6', 'sort', 'count letter', 'add'])
      expect(ops.some((o) => o.startsWith(t))).toBe(true);
  });

  it('expects the right answers (recomputed here from the prompt)', () => {
    for (const p of probes) {
      const w = /"([a-z]+)"/.exec(p.prompt)?.[1];
      if (p.op.startsWith('copy')) expect(p.expected).toBe(`${w}"`);
      else if (p.op.startsWith('first letter')) expect(p.expected).toBe(`${w![0]}.`);
      else if (p.op.startsWith('length')) expect(p.expected).toBe(`${w!.length}.`);
      else if (p.op.startsWith('reverse')) expect(p.expected).toBe(`${w!.split('').reverse().join('')}"`);
      else if (p.op.startsWith('sort')) expect(p.expected).toBe(`${w!.split('').sort().join('')}"`);
      else if (p.op.startsWith('count')) {
        const l = /letter '([a-z])'/.exec(p.prompt)![1]!;
        const n = w!.split(l).length - 1;
        expect(n).toBeGreaterThan(0);
        expect(p.expected).toBe(n === 1 ? 'once.' : `${n} times`);
        expect(QUERIES['count-letter'].apply(w!, l)).toBe(String(n));
      } else {
        const [, a, b] = /^(\d+) \+ (\d+) = $/.exec(p.prompt)!;
        expect(a!.length).toBe(2);
        expect(b!.length).toBe(2);
        expect(Number(a![0]) + Number(b![0])).toBeLessThanOrEqual(9);
        expect(Number(a![1]) + Number(b![1])).toBeLessThanOrEqual(9);
        expect(p.expected).toBe(`${Number(a) + Number(b)}.`);
      }
    }
  });

  it('draws words from its own stream: no probe word is in the first training documents', () => {
    const words = new Set(probes.filter((p) => !p.op.startsWith('add')).map((p) => /"([a-z]+)"/.exec(p.prompt)![1]!));
    const train = pretrainCorpus(200, 20240611, PRETRAIN_MIXES.ops).join(' ');
    const long = [...words].filter((w) => w.length >= 6);
    expect(long.filter((w) => train.includes(`"${w}"`)).length).toBe(0);
  });
});
