import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../util/random';
import { BYTE_TO_CHAR, BpeTokenizer, GPT2_BYTE_ORDER, gpt2PreTokenize } from './bpe';
import { bpeFromTokenizerJson, bpeFromVocabMerges } from './bpeFromFiles';
import { gpt2Files, gpt2Tokenizer, tiktokenGpt2 } from './testing/gpt2';
import { PrunedTokenizer } from './bpePruned';
import { mergesText, tokenizerJsonObject } from './bpeToFiles';
import { tokenizerFromJSON } from './fromJSON';
import { TokenizerError } from './tokenizer';

const FIXED = [
  'Hello world',
  'hello world',
  ' Hello  world ',
  "I'm sure they'll say it's theirs, we've done what we'd do. DON'T SHOUT'S",
  'The year 2024 had 366 days; π ≈ 3.14159265358979.',
  '1234567890 12 345 6789 0.5 -17 1e-5 1,000,000',
  'naïve café résumé coöperate façade Æsir Ørsted',
  '日本語のテキスト、中文文本，한국어 텍스트',
  'Ελληνικά, русский язык, עברית, العربية, हिन्दी, ภาษาไทย',
  'emoji 😀😃 👩‍👩‍👧‍👦 🇫🇷🇯🇵 ✔️ 🧑🏽‍💻 ❤️‍🔥',
  '   leading spaces',
  'trailing spaces   ',
  'tabs\tand\t\tmore\ttabs',
  'lines\nand\n\nparagraphs\r\nwindows\r\n\r\n',
  '    indented code\n        more indented\n',
  'function f(x) { return x * 2 + arr[i] ?? null; } // comment',
  'def main():\n    print("hi", end="")\n    return {"a": [1, 2, 3]}\n',
  "SELECT * FROM users WHERE id = 42 AND name LIKE '%smith%';",
  '<div class="a">&nbsp;&amp;</div>',
  'https://example.com/path?query=1&b=two#frag',
  'a\u00a0b\u2003c\u3000d',
  '!!! ??? ... --- *** ### $$$ %%% ^^^',
  '',
  ' ',
  '\n',
  'x',
  'zero\u200bwidth',
  'mixed123abc456def',
  "'''quotes''' \"double\" `back`",
  'Ünïcödé ÄÖÜ ß ẞ',
];

/** A few hundred varied strings: words, numbers, scripts, emoji, whitespace runs, contractions and code, mixed. */
function variedStrings(n: number, seed: number): string[] {
  const next = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const pools: readonly (readonly string[])[] = [
    ['the', 'The', 'quick', 'brown', 'fox', 'jumps', 'over', 'lazy', 'dog', 'internationalization', 'GPT', 'tokenizer'],
    ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "don't", "I'M", "it's", "'S", "o'clock", "rock'n'roll"],
    ['0', '7', '42', '2024', '3.14', '1e10', '123456789012345', '٣٤٥', '½', '²', 'Ⅻ'],
    ['日本', '語', '中文', '한국어', 'русский', 'ελληνικά', 'עברית', 'العربية', 'हिन्दी', 'ไทย', 'Ünï', 'ñ', 'ç'],
    ['😀', '👩‍💻', '🇫🇷', '❤️', '🧑🏽‍🚀', '✨', '🐍', '👍🏿', '🏳️‍🌈'],
    [' ', '  ', '   ', '\t', '\n', '\n\n', '\r\n', ' \n ', '\t \t', '\u00a0', '\u2009', '\u3000', '        '],
    [
      '{',
      '}',
      '(',
      ')',
      '=>',
      '===',
      '!=',
      '&&',
      '||',
      '::',
      '->',
      '/*',
      '*/',
      '//',
      '#',
      '@',
      '$',
      '%',
      '...',
      '—',
      '“',
      '”',
      '«',
      '»',
    ],
    ['const x = 1;', 'if (a) {\n  b();\n}', 'for i in range(10):', 'return null;', '<br/>', 'SELECT 1;', 'x += y ** 2'],
  ];
  const out: string[] = [];
  for (let s = 0; s < n; s++) {
    const parts = 1 + Math.floor(next() * 12);
    let text = '';
    for (let p = 0; p < parts; p++) {
      text += pick(pick(pools));
      if (next() < 0.5) text += pick([' ', '', '', '\n', '  ']);
    }
    out.push(text);
  }
  return out;
}

