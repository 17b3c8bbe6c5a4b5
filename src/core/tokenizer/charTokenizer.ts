import { TokenizerError, type DecodeOptions, type Tokenizer, type TokenizerJSON } from './tokenizer';

/** The four special tokens, always first and always in this order, so their ids never depend on the data. */
export const CHAR_SPECIALS = ['<pad>', '<bos>', '<eos>', '<unk>'] as const;
const PAD = 0;
const BOS = 1;
const EOS = 2;
const UNK = 3;
const FIRST_CHAR_ID = CHAR_SPECIALS.length;

export interface CharTokenizerJSON extends TokenizerJSON {
  kind: 'char';
  version: 1;
  /** One entry per character id, starting at id 4; each entry is one Unicode code point. */
  alphabet: string[];
}

/**
 * One token per Unicode code point (not per UTF-16 unit, so an emoji is one token) over a fixed alphabet.
 * Characters outside the alphabet encode to `<unk>`.
 */
export class CharTokenizer implements Tokenizer {
  readonly kind = 'char';
  readonly padId = PAD;
  readonly bosId = BOS;
  readonly eosId = EOS;
  readonly unkId = UNK;
  readonly vocabSize: number;
  private readonly alphabet: readonly string[];
  private readonly idOf: Map<string, number>;

  /** `alphabet`: distinct single code points; their order fixes the ids (4, 5, …). */
  constructor(alphabet: readonly string[]) {
    const idOf = new Map<string, number>();
    alphabet.forEach((ch, i) => {
      if (typeof ch !== 'string' || [...ch].length !== 1) {
        throw new TokenizerError(
          `Char tokenizer alphabet entry ${i} is ${JSON.stringify(ch)}; every entry must be exactly one character.`,
        );
      }
      if (idOf.has(ch)) {
        throw new TokenizerError(
          `Char tokenizer alphabet lists ${JSON.stringify(ch)} twice (entries ${idOf.get(ch)! - FIRST_CHAR_ID} and ${i}).`,
        );
      }
      idOf.set(ch, FIRST_CHAR_ID + i);
    });
    this.alphabet = [...alphabet];
    this.idOf = idOf;
    this.vocabSize = FIRST_CHAR_ID + alphabet.length;
  }

  /**
   * The alphabet of every character seen in `texts` (plus `alwaysInclude`), sorted by code point so that the same
   * texts give the same ids whatever their order.
   */
  static fromTexts(texts: Iterable<string>, options: { alwaysInclude?: string } = {}): CharTokenizer {
    const seen = new Set<string>();
    for (const ch of options.alwaysInclude ?? '') seen.add(ch);
    for (const text of texts) for (const ch of text) seen.add(ch);
    const alphabet = [...seen].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    return new CharTokenizer(alphabet);
  }

  static fromJSON(json: unknown): CharTokenizer {
    if (typeof json !== 'object' || json === null) {
      throw new TokenizerError(`Char tokenizer JSON must be an object, got ${json === null ? 'null' : typeof json}.`);
    }
    const o = json as Record<string, unknown>;
    if (o.kind !== 'char')
      throw new TokenizerError(`Char tokenizer JSON has kind ${JSON.stringify(o.kind)}, expected "char".`);
    if (o.version !== 1) {
      throw new TokenizerError(
        `Char tokenizer JSON has version ${JSON.stringify(o.version)}; this build reads version 1.`,
      );
    }
    if (!Array.isArray(o.alphabet)) throw new TokenizerError('Char tokenizer JSON has no "alphabet" array.');
    return new CharTokenizer(o.alphabet as string[]);
  }

  encode(text: string): number[] {
    const ids: number[] = [];
    for (const ch of text) ids.push(this.idOf.get(ch) ?? UNK);
    return ids;
  }

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    const show = options.specials === 'show';
    let out = '';
    for (const id of ids) {
      if (id >= FIRST_CHAR_ID && id < this.vocabSize) out += this.alphabet[id - FIRST_CHAR_ID];
      else if (id === UNK) out += show ? CHAR_SPECIALS[UNK] : '\uFFFD';
      else if (id >= 0 && id < FIRST_CHAR_ID) out += show ? CHAR_SPECIALS[id] : '';
      else
        throw new TokenizerError(`Token id ${id} is outside this char tokenizer's vocabulary [0, ${this.vocabSize}).`);
    }
    return out;
  }

  /** The characters in id order (id 4 first). */
  characters(): string[] {
    return [...this.alphabet];
  }

  toJSON(): CharTokenizerJSON {
    return { kind: 'char', version: 1, alphabet: [...this.alphabet] };
  }
}
