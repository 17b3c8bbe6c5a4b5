/** Writing a byte-level BPE as the files Hugging Face reads: `merges.txt` and `tokenizer.json` (plus `vocabObject()` for vocab.json). */
import type { BpeTokenizer } from './bpe';

/** `merges.txt` as GPT-2 ships it. */
export function mergesText(tokenizer: BpeTokenizer): string {
  return ['#version: 0.2', ...tokenizer.merges().map(([a, b]) => `${a} ${b}`)].join('\n') + '\n';
}

/** A `tokenizer.json` that `@huggingface/tokenizers` and `transformers` read as GPT-2's fast tokenizer. */
export function tokenizerJsonObject(tokenizer: BpeTokenizer): Record<string, unknown> {
  const vocab = tokenizer.vocabObject();
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: tokenizer.addedTokens().map((a) => ({
      id: a.id,
      content: a.content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: true,
      special: a.special,
    })),
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: { ...byteLevel, trim_offsets: false },
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
      merges: tokenizer.merges().map(([a, b]) => `${a} ${b}`),
    },
  };
}