describe('GPT-2 byte-level BPE', () => {
  let gpt2: BpeTokenizer;
  beforeAll(() => {
    gpt2 = gpt2Tokenizer();
  }, 60_000);

  it("matches GPT-2's published ids", () => {
    expect(gpt2.vocabSize).toBe(50257);
    expect(gpt2.encode('Hello world')).toEqual([15496, 995]);
    expect(gpt2.encode('<|endoftext|>')).toEqual([50256]);
    expect(gpt2.encode('Hello<|endoftext|> world')).toEqual([15496, 50256, 995]);
    expect(gpt2.encode('a<|endoftext|><|endoftext|>b')).toEqual([64, 50256, 50256, 65]);
    expect([gpt2.bosId, gpt2.eosId, gpt2.padId]).toEqual([50256, 50256, 50256]);
  });

  it('encodeOrdinary spells <|endoftext|> out as text', () => {
    const ids = gpt2.encodeOrdinary('x<|endoftext|>');
    expect(ids).not.toContain(50256);
    expect(gpt2.decode(ids)).toBe('x<|endoftext|>');
  });

  it('agrees with js-tiktoken on a few hundred varied strings, and decodes back to the text', () => {
    const tk = tiktokenGpt2();
    const strings = [...FIXED, ...variedStrings(400, 7)];
    // Mid-text specials, on both sides.
    strings.push(
      'before<|endoftext|>after',
      '<|endoftext|> leading',
      'trailing <|endoftext|>',
      'a <|endoftext|>\n<|endoftext|>b',
    );
    const mismatches: string[] = [];
    for (const s of strings) {
      const ours = gpt2.encode(s);
      const theirs = tk.encode(s, 'all');
      if (ours.join(',') !== theirs.join(','))
        mismatches.push(`${JSON.stringify(s)}: ours ${ours} vs tiktoken ${theirs}`);
      const back = gpt2.decode(ours, { specials: 'show' });
      if (back !== s) mismatches.push(`${JSON.stringify(s)} decodes to ${JSON.stringify(back)}`);
      if (!s.includes('<|endoftext|>') && gpt2.decode(ours) !== s)
        mismatches.push(`${JSON.stringify(s)}: decode(encode) differs`);
    }
    expect(strings.length).toBeGreaterThan(400);
    expect(mismatches).toEqual([]);
  });

  it('decodes a character split across tokens, skips specials by default, refuses out-of-range ids', () => {
    const ids = gpt2.encode('🧑🏽‍💻');
    expect(ids.length).toBeGreaterThan(1);
    expect(gpt2.decode(ids)).toBe('🧑🏽‍💻');
    expect(gpt2.decode([15496, 50256, 995])).toBe('Hello world');
    expect(gpt2.decode([15496, 50256, 995], { specials: 'show' })).toBe('Hello<|endoftext|> world');
    expect(gpt2.decode(gpt2.encode('\ufeffBOM kept'))).toBe('\ufeffBOM kept');
    expect(() => gpt2.decode([50257])).toThrow(/outside/);
  });

  it('splits whitespace as Unicode White_Space (U+0085 is space, U+FEFF is not) like tiktoken and HF, not JS \\s', () => {
    // JS's \s would glue "\u0085\u0085" into one punctuation piece.
    expect(gpt2PreTokenize('a\u0085\u0085b')).toEqual(['a', '\u0085', '\u0085', 'b']);
    expect(gpt2PreTokenize('a \ufeffb')).toEqual(['a', ' \ufeff', 'b']);
    expect(gpt2PreTokenize("it's  2 cats!\n\n")).toEqual(['it', "'s", ' ', ' 2', ' cats', '!', '\n\n']);
  });

  it('round-trips through toJSON / tokenizerFromJSON', () => {
    const json = JSON.parse(JSON.stringify(gpt2.toJSON()));
    const back = tokenizerFromJSON(json);
    expect(back).toBeInstanceOf(BpeTokenizer);
    expect(back.vocabSize).toBe(50257);
    for (const s of FIXED) expect(back.encode(s)).toEqual(gpt2.encode(s));
    expect(back.encode('x<|endoftext|>y')).toEqual(gpt2.encode('x<|endoftext|>y'));
    expect((back as BpeTokenizer).vocabObject()).toEqual(gpt2.vocabObject());
  });

  it('loads the same tokenizer from tokenizer.json (string merges and pair merges) and vocab.json + merges.txt', () => {
    const tj = tokenizerJsonObject(gpt2);
    const fromString = bpeFromTokenizerJson(JSON.stringify(tj));
    const model = tj.model as Record<string, unknown>;
    const pairs = { ...tj, model: { ...model, merges: (model.merges as string[]).map((m) => m.split(' ')) } };
    const fromPairs = bpeFromTokenizerJson(pairs);
    const { vocab } = gpt2Files();
    const fromFiles = bpeFromVocabMerges(JSON.stringify(vocab), mergesText(gpt2));
    for (const t of [fromString, fromPairs, fromFiles]) {
      expect(t.vocabSize).toBe(50257);
      expect(t.encode('Hello world<|endoftext|>')).toEqual([15496, 995, 50256]);
      for (const s of FIXED) expect(t.encode(s)).toEqual(gpt2.encode(s));
    }
  });
});

/** A byte-level BPE with a handful of merges, small enough to reason about. */
function tinyBpe(merges: [string, string][]): { vocab: Record<string, number>; merges: [string, string][] } {
  const vocab: Record<string, number> = {};
  GPT2_BYTE_ORDER.forEach((b, i) => (vocab[BYTE_TO_CHAR[b]!] = i));
  for (const [a, b] of merges) vocab[a + b] = Object.keys(vocab).length;
  vocab['<|endoftext|>'] = Object.keys(vocab).length;
  return { vocab, merges };
}

