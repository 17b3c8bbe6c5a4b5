/**
 * A model folder's tokenizer files: `tokenizer.json` (+ `tokenizer_config.json`), else GPT-2's `vocab.json` +
 * `merges.txt`, checked against the model they came with. GPT-2's byte-level BPE is read by our own BPE
 * (tokenizer/bpeFromFiles.ts): @huggingface/tokenizers 0.2 splits it differently around U+0085 and is 2–3× slower
 * there. Every other tokenizer.json (Qwen, Llama 3, Gemma…) runs through the library (tokenizer/hfTokenizer.ts).
 * Here is which file of the folder to read, the file named in every error, and the checks that the tokenizer
 * belongs to the model.
 */
import type { GptConfig } from '../model/config';
import type { BpeTokenizer } from '../tokenizer/bpe';
import { bpeFromTokenizerJson, bpeFromVocabMerges } from '../tokenizer/bpeFromFiles';
import { HfTokenizer } from '../tokenizer/hfTokenizer';
import { TokenizerError } from '../tokenizer/tokenizer';
import { asText, CONFIG_FILE, filesByBaseName, HfImportError, type HfFiles } from './files';

/** What a model folder's tokenizer files become: GPT-2's BPE, or the model's own tokenizer.json run by the library. */
export type FolderTokenizer = BpeTokenizer | HfTokenizer;

const TOKENIZER_CONFIG_FILE = 'tokenizer_config.json';

/** config.json's id for a token role: a number, or the first of a list (Llama 3.1's eos_token_id). */
function configId(configJson: Record<string, unknown> | undefined, key: string): number | undefined {
  const v = configJson?.[key];
  const id = Array.isArray(v) ? (v[0] as unknown) : v;
  return typeof id === 'number' ? id : undefined;
}

/** A tokenizer.json that is not GPT-2's byte-level BPE, read by @huggingface/tokenizers, then checked against the model. */
function importOwnTokenizer(
  byName: Map<string, Parameters<typeof asText>[0]>,
  config: GptConfig | undefined,
  configJson: Record<string, unknown> | undefined,
): { tokenizer: HfTokenizer; notes: string[] } {
  const notes: string[] = [];
  const configText = byName.get(TOKENIZER_CONFIG_FILE);
  let tokenizer: HfTokenizer;
  try {
    tokenizer = new HfTokenizer({
      tokenizerJson: asText(byName.get('tokenizer.json')!),
      ...(configText === undefined ? {} : { tokenizerConfig: asText(configText) }),
      fallbackIds: {
        bos: configId(configJson, 'bos_token_id'),
        eos: configId(configJson, 'eos_token_id'),
        pad: configId(configJson, 'pad_token_id'),
      },
    });
  } catch (e) {
    const message = (e as Error).message;
    throw new HfImportError(
      message.startsWith(TOKENIZER_CONFIG_FILE) ? TOKENIZER_CONFIG_FILE : 'tokenizer.json',
      message,
    );
  }
  const from = tokenizer.specialsFrom;
  const fallbacks = (['bos', 'eos', 'pad'] as const).filter((k) => from[k] !== 'tokenizer_config');
  if (fallbacks.length > 0) {
    notes.push(
      `${TOKENIZER_CONFIG_FILE} names no ${fallbacks.map((k) => `${k}_token`).join(', ')}: ` +
        fallbacks
          .map(
            (k) =>
              `${k} is id ${tokenizer[`${k}Id`]} (${from[k] === 'fallback' ? CONFIG_FILE : from[k] === 'eos' ? 'the eos token' : 'by its name'})`,
          )
          .join(', ') +
        '.',
    );
  }
  if (config === undefined) return { tokenizer, notes };
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new HfImportError(
      'tokenizer.json',
      `has ${tokenizer.vocabSize} token ids but the model's token table has ${config.vocabSize} rows (${CONFIG_FILE} vocab_size): ` +
        'the tokenizer does not belong to this model.',
    );
  }
  const eos = configJson?.eos_token_id;
  const eosIds = Array.isArray(eos) ? eos : typeof eos === 'number' ? [eos] : [];
  if (eosIds.length > 0 && !eosIds.includes(tokenizer.eosId)) {
    throw new HfImportError(
      'tokenizer.json',
      `its end-of-text ${tokenizer.endOfText} is id ${tokenizer.eosId} but ${CONFIG_FILE} says eos_token_id ${JSON.stringify(eos)}: ` +
        'the tokenizer does not belong to this model.',
    );
  }
  const bos = configId(configJson, 'bos_token_id');
  if (bos !== undefined && bos !== tokenizer.bosId)
    notes.push(
      `${CONFIG_FILE} says bos_token_id ${bos}; the tokenizer's BOS is id ${tokenizer.bosId}, which training uses.`,
    );
  if (tokenizer.vocabSize < config.vocabSize) {
    notes.push(
      `The model has ${config.vocabSize - tokenizer.vocabSize} token rows the tokenizer never produces (vocab padded to ${config.vocabSize}).`,
    );
    tokenizer = tokenizer.withVocabSize(config.vocabSize);
  }
  return { tokenizer, notes };
}

