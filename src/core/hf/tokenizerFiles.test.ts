import { describe, expect, it } from 'vitest';
import type { GptConfig } from '../model/config';
import { BpeTokenizer } from '../tokenizer/bpe';
import { HfTokenizer } from '../tokenizer/hfTokenizer';
import { HfImportError } from './files';
import { tinyTokenizerFiles } from './testing/hfFixtures';
import { importHfTokenizer } from './tokenizerFiles';

const tiny = tinyTokenizerFiles();
const EOT = 276; // <|endoftext|>, the tiny fixture's last id

/** The tiny GPT-2 tokenizer.json made "not GPT-2's": an NFC normalizer and Qwen's split regex before ByteLevel. */
function ownTokenizerJson(): string {
  const json = JSON.parse(tiny.files['tokenizer.json']) as Record<string, unknown>;
  json.normalizer = { type: 'NFC' };
  json.pre_tokenizer = {
    type: 'Sequence',
    pretokenizers: [
      { type: 'Split', pattern: { Regex: '\\p{N}| ?\\p{L}+|\\s+' }, behavior: 'Isolated', invert: false },
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    ],
  };
  return JSON.stringify(json);
}

const config = (vocabSize: number): GptConfig => ({ vocabSize }) as GptConfig;

describe('importHfTokenizer', () => {
  it('falls back to vocab.json + merges.txt beside a tokenizer.json with an empty vocabulary, and says so', () => {
    const empty = JSON.parse(tiny.files['tokenizer.json']) as { model: { vocab: object; merges: unknown[] } };
    empty.model.vocab = {};
    empty.model.merges = [];
    const { tokenizer, notes } = importHfTokenizer({ ...tiny.files, 'tokenizer.json': JSON.stringify(empty) });
    const pair = importHfTokenizer({ 'vocab.json': tiny.files['vocab.json'], 'merges.txt': tiny.files['merges.txt'] });
    expect(tokenizer.vocabSize).toBe(pair.tokenizer.vocabSize);
    expect(tokenizer.encode(' the cat')).toEqual(pair.tokenizer.encode(' the cat'));
    expect(notes).toEqual([
      'tokenizer.json has an empty vocabulary (its model.vocab holds no token): vocab.json + merges.txt beside it were read instead.',
    ]);
    // alone, it is refused by name
    let error: unknown;
    try {
      importHfTokenizer({ 'tokenizer.json': JSON.stringify(empty) });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HfImportError);
    expect((error as HfImportError).message).toMatch(/tokenizer\.json.*empty vocabulary/);
  });

  it("reads GPT-2's byte-level BPE with our own BPE, anything else with the model's own tokenizer", () => {
    expect(importHfTokenizer(tiny.files).tokenizer).toBeInstanceOf(BpeTokenizer);
    const { tokenizer, notes } = importHfTokenizer({ 'tokenizer.json': ownTokenizerJson() });
    expect(tokenizer).toBeInstanceOf(HfTokenizer);
    expect(tokenizer.encode(' the cat 12')).toEqual([
      tokenizer.tokenId('Ġthe'),
      tokenizer.tokenId('Ġcat'),
      tokenizer.tokenId('Ġ'),
      tokenizer.tokenId('1'),
      tokenizer.tokenId('2'),
    ]);
    expect([tokenizer.eosId, tokenizer.endOfText]).toEqual([EOT, '<|endoftext|>']);
    expect(notes).toEqual([
      'tokenizer_config.json names no bos_token, eos_token, pad_token: bos is id 276 (the eos token), eos is id 276 (by its name), pad is id 276 (the eos token).',
    ]);
  });

  it("takes bos/eos/pad from tokenizer_config.json, else config.json's ids", () => {
    const files = {
      'tokenizer.json': ownTokenizerJson(),
      'tokenizer_config.json': JSON.stringify({ eos_token: '<|endoftext|>', pad_token: null }),
    };
    const { tokenizer, notes } = importHfTokenizer(files, config(277), { bos_token_id: 5, eos_token_id: [EOT, 9] });
    expect([tokenizer.bosId, tokenizer.eosId, tokenizer.padId]).toEqual([5, EOT, EOT]);
    expect(notes).toEqual([
      'tokenizer_config.json names no bos_token, pad_token: bos is id 5 (config.json), pad is id 276 (the eos token).',
    ]);
  });

  it("checks the tokenizer against the model: the token table's size, config.json's eos ids; pads to spare rows", () => {
    const files = { 'tokenizer.json': ownTokenizerJson() };
    expect(() => importHfTokenizer(files, config(200))).toThrow(
      /has 277 token ids but the model's token table has 200 rows/,
    );
    const named = { ...files, 'tokenizer_config.json': '{"eos_token": "<|endoftext|>"}' };
    expect(() => importHfTokenizer(named, config(277), { eos_token_id: [1, 2] })).toThrow(
      /end-of-text <\|endoftext\|> is id 276 but config\.json says eos_token_id \[1,2\]/,
    );
    const padded = importHfTokenizer(files, config(320), { eos_token_id: EOT });
    expect(padded.tokenizer.vocabSize).toBe(320);
    expect(padded.tokenizer.encode(' the')).toEqual([padded.tokenizer.tokenId('Ġthe')]);
    expect(padded.notes).toContain('The model has 43 token rows the tokenizer never produces (vocab padded to 320).');
  });

  it('names the file that is wrong', () => {
    const bad = (files: Record<string, string>): HfImportError => {
      try {
        importHfTokenizer(files);
      } catch (e) {
        if (e instanceof HfImportError) return e;
        throw e;
      }
      throw new Error('no error');
    };
    expect(bad({ 'tokenizer.json': '{oops' }).file).toBe('tokenizer.json');
    const wrongModel = JSON.parse(ownTokenizerJson()) as { model: { type: string } };
    wrongModel.model.type = 'WordLevel';
    expect(bad({ 'tokenizer.json': JSON.stringify(wrongModel) }).message).toMatch(/model\.type is "WordLevel"/);
    const e = bad({ 'tokenizer.json': ownTokenizerJson(), 'tokenizer_config.json': '{"eos_token": "<none>"}' });
    expect(e.file).toBe('tokenizer_config.json');
    expect(e.message).toMatch(/eos_token "<none>" is not in tokenizer\.json/);
  });
});
