import { BpeTokenizer } from './bpe';
import { PrunedTokenizer } from './bpePruned';
import { CharTokenizer } from './charTokenizer';
import { HfTokenizer } from './hfTokenizer';
import { TokenizerError, type Tokenizer } from './tokenizer';

/** Rebuilds a tokenizer from its `toJSON()` (as stored in checkpoints), whatever its kind. */
export function tokenizerFromJSON(json: unknown): Tokenizer {
  const kind = typeof json === 'object' && json !== null ? (json as { kind?: unknown }).kind : undefined;
  switch (kind) {
    case 'char':
      return CharTokenizer.fromJSON(json);
    case 'bpe':
      return BpeTokenizer.fromJSON(json);
    case 'hf':
      return HfTokenizer.fromJSON(json);
    case 'pruned':
      // The wrapped tokenizer is restored by this same function (passed in, so bpePruned.ts need not import it).
      return PrunedTokenizer.fromJSON(json, tokenizerFromJSON);
    default:
      throw new TokenizerError(
        `Unknown tokenizer kind ${JSON.stringify(kind)}; this build can restore: "char", "bpe", "hf", "pruned". ` +
          'The checkpoint may come from a newer version of the studio.',
      );
  }
}
