/**
 * The part of a tokenizer that text encoding needs (templates, masks, batches). Structurally a subset of
 * `core/tokenizer`'s `Tokenizer`, so templates and batching can be tested with any toy tokenizer.
 */
export interface TokenizerLike {
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  encode(text: string): number[];
}
