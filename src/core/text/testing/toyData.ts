import type { InstructionRecord } from '../../data/record';
import type { TokenizerLike } from '../tokenizerLike';

/**
 * Test helpers shared by the text and train tests (not used by the app): a byte-level toy tokenizer with fixed
 * special ids, and record factories.
 */
export class ToyTokenizer implements TokenizerLike {
  readonly kind = 'toy';
  readonly padId = 0;
  readonly bosId = 1;
  readonly eosId = 2;
  readonly vocabSize = 3 + 128;
  encode(text: string): number[] {
    return Array.from(text, (c) => 3 + (c.charCodeAt(0) & 127));
  }
  decode(ids: number[]): string {
    return ids
      .map((i) =>
        i === this.bosId
          ? '<bos>'
          : i === this.eosId
            ? '<eos>'
            : i === this.padId
              ? '<pad>'
              : String.fromCharCode(i - 3),
      )
      .join('');
  }
}

export function rec(id: string, instruction: string, output: string, input = '', score?: number): InstructionRecord {
  return { id, instruction, input, output, score, meta: {} };
}
