/**
 * What a scale-out recipe can be asked for, checked against the phase plan, and every name, path and link the
 * recipe's files share (stage configs, output folders, dataset names), worked out once before any file is written.
 */
import { safeBaseName } from '../phases/export';
import type { RunTemplate } from '../text/runTemplate';
import type { PhasePlan } from '../phases/plan';
import { loraProblems, type LoraSettings } from '../model/loraSettings';
import { llamaFactoryTemplateFor, LR_SCHEDULER_TYPES } from './llamaFactoryFields';
import { PAPER_RECIPE_HYPER, type ScaleOutHyper } from './scaleOutHyper';
import { llamaFactoryTemplateOf, recipeTemplateOf, type RecipeTemplate } from './recipeTemplate';

/** The paper's smallest model. */
export const DEFAULT_BASE_MODEL = 'meta-llama/Llama-2-7b-hf';
/**
 * `default` rather than `llama2`: the paper fine-tunes *base* models, and LLaMA-Factory's README says base models
 * take `default`, `alpaca`, `vicuna`, … — `llama2` is the `[INST]` format of the Llama-2-*chat* models. `default`
 * renders `Human: {prompt}</s>\nAssistant:{response}</s>`, the closest of them to the paper's
 * `User: {instruction}[\n{input}]<eos>\nAssistant: {output}<eos>`.
 */
export const DEFAULT_TEMPLATE = 'default';
export const DEFAULT_GPUS = 8;

export type DeepSpeedStage = 'z2' | 'z3';

export interface ScaleOutOptions {
  /** Hugging Face model id or local path of the model stage 1 starts from. */
  baseModel?: string;
  /**
   * LLaMA-Factory template name; default: the one that writes the run's built-in chat template (chatml, llama3), else
   * the base model's chat template when its name says it is a chat model (llama3, qwen, qwen3, chatml:
   * `llamaFactoryTemplateFor`), else {@link DEFAULT_TEMPLATE}.
   */
  template?: string;
  /**
   * The template the run trained with (a prompt template's name, or a chat template picked or read); the TRL recipe
   * renders it exactly. Default `paper`.
   */
  promptTemplate?: RunTemplate;
  /** Phase indices (1-based) in training order; default easy → hard. Must name every phase once. */
  order?: readonly number[];
  /** GPUs per node: the scripts' default NPROC_PER_NODE, and the README's batch arithmetic. */
  gpus?: number;
  /** DeepSpeed ZeRO stage: 3 shards weights too (needed for 13B+ on 80 GB cards), 2 is faster when it fits. */
  deepspeed?: DeepSpeedStage;
  hyper?: Partial<ScaleOutHyper>;
  /** Names the files and datasets, e.g. the dataset's file name; made safe. Default "dataset". */
  baseName?: string;
  /** Also write the one-off baseline (all phases shuffled, same epochs). Default true. */
  includeOneOff?: boolean;
  /** Train LoRA adapters with these settings instead of every weight; each stage continues the previous stage's adapter. */
  lora?: LoraSettings;
}

/** Options that cannot make a recipe; `hint` says what to do. */
export class ScaleOutError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'ScaleOutError';
  }
}

export interface ScaleOutStage {
  /** 1-based position in the training order. */
  stage: number;
  /** 1-based phase index (difficulty bucket) trained in this stage. */
  phase: number;
  range: [number, number];
  records: number;
  datasetName: string;
  /** Under `data/`. */
  dataFile: string;
  config: string;
  /** The base model for stage 1, else the previous stage's `outputDir`. */
  modelFrom: string;
  outputDir: string;
}

export interface ScaleOutRun {
  datasetName: string;
  dataFile: string;
  config: string;
  outputDir: string;
  records: number;
}

export interface ResolvedScaleOut {
  /** The recipe's folder name, `<base>-scale-out`. */
  folder: string;
  base: string;
  baseModel: string;
  template: string;
  promptTemplate: RecipeTemplate;
  gpus: number;
  deepspeed: DeepSpeedStage;
  deepspeedConfig: string;
  hyper: ScaleOutHyper;
  /** null: full fine-tuning. */
  lora: LoraSettings | null;
  order: number[];
  stages: ScaleOutStage[];
  oneOff: ScaleOutRun | null;
  heldOut: { datasetName: string; dataFile: string; records: number };
}

