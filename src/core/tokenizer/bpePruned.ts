/**
 * A tokenizer over a pruned vocabulary: the ids of a base tokenizer (GPT-2's BPE) that a dataset uses, renumbered
 * 0..n−1 in their original order. The model then needs only n embedding rows and an n-way head.
 *
 * `encode` runs the base tokenizer and renumbers. A base token that was pruned away (text the dataset never had) is
 * split back along the merges that built it until every part is kept, so it still encodes, if less compactly —
 * the 256 single-byte tokens are kept by default so that any text can be encoded. `decode` maps back and lets the
 * base tokenizer decode.
 */
import { TokenizerError, type DecodeOptions, type Tokenizer, type TokenizerJSON } from './tokenizer';

/** What the pruned tokenizer needs from its base: a BPE can also split a token into the two it was merged from. */
export type PrunableTokenizer = Tokenizer & { splitToken?(id: number): readonly [number, number] | undefined };

export interface PrunedTokenizerJSON extends TokenizerJSON {
  kind: 'pruned';
  version: 1;
  base: TokenizerJSON;
  /** Original ids kept, ascending; the new id of `keep[i]` is i. */
  keep: number[];
}

export class PrunedTokenizer implements Tokenizer {
  readonly kind = 'pruned';
  readonly vocabSize: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  readonly base: PrunableTokenizer;
  private readonly keepIds: readonly number[];
  /** Original id → new id; −1 where pruned. */
  private readonly newId: Int32Array;
  /**
   * Special tokens written in the text read as those tokens (a chat template's `<|im_start|>`), renumbered; present
   * when the base tokenizer has it (a model's own tokenizer.json).
   */
  readonly encodeWithSpecialTokens?: (text: string) => number[];

  /** `keep`: original ids; sorted and de-duplicated here. Must contain the base's bos, eos and pad ids. */
  constructor(base: PrunableTokenizer, keep: Iterable<number>) {
    const ids = [...new Set(keep)].sort((a, b) => a - b);
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= base.vocabSize) {
        throw new TokenizerError(
          `Pruned vocabulary lists id ${id}, outside the base tokenizer's [0, ${base.vocabSize}).`,
        );
      }
    }
    this.base = base;
    this.keepIds = ids;
    this.newId = new Int32Array(base.vocabSize).fill(-1);
    ids.forEach((id, i) => (this.newId[id] = i));
    const need = (id: number, what: string): number => {
      const n = this.newId[id]!;
      if (n < 0) throw new TokenizerError(`Pruned vocabulary must keep the ${what} id ${id}.`);
      return n;
    };
    this.bosId = need(base.bosId, 'BOS');
    this.eosId = need(base.eosId, 'EOS');
    this.padId = need(base.padId, 'padding');
    this.vocabSize = ids.length;
    const withSpecials = (base as { encodeWithSpecialTokens?: (text: string) => number[] }).encodeWithSpecialTokens;
    if (withSpecials) {
      this.encodeWithSpecialTokens = (text) => {
        const out: number[] = [];
        for (const id of withSpecials.call(base, text)) this.push(id, out, text);
        return out;
      };
    }
  }

  /** Original ids kept, ascending (new id i ↔ original `keep()[i]`). */
  keep(): number[] {
    return [...this.keepIds];
  }

  /** New id of an original id, or undefined when it was pruned. */
  toPruned(originalId: number): number | undefined {
    const n = this.newId[originalId];
    return n === undefined || n < 0 ? undefined : n;
  }

  toOriginal(prunedId: number): number {
    const id = this.keepIds[prunedId];
    if (id === undefined)
      throw new TokenizerError(`Token id ${prunedId} is outside this pruned vocabulary [0, ${this.vocabSize}).`);
    return id;
  }

  encode(text: string): number[] {
    const out: number[] = [];
    for (const id of this.base.encode(text)) this.push(id, out, text);
    return out;
  }

  /** Renumbers one original id, splitting a pruned token into kept parts (its merge tree). */
  private push(id: number, out: number[], text: string): void {
    const n = this.newId[id]!;
    if (n >= 0) {
      out.push(n);
      return;
    }
    const parts = this.base.splitToken?.(id);
    if (parts === undefined) {
      throw new TokenizerError(
        `Token ${id} of ${JSON.stringify(text.slice(0, 40))} is not in the pruned vocabulary and cannot be split into smaller ` +
          'tokens; prune with the byte tokens kept, or include this text when pruning.',
      );
    }
    this.push(parts[0], out, text);
    this.push(parts[1], out, text);
  }

  decode(ids: readonly number[], options?: DecodeOptions): string {
    return this.base.decode(
      ids.map((id) => this.toOriginal(id)),
      options,
    );
  }

  toJSON(): PrunedTokenizerJSON {
    return { kind: 'pruned', version: 1, base: this.base.toJSON(), keep: [...this.keepIds] };
  }

  /** `restoreBase` rebuilds the wrapped tokenizer (pass `tokenizerFromJSON`). */
  static fromJSON(json: unknown, restoreBase: (json: unknown) => Tokenizer): PrunedTokenizer {
    if (typeof json !== 'object' || json === null) throw new TokenizerError('Pruned tokenizer JSON must be an object.');
    const o = json as Record<string, unknown>;
    if (o.kind !== 'pruned')
      throw new TokenizerError(`Pruned tokenizer JSON has kind ${JSON.stringify(o.kind)}, expected "pruned".`);
    if (o.version !== 1)
      throw new TokenizerError(
        `Pruned tokenizer JSON has version ${JSON.stringify(o.version)}; this build reads version 1.`,
      );
    if (!Array.isArray(o.keep) || !o.keep.every((k) => Number.isInteger(k))) {
      throw new TokenizerError('Pruned tokenizer JSON needs "keep", an array of integer ids.');
    }
    return new PrunedTokenizer(restoreBase(o.base) as PrunableTokenizer, o.keep as number[]);
  }
}
