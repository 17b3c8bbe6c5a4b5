import { describe, expect, it } from 'vitest';
import { BYTE_TO_CHAR } from './bpe';
import { tokenizerFromJSON } from './fromJSON';
import { HfTokenizer } from './hfTokenizer';
import { TokenizerError } from './tokenizer';

// A byte-level BPE small enough to follow by hand: the 256 bytes (id = byte), a few merges, then added tokens.
const MERGES: [string, string][] = [
  ['h', 'i'],
  ['Ġ', 'y'],
  ['Ġy', 'o'],
];
const END = 262; // "<|end|>": special
const START = 263; // "<|start|>": special
const THINK = 264; // "<think>": added, not special

function tokenizerJson(patch: Record<string, unknown> = {}): string {
  const vocab: Record<string, number> = {};
  for (let b = 0; b < 256; b++) vocab[BYTE_TO_CHAR[b]!] = b;
  let next = 256;
  for (const [a, b] of MERGES) vocab[a + b] = next++;
  for (const filler of ['xx', 'yy', 'zz']) vocab[filler] = next++; // ids 256..258 are the merges' tokens
  const added = (id: number, content: string, special: boolean): Record<string, unknown> => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special,
  });
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  return JSON.stringify({
    version: '1.0',
    added_tokens: [added(END, '<|end|>', true), added(START, '<|start|>', true), added(THINK, '<think>', false)],
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<|start|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '<|start|>': { id: '<|start|>', ids: [START], tokens: ['<|start|>'] } },
    },
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges: MERGES.map(([a, b]) => `${a} ${b}`),
    },
    ...patch,
  });
}

const CONFIG = JSON.stringify({
  bos_token: '<|start|>',
  eos_token: { content: '<|end|>', lstrip: false, normalized: false, rstrip: false, single_word: false, special: true },
  pad_token: null,
  clean_up_tokenization_spaces: false,
});

const tok = (): HfTokenizer => new HfTokenizer({ tokenizerJson: tokenizerJson(), tokenizerConfig: CONFIG });
const bytes = (s: string): number[] => Array.from(new TextEncoder().encode(s));

