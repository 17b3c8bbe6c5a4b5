/**
 * A model's own tokenizer, read from its Hugging Face `tokenizer.json` (+ `tokenizer_config.json`) and run by
 * `@huggingface/tokenizers` (Tokenizers.js): Qwen, Llama 3, Gemma and the rest, whatever their normalizer,
 * pre-tokenizer, model (BPE, Unigram, WordPiece) and decoder. Checked id for id against Python `tokenizers` and
 * transformers in ./hfTokenizer.interop.test.ts.
 *
 * Two ways to encode, as transformers has them:
 *   - `encode(text)` (the `Tokenizer` rule): special added tokens are plain text, so a user's "<|im_end|>" stays
 *     text. Added tokens that are not special (Qwen's `<think>`) are still recognised. This is Python's
 *     `tokenizer.encode_special_tokens = True` (transformers' `split_special_tokens=True`) with
 *     `add_special_tokens=False`.
 *   - `encodeWithSpecialTokens(text)`: every added token in the text becomes its id — transformers'
 *     `tokenizer(text, add_special_tokens=False)`, what a rendered chat template needs. With
 *     `{ addSpecialTokens: true }` the tokenizer's post-processor also adds what the model expects around a text
 *     (Llama 3's and Gemma's BOS; Qwen adds nothing) — transformers' `tokenizer(text)`.
 *
 * The library recognises every added token it is given, so `encode` runs a second instance built without the
 * special ones (each instance is built on first use).
 *
 * BOS, EOS and padding ids come from tokenizer_config.json's `bos_token`, `eos_token`, `pad_token` (a string or an
 * AddedToken object). Where it names none: the caller's fallback (config.json's ids, see `HfTokenizerInit.fallbackIds`),
 * else EOS is the first special added token among `<|endoftext|>`, `<|end_of_text|>`, `</s>`, `<eos>`; BOS and padding
 * are the EOS (padding positions are masked out of the loss, so sharing an id is harmless). `specialsFrom` says
 * which rule gave each.
 */
import { Tokenizer as LibraryTokenizer } from '@huggingface/tokenizers';
import { BYTE_TO_CHAR } from './bpe';
import { TokenizerError, type DecodeOptions, type Tokenizer, type TokenizerJSON } from './tokenizer';

export interface HfTokenizerInit {
  /** The text of tokenizer.json. */
  tokenizerJson: string;
  /** The text of tokenizer_config.json, when the folder has one. */
  tokenizerConfig?: string;
  /**
   * Report this many ids (≥ the tokenizer's own count): a model whose embedding table has spare rows then matches
   * the tokenizer. Ids in the gap never come out of `encode` and decode as U+FFFD.
   */
  vocabSize?: number;
  /** Ids to use where tokenizer_config.json names no bos/eos/pad token (a model's config.json `bos_token_id`…). */
  fallbackIds?: { bos?: number; eos?: number; pad?: number };
}

export interface HfTokenizerJSON extends TokenizerJSON {
  kind: 'hf';
  version: 1;
  tokenizerJson: string;
  tokenizerConfig: string | null;
  vocabSize: number;
  bosId: number;
  eosId: number;
  padId: number;
}

export interface EncodeWithSpecialTokensOptions {
  /** Let the tokenizer's post-processor add its tokens around the text (transformers' `add_special_tokens=True`). */
  addSpecialTokens?: boolean;
}

/** Where a special id came from: the tokenizer_config.json key, the caller's fallback, or the rule that chose it. */
export type SpecialSource = 'tokenizer_config' | 'fallback' | 'eos' | 'added-token name';

/** The tokenizer.json models that `@huggingface/tokenizers` 0.2 runs (Python's WordLevel is not among them). */
const SUPPORTED_MODELS = ['BPE', 'Unigram', 'WordPiece'];

const EOS_NAMES = ['<|endoftext|>', '<|end_of_text|>', '</s>', '<eos>'];

/** The tokenizer_config.json keys whose tokens transformers treats as special, whatever tokenizer.json says. */
const SPECIAL_ROLES = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'];

/**
 * Roles a transformers tokenizer class fills by default when tokenizer_config.json is silent (transformers 5.18):
 * GemmaTokenizer's `mask_token="<mask>"` (models/gemma/tokenization_gemma.py), which Gemma 3's tokenizer.json
 * lists as a plain added token.
 */
const CLASS_DEFAULT_SPECIALS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  GemmaTokenizer: { mask_token: '<mask>' },
};

/** The components a tokenizer.json may leave out; the library wants each key present (null = none). */
const OPTIONAL_COMPONENTS = ['normalizer', 'pre_tokenizer', 'post_processor', 'decoder'] as const;

interface AddedTokenEntry {
  id: number;
  content: string;
  special: boolean;
}

