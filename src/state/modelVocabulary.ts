import { recordText } from '../core/data/lengths';
import type { InstructionRecord } from '../core/data/record';
import { gptConfigFromPreset, validateGptConfig, type GptConfig } from '../core/model/config';
import { parseSafetensors } from '../core/model/safetensors';
import type { TrainSettings } from '../core/runs/settings';
import { CharTokenizer } from '../core/tokenizer/charTokenizer';
import type { FitTokenizer } from '../core/train/fit';
import type { Tokenizer } from '../core/tokenizer/tokenizer';

/** The tokenizer, positions and shape of the model a run would start from, known before Start (data-fit note, speed probe). */
export interface ModelVocabulary {
  /** A whole tokenizer (the record view decodes with it too). */
  tokenizer: FitTokenizer & Tokenizer;
  contextLength: number;
  config: GptConfig;
}

let baseModel: Promise<ModelVocabulary> | undefined;

/** The shipped base model's tokenizer and context, from its safetensors header (no tensor is created). */
function baseModelVocabulary(url: string): Promise<ModelVocabulary> {
  baseModel ??= (async () => {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`HTTP ${response.status} for ${url}`);
    const { metadata } = parseSafetensors(new Uint8Array(await response.arrayBuffer()));
    const stored = JSON.parse(metadata['studio.config'] ?? 'null') as unknown;
    // Loaded on demand: the restorer knows every tokenizer kind, `hf` with its library, which stays out of the page.
    const { tokenizerFromJSON } = await import('../core/tokenizer/fromJSON');
    const tokenizer = tokenizerFromJSON(JSON.parse(metadata['studio.tokenizer'] ?? 'null'));
    if (!stored) throw new Error(`${url} has no model config`);
    const config = validateGptConfig(stored);
    return { tokenizer: tokenizer as FitTokenizer & Tokenizer, contextLength: config.contextLength, config };
  })();
  baseModel.catch(() => (baseModel = undefined));
  return baseModel;
}

/**
 * What the fit is checked against: the base model's own alphabet and context; a random initialisation's alphabet
 * built from the data (as the worker builds it) and its preset's context. An imported model is checked when the
 * run starts (its byte-level vocabulary has no unknown characters): undefined here.
 */
export async function modelVocabulary(
  settings: Pick<TrainSettings, 'model' | 'preset'>,
  records: readonly InstructionRecord[],
): Promise<ModelVocabulary | undefined> {
  if (settings.model?.kind === 'base') return baseModelVocabulary(settings.model.url);
  if (settings.model) return undefined;
  const tokenizer = CharTokenizer.fromTexts([...records.map(recordText), 'User: Assistant:\n']);
  const config = gptConfigFromPreset(settings.preset, tokenizer.vocabSize);
  return { tokenizer, contextLength: config.contextLength, config };
}