/** Where everything goes, relative to the recipe folder (the scripts `cd` there). */
export const DATA_DIR = 'data';
export const CONFIG_DIR = 'configs';
export const SAVES_DIR = 'saves';
/** Written by the run scripts into an output_dir once its stage has saved a model. */
export const DONE_MARKER = '.phased-ift-done';

/** safeBaseName until it no longer changes, with runs of "_" collapsed so "__" can mark folders in flat names. */
function stableBase(name: string): string {
  let cur = name;
  for (let i = 0; i < 8; i++) {
    const next = safeBaseName(cur).replace(/_{2,}/g, '_');
    if (next === cur) break;
    cur = next;
  }
  return cur;
}

function fail(message: string, hint: string): never {
  throw new ScaleOutError(message, hint);
}

function resolveHyper(overrides: Partial<ScaleOutHyper> = {}): ScaleOutHyper {
  const h: ScaleOutHyper = { ...PAPER_RECIPE_HYPER };
  for (const [k, v] of Object.entries(overrides) as [keyof ScaleOutHyper, unknown][]) {
    if (v !== undefined) (h as unknown as Record<string, unknown>)[k] = v;
  }
  const num = (name: keyof ScaleOutHyper, ok: (v: number) => boolean, what: string) => {
    const v = h[name];
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) {
      fail(
        `${name} is ${String(v)}; it must be ${what}.`,
        `Set ${name} to ${what} (the paper uses ${String(PAPER_RECIPE_HYPER[name])}).`,
      );
    }
  };
  const positiveInt = (v: number) => Number.isInteger(v) && v > 0;
  num('learningRate', (v) => v > 0 && v < 1, 'a number between 0 and 1');
  num('epochsPerStage', (v) => v > 0, 'a positive number');
  num('warmupRatio', (v) => v >= 0 && v < 1, 'a number in [0, 1)');
  num('weightDecay', (v) => v >= 0, 'a number ≥ 0');
  num('adamBeta1', (v) => v >= 0 && v < 1, 'a number in [0, 1)');
  num('adamBeta2', (v) => v >= 0 && v < 1, 'a number in [0, 1)');
  num('adamEpsilon', (v) => v > 0 && v < 1, 'a number between 0 and 1');
  num('maxGradNorm', (v) => v >= 0, 'a number ≥ 0 (0: no clipping)');
  num('minLrRatio', (v) => v >= 0 && v <= 1, 'a number in [0, 1]');
  num('perDeviceTrainBatchSize', positiveInt, 'a positive integer');
  num('gradientAccumulationSteps', positiveInt, 'a positive integer');
  num('cutoffLen', positiveInt, 'a positive integer');
  num('seed', (v) => Number.isInteger(v) && v >= 0, 'an integer ≥ 0');
  num('loggingSteps', positiveInt, 'a positive integer');
  for (const flag of ['bf16', 'restartSchedulePerPhase', 'resetOptimizerPerPhase'] as const) {
    if (typeof h[flag] !== 'boolean')
      fail(`${flag} is ${String(h[flag])}, not true or false.`, `Set ${flag} to true or false.`);
  }
  if (!LR_SCHEDULER_TYPES.includes(h.lrSchedulerType)) {
    fail(
      `lr_scheduler_type "${h.lrSchedulerType}" is not one the recipe knows.`,
      `Use one of ${LR_SCHEDULER_TYPES.join(', ')} (the paper: cosine).`,
    );
  }
  return h;
}

