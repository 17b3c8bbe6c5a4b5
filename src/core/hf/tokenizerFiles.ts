/**
 * A model folder's tokenizer files: `tokenizer.json`, else GPT-2's `vocab.json` + `merges.txt`, checked against the
 * model they came with. The formats themselves are read in tokenizer/bpeFromFiles.ts (they describe a byte-level
 * BPE, whichever folder it came in); here is which file of the folder to read, the file named in every error, and
 * the checks that the tokenizer belongs to the model.
 */
import type { GptConfig } from '../model/config';
import type { BpeTokenizer } from '../tokenizer/bpe';
import { bpeFromTokenizerJson, bpeFromVocabMerges } from '../tokenizer/bpeFromFiles';
import { HfTokenizer } from '../tokenizer/hfTokenizer';
import { asText, CONFIG_FILE, filesByBaseName, HfImportError, type HfFiles } from './files';

/**
 * The model folder's tokenizer: `tokenizer.json`, else `vocab.json` + `merges.txt`. With `config`, the tokenizer
 * must fit the model: no id past the embedding table, and the same end-of-text id as config.json says. A model with
 * spare rows gets a tokenizer reporting the model's vocabulary size.
 */
export function importHfTokenizer(
  files: HfFiles,
  config?: GptConfig,
  configJson?: Record<string, unknown>,
): { tokenizer: BpeTokenizer; notes: string[] } {
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
  if (byName.has('tokenizer.json')) {
    file = 'tokenizer.json';
    tokenizer = wrap(file, () => bpeFromTokenizerJson(asText(byName.get('tokenizer.json')!)));
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

/** config.json's special ids, the fallback where tokenizer_config.json names none. */
function configIds(configJson: Record<string, unknown> | undefined): { bos?: number; eos?: number; pad?: number } {
  const id = (key: string) => {
    const v = configJson?.[key];
    // Llama 3's eos_token_id is a list; its first entry is the end of text.
    const first = Array.isArray(v) ? v[0] : v;
    return typeof first === 'number' ? first : undefined;
  };
  const ids = { bos: id('bos_token_id'), eos: id('eos_token_id'), pad: id('pad_token_id') };
  return Object.fromEntries(Object.entries(ids).filter(([, v]) => v !== undefined));
}

/**
 * The tokenizer of an imported model. GPT-2 and GPT-Neo keep the hand-written byte-level BPE (importHfTokenizer);
 * the Llama-like families (rotary positions) run their tokenizer.json through `@huggingface/tokenizers`, with the
 * special tokens tokenizer_config.json names (SmolLM2's BOS `<|im_start|>` is not its EOS, as GPT-2's is).
 */
export function importModelTokenizer(
  files: HfFiles,
  config: GptConfig,
  configJson?: Record<string, unknown>,
): { tokenizer: BpeTokenizer | HfTokenizer; notes: string[] } {
  const byName = filesByBaseName(files);
  if (config.positions !== 'rope') return importHfTokenizer(files, config, configJson);
  const json = byName.get('tokenizer.json');
  if (json === undefined)
    throw new HfImportError('tokenizer.json', "not provided: this model's tokenizer is read from its tokenizer.json.");
  const tokenizerConfig = byName.get('tokenizer_config.json');
  let tokenizer: HfTokenizer;
  try {
    const probe = new HfTokenizer({
      tokenizerJson: asText(json),
      ...(tokenizerConfig ? { tokenizerConfig: asText(tokenizerConfig) } : {}),
      fallbackIds: configIds(configJson),
    });
    if (probe.vocabSize > config.vocabSize)
      throw new HfImportError(
        'tokenizer.json',
        `has ${probe.vocabSize} token ids but the model's token table has ${config.vocabSize} rows (${CONFIG_FILE} vocab_size): ` +
          'the tokenizer does not belong to this model.',
      );
    tokenizer =
      probe.vocabSize === config.vocabSize
        ? probe
        : new HfTokenizer({
            tokenizerJson: asText(json),
            ...(tokenizerConfig ? { tokenizerConfig: asText(tokenizerConfig) } : {}),
            fallbackIds: configIds(configJson),
            vocabSize: config.vocabSize,
          });
  } catch (e) {
    if (e instanceof HfImportError) throw e;
    throw new HfImportError('tokenizer.json', (e as Error).message);
  }
  return { tokenizer, notes: [] };
}