type JsonObject = Record<string, unknown>;

function parseObject(text: string, file: string): JsonObject {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new TokenizerError(`${file} is not valid JSON (${(e as Error).message}).`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new TokenizerError(`${file} must hold a JSON object.`);
  return v as JsonObject;
}

/** A tokenizer_config.json token entry: a string, an AddedToken object `{ content, … }`, or null. */
function tokenContent(value: unknown, key: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && typeof (value as JsonObject).content === 'string')
    return (value as JsonObject).content as string;
  throw new TokenizerError(
    `tokenizer_config.json: ${key} is ${JSON.stringify(value)}; expected a string or an object with "content".`,
  );
}

export class HfTokenizer implements Tokenizer {
  readonly kind = 'hf';
  readonly vocabSize: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  readonly specialsFrom: { readonly bos: SpecialSource; readonly eos: SpecialSource; readonly pad: SpecialSource };
  private readonly tokenizerJson: string;
  private readonly tokenizerConfig: string | undefined;
  private readonly json: JsonObject;
  private readonly config: JsonObject;
  private readonly added: AddedTokenEntry[];
  private readonly specialIds: ReadonlySet<number>;
  /** One past the largest id the tokenizer itself knows (vocabSize may be larger). */
  private readonly ownSize: number;
  /** transformers 5 cleans up spaces before punctuation only where the config asks and the model is not a BPE. */
  private readonly cleanUpSpaces: boolean;
  private full: LibraryTokenizer | undefined;
  private plain: LibraryTokenizer | undefined;

  constructor(init: HfTokenizerInit) {
    this.tokenizerJson = init.tokenizerJson;
    this.tokenizerConfig = init.tokenizerConfig;
    const json = parseObject(init.tokenizerJson, 'tokenizer.json');
    const model = json.model;
    if (typeof model !== 'object' || model === null || Array.isArray(model))
      throw new TokenizerError('tokenizer.json has no "model" object (the vocabulary and how it splits words).');
    const modelType = (model as JsonObject).type;
    // The library guesses a model from its fields when the type is unknown (WordLevel would run as another model).
    if (typeof modelType !== 'string' || !SUPPORTED_MODELS.includes(modelType))
      throw new TokenizerError(
        `tokenizer.json: model.type is ${JSON.stringify(modelType)}; supported: ${SUPPORTED_MODELS.join(', ')}.`,
      );
    const addedRaw = json.added_tokens ?? [];
    if (!Array.isArray(addedRaw)) throw new TokenizerError('tokenizer.json: "added_tokens" must be an array.');
    this.added = addedRaw.map((a: unknown, i): AddedTokenEntry => {
      const r = a as JsonObject;
      if (typeof r !== 'object' || r === null || !Number.isInteger(r.id) || typeof r.content !== 'string')
        throw new TokenizerError(`tokenizer.json: added_tokens[${i}] needs an integer "id" and a string "content".`);
      return { id: r.id as number, content: r.content, special: r.special === true };
    });
    this.json = { ...json, added_tokens: addedRaw };
    for (const key of OPTIONAL_COMPONENTS) if (!(key in this.json)) this.json[key] = null;
    this.config = init.tokenizerConfig === undefined ? {} : parseObject(init.tokenizerConfig, 'tokenizer_config.json');

    this.cleanUpSpaces =
      this.config.clean_up_tokenization_spaces === true &&
      (modelType !== 'BPE' ||
        this.config.clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output === true);

    // Built now, so a tokenizer.json the library cannot read fails here, with the reason, not at the first encode.
    const full = this.library();
    let ownSize = 0;
    for (const id of full.get_vocab(true).values()) ownSize = Math.max(ownSize, id + 1);
    this.ownSize = ownSize;
    this.vocabSize = init.vocabSize ?? ownSize;
    if (this.vocabSize < ownSize)
      throw new TokenizerError(
        `tokenizer.json has ids up to ${ownSize - 1}; vocabSize ${this.vocabSize} is too small.`,
      );
    this.specialIds = this.findSpecialIds(full);

    const resolve = (
      key: 'bos_token' | 'eos_token' | 'pad_token',
      fallback: number | undefined,
      rule: () => { id: number; from: SpecialSource } | undefined,
    ): { id: number; from: SpecialSource } => {
      const content = tokenContent(this.config[key], key);
      if (content !== undefined) {
        const id = full.token_to_id(content);
        if (id === undefined)
          throw new TokenizerError(
            `tokenizer_config.json: ${key} ${JSON.stringify(content)} is not in tokenizer.json.`,
          );
        return { id, from: 'tokenizer_config' };
      }
      if (fallback !== undefined) {
        if (!Number.isInteger(fallback) || fallback < 0 || fallback >= this.vocabSize)
          throw new TokenizerError(
            `The fallback ${key} id ${fallback} is outside the vocabulary [0, ${this.vocabSize}).`,
          );
        return { id: fallback, from: 'fallback' };
      }
      const chosen = rule();
      if (chosen === undefined)
        throw new TokenizerError(
          `No end-of-text token: tokenizer_config.json names no eos_token and tokenizer.json has none of the special ` +
            `tokens ${EOS_NAMES.join(', ')}. Add tokenizer_config.json from the model's folder.`,
        );
      return chosen;
    };
    const eos = resolve('eos_token', init.fallbackIds?.eos, () => {
      for (const name of EOS_NAMES) {
        const a = this.added.find((t) => t.special && t.content === name);
        if (a !== undefined) return { id: a.id, from: 'added-token name' };
      }
      return undefined;
    });
    const bos = resolve('bos_token', init.fallbackIds?.bos, () => ({ id: eos.id, from: 'eos' }));
    const pad = resolve('pad_token', init.fallbackIds?.pad, () => ({ id: eos.id, from: 'eos' }));
    this.eosId = eos.id;
    this.bosId = bos.id;
    this.padId = pad.id;
    this.specialsFrom = { bos: bos.from, eos: eos.from, pad: pad.from };
  }

