import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { baseAlphabetTexts, createBaseTokenizer, PackedStream, pretrainCorpus } from './pretrainCorpus';
import { DEMO_CHARSET, TRANSFORMS } from './tasks';

const publicFile = (name: string): string => fileURLToPath(new URL(`../../../public/demo/${name}`, import.meta.url));

describe('the base tokenizer', () => {
  const tok = createBaseTokenizer();

  it('covers the demo charset, both prompt templates and every character of the shipped demo files', () => {
    const chars = new Set(tok.characters());
    for (const ch of DEMO_CHARSET) expect(chars.has(ch), JSON.stringify(ch)).toBe(true);
    for (const ch of 'User: \nAssistant: ') expect(chars.has(ch), JSON.stringify(ch)).toBe(true);
    for (const ch of '### Instruction:\n### Input:\n### Response:\nBelow is an instruction') expect(chars.has(ch), JSON.stringify(ch)).toBe(true);
    for (const file of ['demo-suite.json', 'demo-length-ood.json']) {
      const records = JSON.parse(readFileSync(publicFile(file), 'utf8')) as { instruction: string; input: string; output: string }[];
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
    const longestPlain = Math.max(...[...text.matchAll(/ (\d+) \+ (\d+) =/g)].map((m) => Math.max(m[1]!.length, m[2]!.length)));
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
