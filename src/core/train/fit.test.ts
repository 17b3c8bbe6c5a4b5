import { describe, expect, it } from 'vitest';
import type { InstructionRecord } from '../data/record';
import { CharTokenizer } from '../tokenizer/charTokenizer';
import { dataFit, fitSuggestions } from './fit';
import { renderTemplate } from '../text/template';

const record = (id: string, instruction: string, output: string, input = ''): InstructionRecord => ({
  id,
  instruction,
  input,
  output,
  meta: {},
});

/** Independent of the encoder: a character tokenizer's training string is the rendered template, with `<bos>` and `<eos>` one token each. */
function tokenCount(r: InstructionRecord): number {
  return [...renderTemplate('paper', r).replace(/<bos>|<eos>/g, '\u0000')].length;
}

describe('dataFit', () => {
  // The alphabet of lower-case text and the paper template's own characters, as the demo base model's is.
  const template = renderTemplate('paper', record('x', 'abcdefghijklmnopqrstuvwxyz ?', 'abcdefghijklmnopqrstuvwxyz .'));
  const tok = CharTokenizer.fromTexts([template.replace(/<bos>|<eos>/g, '')]);

  it('counts records with characters outside the alphabet, their <unk> tokens, and names the characters', () => {
    const records = [record('0', 'say hi', 'hi'), record('1', 'Say Hi', 'Hi!'), record('2', 'what is it', 'Émile')];
    const fit = dataFit(records, tok, 'paper', 1000);
    expect(fit.unknown.records).toBe(2);
    // S, H, H, ! in record 1; É in record 2.
    expect(fit.unknown.tokens).toBe(5);
    expect(fit.unknown.characters).toEqual(['!', 'H', 'S', 'É']);
    expect(fit.tooLong.records).toBe(0);
    expect(fit.whole).toBe(1);
  });

  it('counts records longer than the context and exactly the tokens the cut removes', () => {
    const long = (n: number) => 'ab '.repeat(n).trim();
    const records = [
      record('0', 'short', 'ok'),
      record('1', long(30), 'yes'),
      record('2', 'why', long(40)),
      record('3', long(20), long(20)),
    ];
    const T = 64;
    const lengths = records.map(tokenCount);
    const fit = dataFit(records, tok, 'paper', T);
    // A row holds T + 1 tokens (T inputs and the last target); a longer string loses the rest.
    const cut = lengths.map((n) => Math.max(0, n - (T + 1)));
    expect(fit.tooLong.records).toBe(cut.filter((c) => c > 0).length);
    expect(fit.tooLong.records).toBe(3);
    expect(fit.tooLong.tokensCut).toBe(cut.reduce((a, b) => a + b, 0));
    expect(fit.tooLong.longest).toBe(Math.max(...lengths) - 1);
    expect(fit.unknown.records).toBe(0);
    expect(fit.whole).toBe(1);
    expect(fit.records).toBe(4);
  });

  it('a record that exactly fills a row is whole; one token more is cut by one', () => {
    const r = record('0', 'abc', 'de');
    const n = tokenCount(r);
    expect(dataFit([r], tok, 'paper', n - 1).tooLong).toEqual({ records: 0, tokensCut: 0, longest: n - 1 });
    expect(dataFit([r], tok, 'paper', n - 2).tooLong).toEqual({ records: 1, tokensCut: 1, longest: n - 1 });
  });

  it('a tokenizer without <unk> (byte-level) reports no unknown characters', () => {
    const bytes = {
      bosId: 0,
      eosId: 1,
      padId: 2,
      encode: (t: string) => [...new TextEncoder().encode(t)].map((b) => b + 3),
    };
    const fit = dataFit([record('0', 'Ünïcödé', 'ß')], bytes, 'paper', 1000);
    expect(fit.unknown).toEqual({ records: 0, tokens: 0, characters: [] });
    expect(fit.whole).toBe(1);
  });

  it('suggests a byte-level vocabulary for unknown characters and a longer context for long records, nothing when all fit', () => {
    const fit = dataFit([record('0', 'Long '.repeat(40), 'x')], tok, 'paper', 64);
    const s = fitSuggestions(fit);
    expect(s).toHaveLength(2);
    expect(s[0]).toMatch(/GPT-2.*pruning/);
    expect(s[1]).toContain(`${fit.tooLong.longest} tokens`);
    expect(fitSuggestions(dataFit([record('0', 'hi', 'ok')], tok, 'paper', 64))).toEqual([]);
  });
});
