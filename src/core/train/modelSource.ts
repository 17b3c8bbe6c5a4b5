/**
 * The starting weights of a run: where they come from (random init, a studio checkpoint, a Hugging Face folder) and
 * how they become the weights and tokenizer a run starts from. The training worker and `npm run train` both load
 * through here.
 */
import type { InstructionRecord } from '../data/record';
import type { HeldOutRecord } from '../eval/heldOutLoss';
import { loadCheckpoint } from '../model/checkpoint';
import type { GptConfig } from '../model/config';
import { countGptParams } from '../model/config';
import { initGptParams, type GptParams } from '../model/gpt';
import { paramsForRun } from '../model/lora';
import { importHfFolder } from '../hf/importModel';
import { paramsFromArrays } from '../model/paramArrays';
import { defaultLora, loraParameterCount } from '../model/loraSettings';
import { checkTrainingMemory, estimateTrainingMemory, type AdapterLimits } from '../model/memoryEstimate';
import { pruneVocabulary, pruningStats } from '../model/vocabPruning';
import { CharTokenizer } from '../tokenizer/charTokenizer';
import type { Tokenizer } from '../tokenizer/tokenizer';
import type { RunConfig } from './runConfig';
import { chatTemplateFiles, tokenizerChatFiles } from '../hf/chatTemplateFiles';
import { fittingRowLength, formatOf, formatTrainingTexts, readRunTemplate } from '../text/recordFormat';
import { describeRunTemplate, type RunTemplate } from '../text/runTemplate';

/** Where a run's starting weights come from. */
export type ModelSource =
  | { kind: 'random'; config: GptConfig; seed: number }
  /** A checkpoint (safetensors bytes written by this studio): resume a run, or start a new one from its weights. */
  | { kind: 'checkpoint'; bytes: ArrayBuffer; resume: boolean; name?: string }
  /**
   * A Hugging Face model folder the user imported (GPT-2 / GPT-Neo): its files by name. `prune` keeps only the
   * tokens the run's data uses; `maxContext` caps the positions used (the rest are kept for export).
   */
  | { kind: 'hf'; files: Record<string, ArrayBuffer>; prune: boolean; name: string; maxContext?: number };

export interface LoadedModel {
  config: GptConfig;
  params: GptParams;
  tokenizer: Tokenizer;
  /** Facts the user should see about how the model was loaded (capped context, pruned vocabulary, …). */
  notes: string[];
  /** The row length already fitted to the run's records (for the memory check), so the worker need not tokenize again. */
  rowLength?: number;
  /** The run's template read from the model's files (a chat template the page only named), when a run was given. */
  template?: RunTemplate;
}

/** What the training worker knows about the run a model is loaded for (used by imported models). */
export interface LoadContext {
  /** The WebGPU adapter's limits when the run trains on webgpu; no buffer-limit check without them. */
  adapter?: AdapterLimits;
  /** The run's batch, accumulation, template and context (0 = the model's own). */
  run?: Pick<RunConfig, 'hyper' | 'contextLength' | 'template' | 'lora'>;
  /** The records the run trains and evaluates on: vocabulary pruning keeps the ids their training strings use. */
  records?: readonly InstructionRecord[];
}

/**
 * Weights and tokenizer for a fresh run (not a resume: a resume restores its optimizer and cursor too, through
 * `resumeFromCheckpoint`). `tokenizerTexts` builds the character alphabet of a randomly initialised model.
 */
export async function loadModelSource(
  source: Exclude<ModelSource, { kind: 'checkpoint'; resume: true }>,
  tokenizerTexts: readonly string[],
  context: LoadContext = {},
): Promise<LoadedModel> {
  switch (source.kind) {
    case 'random': {
      const tokenizer = CharTokenizer.fromTexts(tokenizerTexts);
      const config = { ...source.config, vocabSize: tokenizer.vocabSize };
      return {
        config,
        params: initGptParams(config, source.seed),
        tokenizer,
        notes: [`Random initialisation (seed ${source.seed}).`],
      };
    }
    case 'checkpoint': {
      const ck = loadCheckpoint(new Uint8Array(source.bytes));
      for (const t of Object.values(ck.optimizerState ?? {})) t.dispose();
      const notes = [`Weights from ${source.name ?? 'a checkpoint'}.`];
      const unknown = unknownCharacters(ck.tokenizer, tokenizerTexts);
      if (unknown.length > 0) {
        notes.push(
          `The model's alphabet lacks ${unknown.length} character${unknown.length === 1 ? '' : 's'} of this dataset (${unknown.slice(0, 12).join(' ')}); they train as <unk>.`,
        );
      }
      return { config: ck.config, params: ck.params, tokenizer: ck.tokenizer, notes };
    }
    case 'hf':
      return loadHfModel(source, tokenizerTexts, context);
  }
}

