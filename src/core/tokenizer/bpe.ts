/**
 * GPT-2's byte-level BPE (the tokenizer of GPT-2, distilgpt2 and the GPT-Neo TinyStories models). Reading it from a
 * Hugging Face `tokenizer.json` or from `vocab.json` + `merges.txt` is ./bpeFromFiles.ts; writing those is
 * ./bpeToFiles.ts.
 *
 * Encoding, as GPT-2's `encoder.py` and HF's ByteLevel BPE do it:
 *   1. split the text on the added tokens (`<|endoftext|>`): each occurrence becomes its id, also mid-text;
 *   2. split every other stretch with GPT-2's pre-tokenizer regex (contractions, letters, digits, other, spaces);
 *   3. turn each piece's UTF-8 bytes into printable characters (GPT-2's `bytes_to_unicode`, so every byte has a
 *      token and nothing is ever unknown);
 *   4. merge adjacent symbols, lowest merge rank first, until no listed merge applies; look the symbols up in the vocab.
 * Pieces repeat a lot in real text, so step 4's result is cached per piece.
 *
 * Special ids: GPT-2 has one special token, `<|endoftext|>` (50256). It is the BOS, the EOS and the padding id
 * (padding positions are masked out of the loss, so sharing the id is harmless) — as in `transformers`, where
 * GPT-2's bos, eos and unk are all `<|endoftext|>`.
 *
 * Unlike `CharTokenizer`, `encode` turns the literal text `<|endoftext|>` into the special id (what the model's own
 * tokenizer does, and what GPT-2 was trained with between documents); `encodeOrdinary` treats it as plain text.
 * `decode(encode(s)) === s` for every well-formed string (a lone UTF-16 surrogate becomes U+FFFD on the way to UTF-8).
 */
import { TokenizerError, type DecodeOptions, type Tokenizer, type TokenizerJSON } from './tokenizer';

export const END_OF_TEXT = '<|endoftext|>';

// ───────────────────────────── bytes ↔ printable characters ─────────────────────────────

/**
 * GPT-2's byte order: the printable Latin-1 bytes keep their own code point and come first (ids 0..187 in GPT-2's
 * vocab), the 68 others (control characters, space, 0x7F–0xA0, 0xAD) are moved to U+0100… in byte order (ids
 * 188..255). `GPT2_BYTE_ORDER[i]` is the byte of id i in GPT-2's vocab.
 */
export const GPT2_BYTE_ORDER: readonly number[] = (() => {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const rest: number[] = [];
  for (let b = 0; b < 256; b++) if (!printable.includes(b)) rest.push(b);
  return [...printable, ...rest];
})();

/** Byte → its printable stand-in (`bytes_to_unicode`). */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const out = new Array<string>(256);
  let shifted = 0;
  for (const b of GPT2_BYTE_ORDER) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    out[b] = String.fromCodePoint(printable ? b : 256 + shifted++);
  }
  return out;
})();

const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

// ───────────────────────────── the pre-tokenizer ─────────────────────────────

/**
 * `\s` as the reference implementations mean it (Unicode White_Space: Rust's regex in tiktoken, Oniguruma in HF
 * tokenizers), not as JavaScript does: JS's `\s` lacks U+0085 and adds U+FEFF.
 */
const WS = '\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

/** GPT-2's `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+` (case-sensitive, as trained). */
const GPT2_SPLIT = `'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^${WS}\\p{L}\\p{N}]+|[${WS}]+(?![^${WS}])|[${WS}]+`;

/** The pieces GPT-2's regex cuts `text` into (their concatenation is `text`). */
export function gpt2PreTokenize(text: string): string[] {
  return text.match(new RegExp(GPT2_SPLIT, 'gu')) ?? [];
}

// ───────────────────────────── the tokenizer ─────────────────────────────

export interface AddedToken {
  id: number;
  /** The literal text that stands for the token (not byte-level encoded). */
  content: string;
  /** Special tokens vanish from `decode` unless `specials: 'show'`. */
  special: boolean;
}

export interface BpeTokenizerInit {
  /** Byte-level token string → id. */
  vocab: ReadonlyMap<string, number> | Readonly<Record<string, number>>;
  /** Merges by rank (first = applied first). */
  merges: readonly (readonly [string, string])[];
  /** Tokens matched in the raw text before BPE; `<|endoftext|>` is added here when the vocab has it. */
  added?: readonly AddedToken[];
  /** The token used as BOS, EOS and padding; default `<|endoftext|>`. */
  endOfText?: string;
  /**
   * Report this many ids (≥ the largest id + 1): a model whose embedding table has spare rows (a vocab padded to a
   * multiple of 64) then matches the tokenizer. Ids in the gap never come out of `encode`.
   */
  vocabSize?: number;
  /** Named in error messages ("tokenizer.json", "vocab.json + merges.txt"). */
  source?: string;
}