describe('BPE loaders: bad input names the file and the problem', () => {
  const small = tinyBpe([
    ['Ġ', 't'],
    ['h', 'e'],
    ['Ġt', 'he'],
  ]);

  it('encodes with merges by rank and keeps a cache that does not change results', () => {
    const t = new BpeTokenizer(small);
    expect(t.vocabSize).toBe(260);
    const the = t.tokenId('Ġthe')!;
    expect(t.encode(' the the')).toEqual([the, the]);
    expect(t.encode(' the the')).toEqual([the, the]);
    expect(t.splitToken(the)).toEqual([t.tokenId('Ġt'), t.tokenId('he')]);
    expect(t.splitToken(t.tokenId('h')!)).toBeUndefined();
    expect(t.bosId).toBe(259);
  });

  it('refuses broken files with the file name', () => {
    expect(() => bpeFromTokenizerJson('{not json')).toThrow(/tokenizer\.json is not valid JSON/);
    expect(() => bpeFromTokenizerJson({ model: { type: 'WordPiece' } })).toThrow(
      /tokenizer\.json: model\.type is "WordPiece"/,
    );
    const base = { normalizer: null, pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false }, added_tokens: [] };
    expect(() =>
      bpeFromTokenizerJson({
        ...base,
        pre_tokenizer: { type: 'Whitespace' },
        model: { type: 'BPE', vocab: small.vocab, merges: [] },
      }),
    ).toThrow(/pre-tokenizer/);
    expect(() => bpeFromTokenizerJson({ ...base, model: { type: 'BPE', vocab: { a: 0 }, merges: [] } })).toThrow(
      /tokenizer\.json: the vocabulary has no token for byte/,
    );
    expect(() => bpeFromVocabMerges(JSON.stringify(small.vocab), '#version: 0.2\nĠ t\nx y z\n')).toThrow(
      /merges\.txt line 3/,
    );
    expect(() => bpeFromVocabMerges(JSON.stringify(small.vocab), '#version: 0.2\nq q\n')).toThrow(
      /"qq", which is not in the vocabulary/,
    );
    const noEot = { ...small.vocab };
    delete noEot['<|endoftext|>'];
    expect(() => bpeFromVocabMerges(JSON.stringify(noEot), '')).toThrow(TokenizerError);
    expect(() => bpeFromVocabMerges(JSON.stringify(noEot), '')).toThrow(/no "<\|endoftext\|>" token/);
  });

  it('can report a padded vocabulary size for a model with spare embedding rows', () => {
    const t = bpeFromVocabMerges(JSON.stringify(small.vocab), '', { vocabSize: 320 });
    expect(t.vocabSize).toBe(320);
    expect(t.decode([300])).toBe('\uFFFD');
    expect(() => bpeFromVocabMerges(JSON.stringify(small.vocab), '', { vocabSize: 100 })).toThrow(/smaller than/);
  });
});

describe('PrunedTokenizer', () => {
  const small = tinyBpe([
    ['Ġ', 't'],
    ['h', 'e'],
    ['Ġt', 'he'],
    ['Ġ', 'c'],
    ['a', 't'],
  ]);
  const base = new BpeTokenizer(small);

  it('renumbers kept ids, splits pruned tokens along their merges, decodes through the base, round-trips JSON', () => {
    const kept = new Set([...base.encode(' the cat'), base.eosId, ...base.byteTokenIds()]);
    const pruned = new PrunedTokenizer(base, kept);
    expect(pruned.vocabSize).toBe(kept.size);
    const ids = pruned.encode(' the cat');
    expect(ids.map((i) => pruned.toOriginal(i))).toEqual(base.encode(' the cat'));
    expect(pruned.eosId).toBe(pruned.toPruned(base.eosId));
    // Keep only " the": " cat" (Ġc + at) must then be spelled with kept pieces (bytes).
    const prunedOnly = new PrunedTokenizer(base, [...base.encode(' the'), base.eosId, ...base.byteTokenIds()]);
    const split = prunedOnly.encode(' the cat');
    expect(prunedOnly.decode(split)).toBe(' the cat');
    expect(split.length).toBeGreaterThan(base.encode(' the cat').length);
    const back = tokenizerFromJSON(JSON.parse(JSON.stringify(pruned.toJSON())));
    expect(back.encode(' the cat')).toEqual(ids);
    expect(back.decode(ids)).toBe(' the cat');
  });

  it('needs the special ids and refuses text it cannot express without the byte tokens', () => {
    expect(() => new PrunedTokenizer(base, [0, 1])).toThrow(/BOS/);
    const minimal = new PrunedTokenizer(base, [...base.encode(' the'), base.eosId]);
    expect(() => minimal.encode('zzz')).toThrow(/not in the pruned vocabulary/);
  });
});