  /**
   * The special ids as transformers has them: added tokens marked special, and every added token that
   * tokenizer_config.json (or the tokenizer class's defaults) names as bos, eos, unk, sep, pad, cls or mask token or
   * lists in `additional_special_tokens` / `extra_special_tokens`.
   */
  private findSpecialIds(full: LibraryTokenizer): Set<number> {
    const ids = new Set(this.added.filter((a) => a.special).map((a) => a.id));
    const cls = this.config.tokenizer_class;
    const defaults = (typeof cls === 'string' ? CLASS_DEFAULT_SPECIALS[cls] : undefined) ?? {};
    const named: string[] = [];
    for (const key of SPECIAL_ROLES) {
      const content = key in this.config ? tokenContent(this.config[key], key) : defaults[key];
      if (content !== undefined) named.push(content);
    }
    const extra = this.config.extra_special_tokens;
    const lists = [
      this.config.additional_special_tokens,
      Array.isArray(extra) ? extra : typeof extra === 'object' && extra !== null ? Object.values(extra) : [],
    ];
    for (const list of lists)
      if (Array.isArray(list)) for (const v of list) named.push(tokenContent(v, 'additional_special_tokens') ?? '');
    const addedIds = new Set(this.added.map((a) => a.id));
    for (const content of named) {
      const id = full.token_to_id(content);
      if (id !== undefined && addedIds.has(id)) ids.add(id);
    }
    return ids;
  }

  /** The library's tokenizer: with every added token, or (`plain`) without the special ones. */
  private library(plain = false): LibraryTokenizer {
    const cached = plain ? this.plain : this.full;
    if (cached !== undefined) return cached;
    const json = plain
      ? {
          ...this.json,
          added_tokens: (this.json.added_tokens as JsonObject[]).filter((a) => !this.specialIds.has(a.id as number)),
        }
      : this.json;
    let built: LibraryTokenizer;
    try {
      built = new LibraryTokenizer(json, this.config);
    } catch (e) {
      throw new TokenizerError(`tokenizer.json could not be read: ${(e as Error).message}.`);
    }
    if (plain) this.plain = built;
    else this.full = built;
    return built;
  }

  encode(text: string): number[] {
    return this.library(true).encode(text, { add_special_tokens: false }).ids;
  }

  encodeWithSpecialTokens(text: string, options: EncodeWithSpecialTokensOptions = {}): number[] {
    return this.library().encode(text, { add_special_tokens: options.addSpecialTokens === true }).ids;
  }