/** Checks the options against the plan and works out every name, path and link of the recipe; no data is read. */
export function resolveScaleOut(plan: PhasePlan, options: ScaleOutOptions = {}): ResolvedScaleOut {
  const n = plan.phases.length;
  const base = stableBase(options.baseName ?? 'dataset');
  const baseModel = (options.baseModel ?? DEFAULT_BASE_MODEL).trim();
  // eslint-disable-next-line no-control-regex
  if (baseModel === '' || /[\u0000-\u001f\u007f]/.test(baseModel)) {
    fail(
      `The base model "${baseModel}" is empty or holds control characters.`,
      `Give a Hugging Face model id such as ${DEFAULT_BASE_MODEL}, or a local path.`,
    );
  }
  let promptTemplate: RecipeTemplate;
  try {
    promptTemplate = recipeTemplateOf(options.promptTemplate ?? 'paper');
  } catch (e) {
    fail(
      (e as Error).message,
      "Use the studio's paper or alpaca template, or the model's own, ChatML or Llama 3 chat template.",
    );
  }
  const template = (
    options.template ??
    llamaFactoryTemplateOf(promptTemplate) ??
    llamaFactoryTemplateFor(baseModel)
  ).trim();
  if (!/^[A-Za-z0-9_.-]+$/.test(template)) {
    fail(
      `"${template}" is not a LLaMA-Factory template name.`,
      "Use a template name from LLaMA-Factory's list, e.g. default (base models), llama2 or llama3 (chat models).",
    );
  }
  const gpus = options.gpus ?? DEFAULT_GPUS;
  if (!Number.isInteger(gpus) || gpus < 1 || gpus > 1024)
    fail(`${String(gpus)} GPUs per node is not possible.`, 'Give the number of GPUs on one node, e.g. 8.');
  const deepspeed = options.deepspeed ?? 'z3';
  if (deepspeed !== 'z2' && deepspeed !== 'z3')
    fail(`DeepSpeed "${String(deepspeed)}" is not z2 or z3.`, 'Choose ZeRO-3 (z3) unless ZeRO-2 fits your GPUs.');
  const hyper = resolveHyper(options.hyper);
  const problems = options.lora === undefined ? [] : loraProblems(options.lora);
  if (problems.length > 0)
    fail(
      `The LoRA settings cannot be exported: ${problems.join(' ')}`,
      'Fix them in the training form (LoRA), or export full fine-tuning.',
    );

  const order = [...(options.order ?? plan.phases.map((p) => p.index))];
  const sorted = [...order].sort((a, b) => a - b);
  if (order.length !== n || sorted.some((v, i) => v !== i + 1)) {
    fail(
      `The order ${order.join(', ') || '(empty)'} does not name each of the ${n} phases exactly once.`,
      `List every phase once, e.g. ${plan.phases.map((p) => p.index).join(', ')} (easy → hard, the paper's best order).`,
    );
  }
  for (const ph of plan.phases) {
    if (ph.recordIds.length === 0) {
      fail(
        `Phase ${ph.index} has no training records, and LLaMA-Factory cannot train a stage on an empty dataset.`,
        'Move the cut-offs (or use balanced cut-offs) so every phase holds records, then export again.',
      );
    }
  }

  const stages: ScaleOutStage[] = [];
  order.forEach((phaseIndex, i) => {
    const ph = plan.phases[phaseIndex - 1]!;
    const stage = i + 1;
    const tag = `stage-${stage}_phase-${phaseIndex}`;
    stages.push({
      stage,
      phase: phaseIndex,
      range: ph.range,
      records: ph.recordIds.length,
      datasetName: `${base}_phase_${phaseIndex}`,
      dataFile: `${base}.phase-${phaseIndex}.jsonl`,
      config: `${CONFIG_DIR}/${tag}.yaml`,
      modelFrom: i === 0 ? baseModel : stages[i - 1]!.outputDir,
      outputDir: `${SAVES_DIR}/${tag}`,
    });
  });
  const total = stages.reduce((s, st) => s + st.records, 0);
  return {
    folder: `${base}-scale-out`,
    base,
    baseModel,
    template,
    promptTemplate,
    gpus,
    deepspeed,
    deepspeedConfig: `${CONFIG_DIR}/ds_${deepspeed}_config.json`,
    hyper,
    lora: options.lora ? { ...options.lora, targets: [...options.lora.targets] } : null,
    order,
    stages,
    oneOff:
      options.includeOneOff === false
        ? null
        : {
            datasetName: `${base}_one_off`,
            dataFile: `${base}.one-off.jsonl`,
            config: `${CONFIG_DIR}/one-off.yaml`,
            outputDir: `${SAVES_DIR}/one-off`,
            records: total,
          },
    heldOut: {
      datasetName: `${base}_held_out`,
      dataFile: `${base}.held-out.jsonl`,
      records: plan.heldOut.recordIds.length,
    },
  };
}

/** A phase's difficulty range: half-open, closed for the last phase (it holds the top score). */
export function rangeText([lo, hi]: [number, number], last: boolean): string {
  return `[${lo}, ${hi}${last ? ']' : ')'}`;
}