export interface BpeTokenizerJSON extends TokenizerJSON {
  kind: 'bpe';
  version: 1;
  /** id → byte-level token string; null where an added token (or no token) has the id. */
  vocab: (string | null)[];
  /** "left right", by rank. */
  merges: string[];
  added: AddedToken[];
  endOfText: string;
  vocabSize: number;
}

/** Entries above this count empty the encode cache (a big corpus has ~10⁵–10⁶ distinct pieces). */
const CACHE_LIMIT = 200_000;

const utf8 = new TextEncoder();
/** ignoreBOM: a U+FEFF at the start of the text is text, not a byte-order mark to drop. */
const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class BpeTokenizer implements Tokenizer {
  readonly kind = 'bpe';
  readonly vocabSize: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  readonly endOfText: string;
  private readonly tokenToId: Map<string, number>;
  /** id → byte-level token string (undefined for added tokens and gaps). */
  private readonly idToToken: (string | undefined)[];
  /** id → raw bytes the token stands for. */
  private readonly idToBytes: (Uint8Array | undefined)[];
  private readonly mergeList: [string, string][];
  /** "left right" → rank. */
  private readonly mergeRank: Map<string, number>;
  /** token id → the ids of the merge that first builds it. */
  private readonly parts: Map<number, readonly [number, number]>;
  private readonly added: AddedToken[];
  private readonly addedById: Map<number, AddedToken>;
  private readonly addedByContent: Map<string, number>;
  private readonly addedSplit: RegExp | undefined;
  private readonly cache = new Map<string, number[]>();

  constructor(init: BpeTokenizerInit) {
    const source = init.source ?? 'the BPE tokenizer';
    const fail = (what: string): never => {
      throw new TokenizerError(`${source}: ${what}`);
    };
    const entries = init.vocab instanceof Map ? [...init.vocab.entries()] : Object.entries(init.vocab);
    if (entries.length === 0) fail('the vocabulary is empty.');
    this.tokenToId = new Map();
    this.idToToken = [];
    this.idToBytes = [];
    for (const [token, id] of entries) {
      if (!Number.isInteger(id) || id < 0)
        fail(`vocab entry ${JSON.stringify(token)} has id ${JSON.stringify(id)}; ids must be non-negative integers.`);
      if (this.idToToken[id] !== undefined)
        fail(
          `ids must be unique, but ${JSON.stringify(this.idToToken[id])} and ${JSON.stringify(token)} both have id ${id}.`,
        );
      this.tokenToId.set(token, id);
      this.idToToken[id] = token;
    }
    for (const b of GPT2_BYTE_ORDER) {
      if (!this.tokenToId.has(BYTE_TO_CHAR[b]!)) {
        fail(
          `the vocabulary has no token for byte 0x${b.toString(16).padStart(2, '0')} (${JSON.stringify(BYTE_TO_CHAR[b])}): ` +
            'this is not a GPT-2 byte-level BPE vocabulary.',
        );
      }
    }

    // Added tokens: those listed, plus the end-of-text token when only the vocab has it (vocab.json + merges.txt).
    this.endOfText = init.endOfText ?? END_OF_TEXT;
    const added = new Map<number, AddedToken>();
    for (const a of init.added ?? []) {
      if (!Number.isInteger(a.id) || a.id < 0 || typeof a.content !== 'string' || a.content === '') {
        fail(`added token ${JSON.stringify(a)} needs a non-negative integer id and non-empty content.`);
      }
      const inVocab = this.tokenToId.get(a.content);
      if (inVocab !== undefined && inVocab !== a.id)
        fail(`added token ${JSON.stringify(a.content)} has id ${a.id} but the vocab gives it ${inVocab}.`);
      const clash = this.idToToken[a.id];
      if (clash !== undefined && clash !== a.content)
        fail(
          `added token ${JSON.stringify(a.content)} has id ${a.id}, which the vocab gives to ${JSON.stringify(clash)}.`,
        );
      added.set(a.id, { id: a.id, content: a.content, special: a.special === true });
    }
    const eotInVocab = this.tokenToId.get(this.endOfText);
    if (eotInVocab !== undefined && !added.has(eotInVocab))
      added.set(eotInVocab, { id: eotInVocab, content: this.endOfText, special: true });
    this.added = [...added.values()].sort((a, b) => a.id - b.id);
    this.addedById = new Map(this.added.map((a) => [a.id, a]));
    this.addedByContent = new Map(this.added.map((a) => [a.content, a.id]));
    const eot = this.addedByContent.get(this.endOfText);
    if (eot === undefined) fail(`there is no ${JSON.stringify(this.endOfText)} token to use as BOS/EOS/padding.`);
    this.bosId = this.eosId = this.padId = eot!;
    // Longest first, so a token that contains another is matched whole.
    const contents = this.added.map((a) => a.content).sort((a, b) => b.length - a.length);
    this.addedSplit = contents.length > 0 ? new RegExp(`(${contents.map(escapeRegExp).join('|')})`, 'u') : undefined;

    for (let id = 0; id < this.idToToken.length; id++) {
      const token = this.idToToken[id];
      if (token === undefined || this.addedById.has(id)) continue;
      const bytes: number[] = [];
      for (const ch of token) {
        const b = CHAR_TO_BYTE.get(ch);
        if (b === undefined)
          fail(
            `vocab token ${JSON.stringify(token)} (id ${id}) contains ${JSON.stringify(ch)}, which is not a byte-level character.`,
          );
        bytes.push(b!);
      }
      this.idToBytes[id] = Uint8Array.from(bytes);
    }
    for (const a of this.added) this.idToBytes[a.id] = utf8.encode(a.content);

    this.mergeList = [];
    this.mergeRank = new Map();
    this.parts = new Map();
    init.merges.forEach(([left, right], rank) => {
      const leftId = this.tokenToId.get(left);
      const rightId = this.tokenToId.get(right);
      const mergedId = this.tokenToId.get(left + right);
      if (leftId === undefined || rightId === undefined || mergedId === undefined) {
        const missing = [left, right, left + right].find((t) => !this.tokenToId.has(t))!;
        fail(`merge ${rank + 1} ("${left} ${right}") uses ${JSON.stringify(missing)}, which is not in the vocabulary.`);
      }
      const key = `${left} ${right}`;
      if (this.mergeRank.has(key)) return; // a repeated merge keeps its first (lowest) rank, as HF does
      this.mergeList.push([left, right]);
      this.mergeRank.set(key, rank);
      if (!this.parts.has(mergedId!)) this.parts.set(mergedId!, [leftId!, rightId!]);
    });

    const maxId = Math.max(this.idToToken.length, ...this.added.map((a) => a.id + 1));
    const vocabSize = init.vocabSize ?? maxId;
    if (!Number.isInteger(vocabSize) || vocabSize < maxId) {
      fail(`vocabSize ${vocabSize} is smaller than the ${maxId} ids the tokenizer uses.`);
    }
    this.vocabSize = vocabSize;
  }

  /** Ids for `text`; `<|endoftext|>` (and any other added token) in the text becomes its id. */
  encode(text: string): number[] {
    if (this.addedSplit === undefined) return this.encodeOrdinary(text);
    const ids: number[] = [];
    // split with one capture group: odd indices are the matched added tokens.
    text.split(this.addedSplit).forEach((part, i) => {
      if (i % 2 === 1) ids.push(this.addedByContent.get(part)!);
      else if (part !== '') this.encodeInto(part, ids);
    });
    return ids;
  }

  /** Ids for `text` with every character treated as text: `<|endoftext|>` is spelled out, never the special id. */
  encodeOrdinary(text: string): number[] {
    const ids: number[] = [];
    this.encodeInto(text, ids);
    return ids;
  }

  private encodeInto(text: string, ids: number[]): void {
    for (const piece of gpt2PreTokenize(text)) {
      let pieceIds = this.cache.get(piece);
      if (pieceIds === undefined) {
        pieceIds = this.bpe(piece);
        if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
        this.cache.set(piece, pieceIds);
      }
      for (const id of pieceIds) ids.push(id);
    }
  }

  /** GPT-2's `bpe()`: merge the lowest-ranked adjacent pair (every occurrence, left to right) until none applies. */
  private bpe(piece: string): number[] {
    let word = Array.from(utf8.encode(piece), (b) => BYTE_TO_CHAR[b]!);
    while (word.length > 1) {
      let best = Infinity;
      let left = '';
      let right = '';
      for (let i = 0; i + 1 < word.length; i++) {
        const r = this.mergeRank.get(`${word[i]} ${word[i + 1]}`);
        if (r !== undefined && r < best) {
          best = r;
          left = word[i]!;
          right = word[i + 1]!;
        }
      }
      if (best === Infinity) break;
      const merged: string[] = [];
      for (let i = 0; i < word.length;) {
        if (i + 1 < word.length && word[i] === left && word[i + 1] === right) {
          merged.push(left + right);
          i += 2;
        } else merged.push(word[i++]!);
      }
      word = merged;
    }
    return word.map((symbol) => this.tokenToId.get(symbol)!); // merges were checked against the vocab
  }

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    const show = options.specials === 'show';
    const chunks: Uint8Array[] = [];
    let length = 0;
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new TokenizerError(`Token id ${id} is outside this BPE tokenizer's vocabulary [0, ${this.vocabSize}).`);
      }
      let bytes = this.idToBytes[id];
      const a = this.addedById.get(id);
      if (a?.special && !show) continue;
      if (bytes === undefined) bytes = utf8.encode(show ? `<unused ${id}>` : '\uFFFD'); // a gap in the ids
      chunks.push(bytes);
      length += bytes.length;
    }
    // Bytes first, text last: one character's UTF-8 bytes may be spread over several tokens.
    const all = new Uint8Array(length);
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.length;
    }
    return utf8Decoder.decode(all);
  }

  /** The byte-level string of a vocab token (`Ġworld`), or the content of an added token; undefined for a gap. */
  tokenString(id: number): string | undefined {
    return this.addedById.get(id)?.content ?? this.idToToken[id];
  }

  /** The id of a byte-level token string, or of an added token's content. */
  tokenId(token: string): number | undefined {
    return this.addedByContent.get(token) ?? this.tokenToId.get(token);
  }

  /** The two ids whose merge first builds token `id`; undefined for single bytes, added tokens and gaps. */
  splitToken(id: number): readonly [number, number] | undefined {
    return this.parts.get(id);
  }

  /** The ids of the 256 single-byte tokens: with them, any text can be encoded. */
  byteTokenIds(): number[] {
    return GPT2_BYTE_ORDER.map((b) => this.tokenToId.get(BYTE_TO_CHAR[b]!)!);
  }

  addedTokens(): AddedToken[] {
    return this.added.map((a) => ({ ...a }));
  }

  /** The vocab as in `vocab.json` (added tokens included), in id order. */
  vocabObject(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let id = 0; id < Math.max(this.idToToken.length, this.vocabSize); id++) {
      const t = this.tokenString(id);
      if (t !== undefined) out[t] = id;
    }
    return out;
  }

  merges(): [string, string][] {
    return this.mergeList.map(([a, b]) => [a, b]);
  }

  toJSON(): BpeTokenizerJSON {
    const vocab: (string | null)[] = [];
    for (let id = 0; id < this.idToToken.length; id++)
      vocab.push(this.addedById.has(id) ? null : (this.idToToken[id] ?? null));
    return {
      kind: 'bpe',
      version: 1,
      vocab,
      merges: this.mergeList.map(([a, b]) => `${a} ${b}`),
      added: this.addedTokens(),
      endOfText: this.endOfText,
      vocabSize: this.vocabSize,
    };
  }

  static fromJSON(json: unknown): BpeTokenizer {
    const where = 'BPE tokenizer JSON';
    if (typeof json !== 'object' || json === null) throw new TokenizerError(`${where} must be an object.`);
    const o = json as Record<string, unknown>;
    if (o.kind !== 'bpe') throw new TokenizerError(`${where} has kind ${JSON.stringify(o.kind)}, expected "bpe".`);
    if (o.version !== 1)
      throw new TokenizerError(`${where} has version ${JSON.stringify(o.version)}; this build reads version 1.`);
    if (!Array.isArray(o.vocab) || !Array.isArray(o.merges) || !Array.isArray(o.added)) {
      throw new TokenizerError(`${where} needs "vocab", "merges" and "added" arrays.`);
    }
    const vocab = new Map<string, number>();
    (o.vocab as unknown[]).forEach((t, id) => {
      if (typeof t === 'string') vocab.set(t, id);
    });
    for (const a of o.added as AddedToken[]) vocab.delete(a.content);
    return new BpeTokenizer({
      vocab,
      merges: (o.merges as unknown[]).map((m, i) => parseMergeLine(m, i, where)),
      added: o.added as AddedToken[],
      endOfText: typeof o.endOfText === 'string' ? o.endOfText : undefined,
      vocabSize: typeof o.vocabSize === 'number' ? o.vocabSize : undefined,
      source: where,
    });
  }
}

/** One merge, as `"a b"` (merges.txt, tokenizer.json) or `["a", "b"]` (newer tokenizer.json); `file` names the source in errors. */
export function parseMergeLine(m: unknown, index: number, file: string): [string, string] {
  if (typeof m === 'string') {
    const parts = m.split(' ');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      throw new TokenizerError(
        `${file}: merge ${index + 1} is ${JSON.stringify(m)}; expected two tokens separated by one space.`,
      );
    }
    return [parts[0]!, parts[1]!];
  }
  if (Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string') return [m[0], m[1]];
  throw new TokenizerError(`${file}: merge ${index + 1} is ${JSON.stringify(m)}; expected "a b" or ["a", "b"].`);
}
