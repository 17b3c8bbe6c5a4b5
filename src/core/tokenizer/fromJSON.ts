import { CharTokenizer } from './charTokenizer';
import { TokenizerError, type Tokenizer } from './tokenizer';

/** Rebuilds a tokenizer from its `toJSON()` (as stored in checkpoints), whatever its kind. */
export function tokenizerFromJSON(json: unknown): Tokenizer {
  const kind = typeof json === 'object' && json !== null ? (json as { kind?: unknown }).kind : undefined;
  switch (kind) {
    case 'char':
      return CharTokenizer.fromJSON(json);
    default:
      throw new TokenizerError(
        `Unknown tokenizer kind ${JSON.stringify(kind)}; this build can restore: "char". ` +
          'The checkpoint may come from a newer version of the studio.',
      );
  }
}
