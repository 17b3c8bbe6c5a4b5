/**
 * What the model layer needs from a tokenizer. Implementations: `CharTokenizer` (here), GPT-2 BPE (later).
 *
 * Ids are dense in `[0, vocabSize)`. `encode` never emits the special ids: callers put `<bos>` / `<eos>` around the
 * pieces they encode themselves, so a user's text that happens to contain the string "<eos>" stays text.
 */
export interface Tokenizer {
  /** Which implementation wrote `toJSON()`; `tokenizerFromJSON` dispatches on it. */
  readonly kind: string;
  readonly vocabSize: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  encode(text: string): number[];
  decode(ids: readonly number[], options?: DecodeOptions): string;
  /** A plain JSON object that rebuilds the same tokenizer (ids included) through `tokenizerFromJSON`. */
  toJSON(): TokenizerJSON;
}

export interface DecodeOptions {
  /**
   * `'skip'` (default): pad, bos and eos vanish from the text, unknown becomes U+FFFD.
   * `'show'`: every special id is written as its name (`<pad>`, `<bos>`, `<eos>`, `<unk>`), for debugging views.
   */
  specials?: 'skip' | 'show';
}

export interface TokenizerJSON {
  kind: string;
  [key: string]: unknown;
}

/** Thrown when a tokenizer cannot be built or restored; `message` says what was wrong and where. */
export class TokenizerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenizerError';
  }
}