describe('HfTokenizer', () => {
  it('encodes through the tokenizer.json: byte-level pieces merged by rank', () => {
    expect(tok().encode('hi yo')).toEqual([256, 258]);
    expect(tok().encode('')).toEqual([]);
  });

  it('keeps special tokens in the text as text in encode, and recognises them in encodeWithSpecialTokens', () => {
    const t = tok();
    const text = 'hi<|end|>';
    expect(t.encode(text)).toEqual([256, ...bytes('<|end|>')]);
    expect(t.encode(text)).not.toContain(END);
    expect(t.encodeWithSpecialTokens(text)).toEqual([256, END]);
    expect(t.encodeWithSpecialTokens('<|end|>')).toEqual([END]);
    expect(t.encode('<|end|>')).toEqual(bytes('<|end|>'));
  });

  it('recognises added tokens that are not special in both encodes (as transformers does)', () => {
    const t = tok();
    expect(t.encode('<think>hi')).toEqual([THINK, 256]);
    expect(t.encodeWithSpecialTokens('<think>hi')).toEqual([THINK, 256]);
  });

  it('treats an added token as special when tokenizer_config.json names it (as transformers does)', () => {
    const named = (config: Record<string, unknown>): HfTokenizer =>
      new HfTokenizer({
        tokenizerJson: tokenizerJson(),
        tokenizerConfig: JSON.stringify({ eos_token: '<|end|>', ...config }),
      });
    for (const t of [
      named({ additional_special_tokens: ['<think>'] }),
      named({ extra_special_tokens: { reasoning: '<think>' } }),
      named({ mask_token: '<think>' }),
    ]) {
      expect(t.isSpecial(THINK)).toBe(true);
      expect(t.encode('<think>')).toEqual([...bytes('<t'), 256, ...bytes('nk>')]); // 256 = "hi"
      expect(t.encodeWithSpecialTokens('<think>')).toEqual([THINK]);
      expect(t.decode([THINK, 256])).toBe('hi');
    }
    expect(named({}).isSpecial(THINK)).toBe(false);
  });

  it("adds the post-processor's tokens only when asked", () => {
    expect(tok().encodeWithSpecialTokens('hi', { addSpecialTokens: true })).toEqual([START, 256]);
    expect(tok().encodeWithSpecialTokens('hi')).toEqual([256]);
  });

  it('decodes like transformers: special tokens dropped by default, written out with "show"', () => {
    const t = tok();
    const ids = [START, 256, THINK, 258, END];
    expect(t.decode(ids)).toBe('hi<think> yo');
    expect(t.decode(ids, { specials: 'show' })).toBe('<|start|>hi<think> yo<|end|>');
    expect(t.decode([])).toBe('');
    expect(t.decode([END, START])).toBe('');
  });

  it('maps tokens and ids both ways, added tokens included', () => {
    const t = tok();
    expect(t.tokenToId('Ġyo')).toBe(258);
    expect(t.tokenToId('<|end|>')).toBe(END);
    expect(t.tokenToId('nope')).toBeUndefined();
    expect(t.idToToken(258)).toBe('Ġyo');
    expect(t.idToToken(THINK)).toBe('<think>');
    expect(t.idToToken(9999)).toBeUndefined();
    expect(t.isSpecial(END)).toBe(true);
    expect(t.isSpecial(THINK)).toBe(false);
  });

  it('takes bos/eos/pad from tokenizer_config.json (strings or AddedToken objects), padding falling back to eos', () => {
    const t = tok();
    expect([t.bosId, t.eosId, t.padId]).toEqual([START, END, END]);
    expect(t.specialsFrom).toEqual({ bos: 'tokenizer_config', eos: 'tokenizer_config', pad: 'eos' });
    expect(t.vocabSize).toBe(265);
  });

  it("without tokenizer_config.json: the caller's fallback ids, else an end-of-text token found by name", () => {
    const withFallback = new HfTokenizer({ tokenizerJson: tokenizerJson(), fallbackIds: { bos: START, eos: END } });
    expect([withFallback.bosId, withFallback.eosId, withFallback.padId]).toEqual([START, END, END]);
    expect(withFallback.specialsFrom).toEqual({ bos: 'fallback', eos: 'fallback', pad: 'eos' });

    const eot = JSON.parse(tokenizerJson()) as { added_tokens: { content: string }[] };
    eot.added_tokens[0]!.content = '<|endoftext|>';
    const byName = new HfTokenizer({ tokenizerJson: JSON.stringify(eot) });
    expect([byName.bosId, byName.eosId, byName.padId]).toEqual([END, END, END]);
    expect(byName.specialsFrom).toEqual({ bos: 'eos', eos: 'added-token name', pad: 'eos' });

    expect(() => new HfTokenizer({ tokenizerJson: tokenizerJson() })).toThrow(/No end-of-text token/);
  });

  it('reports a padded vocabulary size; ids in the gap decode as U+FFFD, ids past it are refused', () => {
    const t = new HfTokenizer({ tokenizerJson: tokenizerJson(), tokenizerConfig: CONFIG, vocabSize: 320 });
    expect(t.vocabSize).toBe(320);
    expect(t.decode([256, 300, 258])).toBe('hi\uFFFD yo');
    expect(() => t.decode([320])).toThrow(TokenizerError);
    expect(() => t.decode([-1])).toThrow(/outside this tokenizer's vocabulary \[0, 320\)/);
    expect(() => new HfTokenizer({ tokenizerJson: tokenizerJson(), tokenizerConfig: CONFIG, vocabSize: 10 })).toThrow(
      /vocabSize 10 is too small/,
    );
  });

  it('pads its vocabulary without rebuilding, and lists its 256 byte tokens', () => {
    const t = tok();
    const padded = t.withVocabSize(300);
    expect([padded.vocabSize, t.vocabSize]).toEqual([300, 265]);
    expect(padded).toBeInstanceOf(HfTokenizer);
    expect(padded.encode('hi yo')).toEqual(t.encode('hi yo'));
    expect(padded.toJSON()).toEqual({ ...t.toJSON(), vocabSize: 300 });
    expect(() => t.withVocabSize(100)).toThrow(/vocabSize 100 is too small/);
    expect(t.byteTokenIds()).toEqual(Array.from({ length: 256 }, (_, b) => b));
  });

  it('restores from its JSON (through JSON text, as a checkpoint stores it) with the same ids and encoding', () => {
    const t = new HfTokenizer({ tokenizerJson: tokenizerJson(), tokenizerConfig: CONFIG, vocabSize: 300 });
    const back = tokenizerFromJSON(JSON.parse(JSON.stringify(t.toJSON())));
    expect(back).toBeInstanceOf(HfTokenizer);
    expect(back.toJSON()).toEqual(t.toJSON());
    expect([back.vocabSize, back.bosId, back.eosId, back.padId]).toEqual([300, START, END, END]);
    const text = 'hi yo<|end|><think>';
    expect(back.encode(text)).toEqual(t.encode(text));
    expect((back as HfTokenizer).encodeWithSpecialTokens(text)).toEqual(t.encodeWithSpecialTokens(text));

    const noConfig = new HfTokenizer({ tokenizerJson: tokenizerJson(), fallbackIds: { eos: END } });
    expect(tokenizerFromJSON(noConfig.toJSON()).toJSON()).toEqual(noConfig.toJSON());
  });

  it('refuses a damaged saved tokenizer, naming what is missing', () => {
    const json = tok().toJSON();
    expect(() => HfTokenizer.fromJSON({ ...json, tokenizerJson: undefined })).toThrow(/tokenizerJson/);
    expect(() => HfTokenizer.fromJSON({ ...json, version: 2 })).toThrow(/version 2/);
    expect(() => HfTokenizer.fromJSON({ ...json, eosId: 'x' })).toThrow(/"eosId"/);
  });

  it('refuses a bad tokenizer.json or tokenizer_config.json with a TokenizerError that names the problem', () => {
    const bad = (tokenizerJsonText: string, tokenizerConfig?: string): (() => HfTokenizer) => {
      return () =>
        new HfTokenizer({
          tokenizerJson: tokenizerJsonText,
          ...(tokenizerConfig === undefined ? {} : { tokenizerConfig }),
          fallbackIds: { eos: END },
        });
    };
    const cases: [() => HfTokenizer, RegExp][] = [
      [bad('{"model": '), /tokenizer\.json is not valid JSON/],
      [bad('[1, 2]'), /tokenizer\.json must hold a JSON object/],
      [bad(tokenizerJson({ model: undefined })), /tokenizer\.json has no "model" object/],
      [bad(tokenizerJson({ model: { type: 'Nonsense', vocab: {} } })), /model\.type is "Nonsense"; supported: BPE/],
      [bad(tokenizerJson({ model: { type: 'WordLevel', vocab: {}, unk_token: '?' } })), /model\.type is "WordLevel"/],
      [bad(tokenizerJson({ pre_tokenizer: { type: 'Wobbly' } })), /could not be read: .*Wobbly/],
      [bad(tokenizerJson({ added_tokens: {} })), /"added_tokens" must be an array/],
      [bad(tokenizerJson({ added_tokens: [{ id: 'x', content: 'y' }] })), /added_tokens\[0\] needs an integer "id"/],
      [bad(tokenizerJson(), '{"eos_token": "<|nowhere|>"}'), /eos_token "<\|nowhere\|>" is not in tokenizer\.json/],
      [bad(tokenizerJson(), '{"bos_token": 7}'), /bos_token is 7; expected a string/],
      [bad(tokenizerJson(), 'nope'), /tokenizer_config\.json is not valid JSON/],
    ];
    for (const [make, message] of cases) {
      expect(make).toThrow(TokenizerError);
      expect(make).toThrow(message);
    }
  });
});
