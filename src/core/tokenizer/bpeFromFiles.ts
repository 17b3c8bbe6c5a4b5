/**
 * Reading GPT-2's byte-level BPE from the files a Hugging Face model ships: `tokenizer.json`, or GPT-2's original
 * `vocab.json` + `merges.txt`. Anything that would make encoding differ from GPT-2's is refused with the reason.
 */
import { BpeTokenizer, parseMergeLine, type AddedToken } from './bpe';
import { TokenizerError } from './tokenizer';

function parseJSONFile(text: string | object, file: string): Record<string, unknown> {
  let v: unknown = text;
  if (typeof text === 'string') {
    try {
      v = JSON.parse(text);
    } catch (e) {
      throw new TokenizerError(`${file} is not valid JSON (${(e as Error).message}).`);
    }
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new TokenizerError(`${file} must hold a JSON object.`);
  return v as Record<string, unknown>;
}

export interface BpeLoadOptions {
  /** See `BpeTokenizerInit.vocabSize`. */
  vocabSize?: number;
  endOfText?: string;
}

/** The pre-tokenizer types that mean "GPT-2 byte level" in a tokenizer.json. */
function isByteLevel(step: unknown): boolean {
  if (typeof step !== 'object' || step === null) return false;
  const s = step as Record<string, unknown>;
  if (s.type === 'ByteLevel') return s.add_prefix_space !== true && s.use_regex !== false;
  if (s.type === 'Sequence' && Array.isArray(s.pretokenizers))
    return s.pretokenizers.length === 1 && isByteLevel(s.pretokenizers[0]);
  return false;
}

/**
 * A Hugging Face `tokenizer.json` (`@huggingface/tokenizers`) whose model is a byte-level BPE: `model.vocab`,
 * `model.merges` ("a b" strings or ["a", "b"] pairs), `added_tokens`. Anything that would make encoding differ from
 * GPT-2's (a normalizer, a prefix space, another pre-tokenizer, subword prefixes) is refused with the reason.
 */
export function bpeFromTokenizerJson(json: string | object, options: BpeLoadOptions = {}): BpeTokenizer {
  const file = 'tokenizer.json';
  const o = parseJSONFile(json, file);
  const model = o.model as Record<string, unknown> | undefined;
  if (typeof model !== 'object' || model === null) throw new TokenizerError(`${file} has no "model" object.`);
  if (model.type !== 'BPE') {
    throw new TokenizerError(
      `${file}: model.type is ${JSON.stringify(model.type)}; only GPT-2's byte-level BPE ("BPE") is supported.`,
    );
  }
  if (o.normalizer !== null && o.normalizer !== undefined) {
    throw new TokenizerError(
      `${file} has a normalizer (${JSON.stringify((o.normalizer as { type?: unknown }).type)}); GPT-2's tokenizer has none.`,
    );
  }
  if (!isByteLevel(o.pre_tokenizer)) {
    throw new TokenizerError(
      `${file}: the pre-tokenizer is ${JSON.stringify(o.pre_tokenizer)}; only GPT-2's ByteLevel (regex on, no prefix space) is supported.`,
    );
  }
  for (const key of ['continuing_subword_prefix', 'end_of_word_suffix'] as const) {
    const v = model[key];
    if (v !== null && v !== undefined && v !== '')
      throw new TokenizerError(`${file}: model.${key} is ${JSON.stringify(v)}; GPT-2's BPE uses none.`);
  }
  if (typeof model.vocab !== 'object' || model.vocab === null || Array.isArray(model.vocab)) {
    throw new TokenizerError(`${file}: model.vocab must be an object of token → id.`);
  }
  if (!Array.isArray(model.merges)) throw new TokenizerError(`${file}: model.merges must be an array.`);
  const addedRaw = o.added_tokens ?? [];
  if (!Array.isArray(addedRaw)) throw new TokenizerError(`${file}: added_tokens must be an array.`);
  const added = addedRaw.map((a: unknown, i): AddedToken => {
    const r = a as Record<string, unknown>;
    if (typeof r !== 'object' || r === null || typeof r.id !== 'number' || typeof r.content !== 'string') {
      throw new TokenizerError(`${file}: added_tokens[${i}] needs a numeric "id" and a string "content".`);
    }
    return { id: r.id, content: r.content, special: r.special === true };
  });
  return new BpeTokenizer({
    vocab: model.vocab as Record<string, number>,
    merges: (model.merges as unknown[]).map((m, i) => parseMergeLine(m, i, file)),
    added,
    endOfText: options.endOfText,
    vocabSize: options.vocabSize,
    source: file,
  });
}

/** GPT-2's original pair of files: `vocab.json` (token → id) and `merges.txt` (`#version` line, then "a b" per line). */
export function bpeFromVocabMerges(
  vocabJson: string | object,
  mergesTxt: string,
  options: BpeLoadOptions = {},
): BpeTokenizer {
  const vocab = parseJSONFile(vocabJson, 'vocab.json');
  for (const [token, id] of Object.entries(vocab)) {
    if (typeof id !== 'number')
      throw new TokenizerError(
        `vocab.json: ${JSON.stringify(token)} maps to ${JSON.stringify(id)}; ids must be numbers.`,
      );
  }
  const merges: [string, string][] = [];
  mergesTxt.split(/\r?\n/).forEach((line, i) => {
    if (line === '' || (i === 0 && line.startsWith('#version'))) return;
    try {
      merges.push(parseMergeLine(line, merges.length, 'merges.txt'));
    } catch {
      throw new TokenizerError(
        `merges.txt line ${i + 1} is ${JSON.stringify(line)}; expected two tokens separated by one space.`,
      );
    }
  });
  return new BpeTokenizer({
    vocab: vocab as Record<string, number>,
    merges,
    endOfText: options.endOfText,
    vocabSize: options.vocabSize,
    source: 'vocab.json + merges.txt',
  });
}