/** A tokenizer.json whose model has no vocabulary (a BPE's `{}`, a Unigram's `[]`); false for text that is not JSON. */
function hasEmptyVocabulary(file: Parameters<typeof asText>[0]): boolean {
  try {
    const vocab = (JSON.parse(asText(file)) as { model?: { vocab?: unknown } }).model?.vocab;
    if (Array.isArray(vocab)) return vocab.length === 0;
    return vocab !== null && typeof vocab === 'object' && Object.keys(vocab).length === 0;
  } catch {
    return false; // read below, where the error names the file
  }
}

/**
 * The model folder's tokenizer: `tokenizer.json`, else `vocab.json` + `merges.txt`. With `config`, the tokenizer
 * must fit the model: no id past the embedding table, and the same end-of-text id as config.json says. A model with
 * spare rows gets a tokenizer reporting the model's vocabulary size.
 */
export function importHfTokenizer(
  files: HfFiles,
  config?: GptConfig,
  configJson?: Record<string, unknown>,
): { tokenizer: FolderTokenizer; notes: string[] } {
  const byName = filesByBaseName(files);
  const notes: string[] = [];
  let tokenizer: BpeTokenizer;
  let file: string;
  const wrap = <T>(name: string, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof HfImportError) throw e;
      throw new HfImportError(name, (e as Error).message);
    }
  };
  if (byName.has('tokenizer.json') && hasEmptyVocabulary(byName.get('tokenizer.json')!)) {
    if (!(byName.has('vocab.json') && byName.has('merges.txt')))
      throw new HfImportError(
        'tokenizer.json',
        "has an empty vocabulary (its model.vocab holds no token), so it cannot encode text. Use the model folder's own tokenizer.json, or add vocab.json and merges.txt.",
      );
    notes.push(
      'tokenizer.json has an empty vocabulary (its model.vocab holds no token): vocab.json + merges.txt beside it were read instead.',
    );
    byName.delete('tokenizer.json');
  }
  // A Llama-family model's byte-level BPE reads as GPT-2's too, but its specials are its own (SmolLM2's BOS
  // <|im_start|> 1 and EOS <|im_end|> 2, not one <|endoftext|>) and chat templates need them: always the library.
  if (config?.positions === 'rope' && byName.has('tokenizer.json'))
    return importOwnTokenizer(byName, config, configJson);
  if (byName.has('tokenizer.json')) {
    file = 'tokenizer.json';
    const text = asText(byName.get('tokenizer.json')!);
    let json: object;
    try {
      json = JSON.parse(text) as object;
    } catch (e) {
      throw new HfImportError(file, `is not valid JSON (${(e as Error).message}).`);
    }
    try {
      tokenizer = bpeFromTokenizerJson(json);
    } catch (e) {
      // Not GPT-2's byte-level BPE (the reason is in the message): the model's own tokenizer, through the library.
      if (!(e instanceof TokenizerError)) throw e;
      return importOwnTokenizer(byName, config, configJson);
    }
  } else if (byName.has('vocab.json') && byName.has('merges.txt')) {
    file = 'vocab.json + merges.txt';
    tokenizer = wrap(file, () =>
      bpeFromVocabMerges(asText(byName.get('vocab.json')!), asText(byName.get('merges.txt')!)),
    );
  } else {
    const half = byName.has('vocab.json') ? 'merges.txt' : byName.has('merges.txt') ? 'vocab.json' : undefined;
    throw new HfImportError(
      half ?? 'tokenizer.json',
      half !== undefined
        ? `not provided; vocab.json and merges.txt go together.`
        : 'not provided: add tokenizer.json, or vocab.json and merges.txt.',
    );
  }
  if (config === undefined) return { tokenizer, notes };
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new HfImportError(
      file,
      `has ${tokenizer.vocabSize} token ids but the model's token table has ${config.vocabSize} rows (${CONFIG_FILE} vocab_size): ` +
        'the tokenizer does not belong to this model.',
    );
  }
  for (const key of ['eos_token_id', 'bos_token_id'] as const) {
    const id = configJson?.[key];
    if (typeof id === 'number' && id !== tokenizer.eosId) {
      throw new HfImportError(
        file,
        `its ${tokenizer.endOfText} is id ${tokenizer.eosId} but ${CONFIG_FILE} says ${key} ${id}: the tokenizer does not belong to this model.`,
      );
    }
  }
  if (tokenizer.vocabSize < config.vocabSize) {
    notes.push(
      `The model has ${config.vocabSize - tokenizer.vocabSize} token rows the tokenizer never produces (vocab padded to ${config.vocabSize}).`,
    );
    tokenizer = wrap(file, () =>
      file === 'tokenizer.json'
        ? bpeFromTokenizerJson(asText(byName.get('tokenizer.json')!), { vocabSize: config.vocabSize })
        : bpeFromVocabMerges(asText(byName.get('vocab.json')!), asText(byName.get('merges.txt')!), {
            vocabSize: config.vocabSize,
          }),
    );
  }
  return { tokenizer, notes };
}