  /**
   * As transformers' `decode`: `'skip'` drops the special added tokens (`skip_special_tokens=True`), `'show'`
   * keeps them as their text. Ids past the tokenizer's own (a padded vocabulary) decode as U+FFFD.
   */
  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    const skip = options.specials !== 'show';
    let out = '';
    let run: number[] = [];
    const flush = (): void => {
      if (run.length > 0)
        out += this.library().decode(run, {
          skip_special_tokens: skip,
          clean_up_tokenization_spaces: this.cleanUpSpaces,
        });
      run = [];
    };
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize)
        throw new TokenizerError(`Token id ${id} is outside this tokenizer's vocabulary [0, ${this.vocabSize}).`);
      if (id >= this.ownSize || this.library().id_to_token(id) === undefined) {
        flush();
        out += '\uFFFD';
      } else if (skip && this.specialIds.has(id)) {
        continue; // the library would drop it too; dropping it here keeps a run of only specials from reaching it
      } else {
        run.push(id);
      }
    }
    flush();
    return out;
  }

  /** The id of a token string as the vocabulary spells it (`"Ġthe"`, `"<|im_end|>"`), or undefined. */
  tokenToId(token: string): number | undefined {
    return this.library().token_to_id(token);
  }

  /** `tokenToId` under BpeTokenizer's name, so code written for either reads both. */
  tokenId(token: string): number | undefined {
    return this.tokenToId(token);
  }

  /**
   * The ids of the 256 single-byte tokens, by which any text can be spelt (vocabulary pruning keeps them): byte-level
   * BPE's printable stand-ins (Qwen, Llama 3), else byte-fallback's `<0x00>`…`<0xFF>` (Gemma); empty if neither.
   */
  byteTokenIds(): number[] {
    for (const name of [
      (b: number) => BYTE_TO_CHAR[b]!,
      (b: number) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`,
    ]) {
      const ids = Array.from({ length: 256 }, (_, b) => this.tokenToId(name(b)));
      if (ids.every((id) => id !== undefined)) return ids as number[];
    }
    return [];
  }

  /** The token string of an id, or undefined for an id the tokenizer does not have. */
  idToToken(id: number): string | undefined {
    return id >= 0 && id < this.ownSize ? this.library().id_to_token(id) : undefined;
  }

  /** The end-of-text token's string (`<|im_end|>`, `<eos>`), as the vocabulary spells it. */
  get endOfText(): string {
    return this.library().id_to_token(this.eosId) ?? `<id ${this.eosId}>`;
  }

  /** The files it was read from, to write back into an exported model folder unchanged. */
  sourceFiles(): { 'tokenizer.json': string; 'tokenizer_config.json'?: string } {
    return this.tokenizerConfig === undefined
      ? { 'tokenizer.json': this.tokenizerJson }
      : { 'tokenizer.json': this.tokenizerJson, 'tokenizer_config.json': this.tokenizerConfig };
  }

  /**
   * The same tokenizer reporting `vocabSize` ids (a model with spare embedding rows), sharing what is already built:
   * building Qwen's tokenizer again would cost a second or two.
   */
  withVocabSize(vocabSize: number): HfTokenizer {
    if (!Number.isInteger(vocabSize) || vocabSize < this.ownSize)
      throw new TokenizerError(
        `tokenizer.json has ids up to ${this.ownSize - 1}; vocabSize ${vocabSize} is too small.`,
      );
    return Object.assign(Object.create(HfTokenizer.prototype) as HfTokenizer, this, { vocabSize });
  }

  /** Whether `id` is a special added token (dropped by `decode` unless `specials: 'show'`). */
  isSpecial(id: number): boolean {
    return this.specialIds.has(id);
  }

  toJSON(): HfTokenizerJSON {
    return {
      kind: 'hf',
      version: 1,
      tokenizerJson: this.tokenizerJson,
      tokenizerConfig: this.tokenizerConfig ?? null,
      vocabSize: this.vocabSize,
      bosId: this.bosId,
      eosId: this.eosId,
      padId: this.padId,
    };
  }

  static fromJSON(json: unknown): HfTokenizer {
    const j = json as Partial<HfTokenizerJSON>;
    if (typeof j !== 'object' || j === null || j.kind !== 'hf')
      throw new TokenizerError('Not a saved Hugging Face tokenizer (kind "hf").');
    if (j.version !== 1)
      throw new TokenizerError(`Saved "hf" tokenizer has version ${String(j.version)}; this build reads 1.`);
    if (typeof j.tokenizerJson !== 'string')
      throw new TokenizerError('Saved "hf" tokenizer lacks its tokenizer.json text ("tokenizerJson").');
    for (const key of ['vocabSize', 'bosId', 'eosId', 'padId'] as const)
      if (!Number.isInteger(j[key])) throw new TokenizerError(`Saved "hf" tokenizer lacks an integer "${key}".`);
    const tokenizer = new HfTokenizer({
      tokenizerJson: j.tokenizerJson,
      ...(typeof j.tokenizerConfig === 'string' ? { tokenizerConfig: j.tokenizerConfig } : {}),
      vocabSize: j.vocabSize!,
      fallbackIds: { bos: j.bosId!, eos: j.eosId!, pad: j.padId! },
    });
    if (tokenizer.bosId !== j.bosId || tokenizer.eosId !== j.eosId || tokenizer.padId !== j.padId)
      throw new TokenizerError(
        `Saved "hf" tokenizer's bos/eos/pad ids (${j.bosId}, ${j.eosId}, ${j.padId}) differ from its ` +
          `tokenizer_config.json's (${tokenizer.bosId}, ${tokenizer.eosId}, ${tokenizer.padId}).`,
      );
    return tokenizer;
  }
}