const MiB = 2 ** 20;
const bytes = (n: number) =>
  n >= 1024 * MiB
    ? `${(n / 1024 / MiB).toFixed(2)} GiB`
    : n >= MiB
      ? `${(n / MiB).toFixed(1)} MiB`
      : `${(n / 1024).toFixed(1)} KiB`;

/**
 * An imported Hugging Face folder: import (every problem names its file), prune the vocabulary to the run's data
 * when asked, check one training step against the adapter's buffer limits before any tensor exists, then make the
 * variables. The export goes back through the stored files and the run's checkpoint (`hfModelTasks.exportRunAsHf`):
 * the pruning record travels in the checkpoint's tokenizer, the original table and layout in the files.
 */
function loadHfModel(
  source: Extract<ModelSource, { kind: 'hf' }>,
  tokenizerTexts: readonly string[],
  context: LoadContext,
): LoadedModel {
  let imported;
  try {
    imported = importHfFolder(source.files, { maxContext: source.maxContext });
  } catch (error) {
    throw new Error(`Could not load ${source.name}: ${(error as Error).message}`);
  }
  const full = imported.config;
  const notes = [
    `Weights from ${source.name} (${imported.source.architecture}, ${full.layers} layers × ${full.width}, vocabulary ${full.vocabSize}).`,
    ...imported.notes,
  ];
  const hyper = context.run?.hyper;
  const batch = hyper?.batchSize ?? 1;
  let template: RunTemplate = 'paper';
  try {
    if (context.run) template = readRunTemplate(context.run.template, chatTemplateFiles(source.files));
  } catch (error) {
    throw new Error(`Could not use ${source.name}'s template: ${(error as Error).message}`);
  }
  const format = formatOf(template);
  // The memory check is for the rows the run will use: fitted to the data when the run leaves the context to the model.
  const T = context.run?.contextLength
    ? Math.min(context.run.contextLength, full.contextLength)
    : context.records
      ? fittingRowLength(format, imported.tokenizer, context.records, full.contextLength)
      : full.contextLength;

  let config: GptConfig = full;
  let params = imported.params;
  let tokenizer: Tokenizer = imported.tokenizer;
  if (source.prune) {
    const { texts, specialTokensInText } = context.records
      ? formatTrainingTexts(format, context.records)
      : { texts: tokenizerTexts, specialTokensInText: false };
    const pruned = pruneVocabulary({ config: full, params, tokenizer: imported.tokenizer }, texts, {
      specialTokensInText,
    });
    const stats = pruningStats(full, pruned.plan, batch, T);
    ({ config, params, tokenizer } = pruned);
    notes.push(
      `Vocabulary pruned to the ${stats.keptTokens.toLocaleString('en')} of ${stats.originalTokens.toLocaleString('en')} tokens this data uses ` +
        `(plus specials and byte tokens): ${bytes(stats.trainingBytesSaved)} less for weights, gradients and Adam moments, ` +
        `${bytes(stats.logitBytesSaved)} less for the logits per step, about ${stats.estimatedSpeedup.toFixed(1)}× faster per step (arithmetic estimate). ` +
        'The export writes the full vocabulary back.',
    );
  }

  const lora = context.run?.lora;
  const shape = {
    batchSize: batch,
    contextLength: T,
    accumulation: (hyper?.gradAccumulation ?? 1) > 1,
    ...(lora ? { trainableParameters: loraParameterCount(config, lora), lora } : {}),
  };
  if (context.adapter) {
    const verdict = checkTrainingMemory(config, shape, context.adapter);
    if (!verdict.fits) {
      const advice = verdict.suggestion
        ? `It would fit at batch ${verdict.suggestion.batchSize}${verdict.suggestion.contextLength < T ? ` with the context capped at ${verdict.suggestion.contextLength} (the model's context setting in the import panel)` : ''}${verdict.suggestion.batchSize < batch ? '; raise gradient accumulation to keep the effective batch' : ''}.`
        : verdict.maxVocabRows !== undefined
          ? `The token table alone is too large: ${source.prune ? 'the data uses too many tokens' : 'turn on vocabulary pruning'} (at most ${verdict.maxVocabRows.toLocaleString('en')} rows fit).`
          : 'No smaller batch or context fits either.';
      const offered = defaultLora(config);
      const loraShape = { ...shape, trainableParameters: loraParameterCount(config, offered), lora: offered };
      const loraAdvice =
        !lora && checkTrainingMemory(config, loraShape, context.adapter).fits
          ? ` Or train with LoRA (the run form's LoRA switch): the base stays frozen and a step needs about ${bytes(estimateTrainingMemory(config, loraShape).total)}, which fits.`
          : '';
      throw new Error(
        `${source.name} does not fit this GPU at batch ${batch}, context ${T}${lora ? ' even with LoRA' : ''}: ${verdict.reasons.join(' ')} ${advice}${loraAdvice}`,
      );
    }
    notes.push(
      `A training step needs about ${bytes(verdict.estimate.total)}; its largest buffer (${verdict.estimate.largestBuffer.what}) fits the adapter's limits.`,
    );
  } else {
    notes.push(`A training step needs about ${bytes(estimateTrainingMemory(config, shape).total)}.`);
  }
  return {
    config,
    params: paramsFromArrays(config, params),
    tokenizer,
    notes,
    ...(context.records && !context.run?.contextLength ? { rowLength: T } : {}),
    ...(context.run ? { template } : {}),
  };
}

/** Characters of the texts a character tokenizer cannot encode (they would all become <unk>). */
function unknownCharacters(tokenizer: Tokenizer, texts: readonly string[]): string[] {
  if (!(tokenizer instanceof CharTokenizer)) return [];
  const known = new Set(tokenizer.characters());
  const missing = new Set<string>();
  for (const text of texts) for (const ch of text) if (!known.has(ch)) missing.add(ch);
  return [...missing].map((c) => JSON.stringify(c));
}

/** A fresh run's model: the loaded weights (with LoRA adapters when the run asks), its tokenizer and row length. */
export interface StartingModel {
  /** The run's config with `contextLength` settled (0, "as long as the data needs", becomes a number). */
  config: RunConfig;
  model: { config: GptConfig; params: GptParams };
  tokenizer: Tokenizer;
  notes: string[];
}

/**
 * Everything a fresh run (not a resume) starts from, as the training worker and `npm run train` both start: the
 * source loaded for the run's data, the row length fitted to its longest example when the run leaves it to the
 * model (never more than the model's positions), and the LoRA adapters added when the run trains with LoRA.
 */
export async function startingModel(
  source: Exclude<ModelSource, { kind: 'checkpoint'; resume: true }>,
  run: RunConfig,
  data: { phases: readonly (readonly InstructionRecord[])[]; heldOut: readonly HeldOutRecord[] },
  options: { tokenizerTexts?: readonly string[]; adapter?: AdapterLimits } = {},
): Promise<StartingModel> {
  const records = [...data.phases.flat(), ...data.heldOut.map((h) => h.record)];
  const loaded = await loadModelSource(source, options.tokenizerTexts ?? [], {
    adapter: options.adapter,
    run,
    records,
  });
  const template = loaded.template ?? readRunTemplate(run.template, tokenizerChatFiles(loaded.tokenizer));
  // contextLength 0 means "as long as the data needs": the longest example, never more than the model's positions.
  const contextLength = run.contextLength
    ? Math.min(run.contextLength, loaded.config.contextLength)
    : (loaded.rowLength ??
      fittingRowLength(formatOf(template), loaded.tokenizer, records, loaded.config.contextLength));
  const params = paramsForRun(loaded.config, loaded.params, run.lora, run.seed);
  const written = `Records written with ${describeRunTemplate(template)}.`;
  const notes = run.contextLength
    ? [...loaded.notes, written]
    : [
        ...loaded.notes,
        written,
        contextLength < loaded.config.contextLength
          ? `Rows of ${contextLength} tokens, as many as the longest example needs (the model has ${loaded.config.contextLength} positions).`
          : `Rows of ${contextLength} tokens, all the model's positions: longer examples are cut (counted at each phase start).`,
      ];
  const lora = run.lora;
  if (lora)
    notes.push(
      `LoRA: rank ${lora.rank}, alpha ${lora.alpha} on ${lora.targets.join(', ')}; ${loraParameterCount(loaded.config, lora).toLocaleString('en')} of ${countGptParams(loaded.config).toLocaleString('en')} parameters train, the rest are frozen.`,
    );
  return {
    config: { ...run, contextLength, template },
    model: { config: loaded.config, params },
    tokenizer: loaded.tokenizer,
    notes,
  };
}
