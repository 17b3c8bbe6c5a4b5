/**
 * The scale-out recipe: for a user who outgrows the browser, the phase plan as a ready LLaMA-Factory setup that runs
 * the paper's uptraining on a multi-GPU machine — per-phase Alpaca JSONL, `data/dataset_info.json`, one training
 * YAML per stage where each stage starts from the previous stage's `output_dir`, a DeepSpeed config, `run_phased.sh`
 * and `run_oneoff.sh` (the baseline: all phases shuffled, trained once with the same settings), and a README.
 *
 * Every file is text; file names are paths inside the recipe folder (`data/x.jsonl`). The caller downloads them one
 * by one (see {@link flatDownloadName}) or as one self-extracting {@link bundleScript}. Field names come only from
 * LLaMA-Factory's and transformers' documentation: see ./llamaFactoryFields.ts.
 */
import type { InstructionRecord } from '../data/record';
import { phaseJsonlFiles, safeBaseName, type ExportFile } from '../phases/export';
import type { PhasePlan } from '../phases/plan';
import { createRng, deriveSeed, shuffleInPlace } from '../util/random';
import { LR_SCHEDULER_TYPES } from './llamaFactoryFields';
import { emitYaml, type YamlItem } from './yaml';

export type { ExportFile } from '../phases/export';

/** Training hyper-parameters of every stage (and of the one-off baseline). */
export interface ScaleOutHyper {
  learningRate: number;
  /** Epochs of each stage; the one-off run uses the same, so every record is seen as often in both arms. */
  epochsPerStage: number;
  warmupRatio: number;
  lrSchedulerType: string;
  weightDecay: number;
  adamBeta1: number;
  adamBeta2: number;
  /** Gradient-norm clip; DeepSpeed's `gradient_clipping: "auto"` takes it from here. */
  maxGradNorm: number;
  perDeviceTrainBatchSize: number;
  gradientAccumulationSteps: number;
  /** Maximum tokens per example (`cutoff_len`). */
  cutoffLen: number;
  bf16: boolean;
  seed: number;
  loggingSteps: number;
}

/**
 * The paper's settings (Pang et al. 2024, §4): LR 5e-6, 2 epochs per stage, warm-up ratio 0.1, cosine, weight decay
 * 0.1, AdamW β = (0.9, 0.95), clip 1.0, batch 16 per device, max length 2048, full fine-tuning. Precision, seed and
 * logging interval are not given in the paper; bf16, 42 and 10 are LLaMA-Factory's usual choices.
 */
export const PAPER_HYPER: Readonly<ScaleOutHyper> = Object.freeze({
  learningRate: 5e-6,
  epochsPerStage: 2,
  warmupRatio: 0.1,
  lrSchedulerType: 'cosine',
  weightDecay: 0.1,
  adamBeta1: 0.9,
  adamBeta2: 0.95,
  maxGradNorm: 1.0,
  perDeviceTrainBatchSize: 16,
  gradientAccumulationSteps: 1,
  cutoffLen: 2048,
  bf16: true,
  seed: 42,
  loggingSteps: 10,
});

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
  /** LLaMA-Factory template name (see {@link DEFAULT_TEMPLATE}). */
  template?: string;
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
  gpus: number;
  deepspeed: DeepSpeedStage;
  deepspeedConfig: string;
  hyper: ScaleOutHyper;
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
  const h: ScaleOutHyper = { ...PAPER_HYPER };
  for (const [k, v] of Object.entries(overrides) as [keyof ScaleOutHyper, unknown][]) {
    if (v !== undefined) (h as unknown as Record<string, unknown>)[k] = v;
  }
  const num = (name: keyof ScaleOutHyper, ok: (v: number) => boolean, what: string) => {
    const v = h[name];
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) {
      fail(`${name} is ${String(v)}; it must be ${what}.`, `Set ${name} to ${what} (the paper uses ${String(PAPER_HYPER[name])}).`);
    }
  };
  const positiveInt = (v: number) => Number.isInteger(v) && v > 0;
  num('learningRate', (v) => v > 0 && v < 1, 'a number between 0 and 1');
  num('epochsPerStage', (v) => v > 0, 'a positive number');
  num('warmupRatio', (v) => v >= 0 && v < 1, 'a number in [0, 1)');
  num('weightDecay', (v) => v >= 0, 'a number ≥ 0');
  num('adamBeta1', (v) => v >= 0 && v < 1, 'a number in [0, 1)');
  num('adamBeta2', (v) => v >= 0 && v < 1, 'a number in [0, 1)');
  num('maxGradNorm', (v) => v > 0, 'a positive number');
  num('perDeviceTrainBatchSize', positiveInt, 'a positive integer');
  num('gradientAccumulationSteps', positiveInt, 'a positive integer');
  num('cutoffLen', positiveInt, 'a positive integer');
  num('seed', (v) => Number.isInteger(v) && v >= 0, 'an integer ≥ 0');
  num('loggingSteps', positiveInt, 'a positive integer');
  if (typeof h.bf16 !== 'boolean') fail(`bf16 is ${String(h.bf16)}, not true or false.`, 'Set bf16 to true (A100/H100) or false.');
  if (!LR_SCHEDULER_TYPES.includes(h.lrSchedulerType)) {
    fail(`lr_scheduler_type "${h.lrSchedulerType}" is not one the recipe knows.`, `Use one of ${LR_SCHEDULER_TYPES.join(', ')} (the paper: cosine).`);
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
    fail(`The base model "${baseModel}" is empty or holds control characters.`, `Give a Hugging Face model id such as ${DEFAULT_BASE_MODEL}, or a local path.`);
  }
  const template = (options.template ?? DEFAULT_TEMPLATE).trim();
  if (!/^[A-Za-z0-9_.-]+$/.test(template)) {
    fail(`"${template}" is not a LLaMA-Factory template name.`, 'Use a template name from LLaMA-Factory\'s list, e.g. default (base models), llama2 or llama3 (chat models).');
  }
  const gpus = options.gpus ?? DEFAULT_GPUS;
  if (!Number.isInteger(gpus) || gpus < 1 || gpus > 1024) fail(`${String(gpus)} GPUs per node is not possible.`, 'Give the number of GPUs on one node, e.g. 8.');
  const deepspeed = options.deepspeed ?? 'z3';
  if (deepspeed !== 'z2' && deepspeed !== 'z3') fail(`DeepSpeed "${String(deepspeed)}" is not z2 or z3.`, 'Choose ZeRO-3 (z3) unless ZeRO-2 fits your GPUs.');
  const hyper = resolveHyper(options.hyper);

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
    gpus,
    deepspeed,
    deepspeedConfig: `${CONFIG_DIR}/ds_${deepspeed}_config.json`,
    hyper,
    order,
    stages,
    oneOff:
      options.includeOneOff === false
        ? null
        : { datasetName: `${base}_one_off`, dataFile: `${base}.one-off.jsonl`, config: `${CONFIG_DIR}/one-off.yaml`, outputDir: `${SAVES_DIR}/one-off`, records: total },
    heldOut: { datasetName: `${base}_held_out`, dataFile: `${base}.held-out.jsonl`, records: plan.heldOut.recordIds.length },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The files

function rangeText([lo, hi]: [number, number], last: boolean): string {
  return `[${lo}, ${hi}${last ? ']' : ')'}`;
}

function trainingYaml(r: ResolvedScaleOut, run: { title: string[]; modelFrom: string; dataset: string; outputDir: string }): string {
  const h = r.hyper;
  const items: YamlItem[] = [
    ...run.title.map((comment) => ({ comment })),
    { comment: 'Generated by Phased IFT Studio. Every key is a documented LLaMA-Factory / transformers argument (README.md).' },
    { section: 'model' },
    { key: 'model_name_or_path', value: run.modelFrom },
    { section: 'method' },
    { key: 'stage', value: 'sft' },
    { key: 'do_train', value: true },
    { key: 'finetuning_type', value: 'full' },
    { key: 'deepspeed', value: r.deepspeedConfig },
    { section: 'dataset' },
    { key: 'dataset', value: run.dataset },
    { key: 'dataset_dir', value: DATA_DIR },
    { key: 'template', value: r.template },
    { key: 'cutoff_len', value: h.cutoffLen },
    { key: 'overwrite_cache', value: true },
    { key: 'preprocessing_num_workers', value: 16 },
    { section: 'output' },
    { key: 'output_dir', value: run.outputDir },
    { key: 'logging_steps', value: h.loggingSteps },
    { key: 'save_strategy', value: 'no', comment: 'the final model is saved at the end; 7B+ optimizer checkpoints are huge' },
    { key: 'plot_loss', value: true },
    { key: 'overwrite_output_dir', value: true },
    { key: 'report_to', value: 'none' },
    { section: 'train (the paper: fresh AdamW and warm-up + cosine in every stage)' },
    { key: 'per_device_train_batch_size', value: h.perDeviceTrainBatchSize },
    { key: 'gradient_accumulation_steps', value: h.gradientAccumulationSteps },
    { key: 'learning_rate', value: h.learningRate },
    { key: 'num_train_epochs', value: h.epochsPerStage },
    { key: 'lr_scheduler_type', value: h.lrSchedulerType },
    { key: 'warmup_ratio', value: h.warmupRatio },
    { key: 'weight_decay', value: h.weightDecay },
    { key: 'adam_beta1', value: h.adamBeta1 },
    { key: 'adam_beta2', value: h.adamBeta2 },
    { key: 'max_grad_norm', value: h.maxGradNorm },
    { key: 'optim', value: 'adamw_torch' },
    { key: 'bf16', value: h.bf16 },
    { key: 'seed', value: h.seed },
    { key: 'ddp_timeout', value: 180000000 },
  ];
  return emitYaml(items);
}

function datasetEntry(fileName: string) {
  return { file_name: fileName, formatting: 'alpaca', columns: { prompt: 'instruction', query: 'input', response: 'output' } };
}

function datasetInfo(r: ResolvedScaleOut): string {
  const info: Record<string, ReturnType<typeof datasetEntry>> = {};
  for (const st of [...r.stages].sort((a, b) => a.phase - b.phase)) info[st.datasetName] = datasetEntry(st.dataFile);
  if (r.oneOff) info[r.oneOff.datasetName] = datasetEntry(r.oneOff.dataFile);
  info[r.heldOut.datasetName] = datasetEntry(r.heldOut.dataFile);
  return `${JSON.stringify(info, null, 2)}\n`;
}

/** LLaMA-Factory's examples/deepspeed configs: "auto" lets the HF Trainer fill batch sizes, clip and precision. */
function deepspeedConfig(stage: DeepSpeedStage): string {
  const common = {
    train_batch_size: 'auto',
    train_micro_batch_size_per_gpu: 'auto',
    gradient_accumulation_steps: 'auto',
    gradient_clipping: 'auto',
    zero_allow_untested_optimizer: true,
    fp16: { enabled: 'auto', loss_scale: 0, loss_scale_window: 1000, initial_scale_power: 16, hysteresis: 2, min_loss_scale: 1 },
    bf16: { enabled: 'auto' },
  };
  const zero =
    stage === 'z3'
      ? {
          stage: 3,
          overlap_comm: false,
          contiguous_gradients: true,
          sub_group_size: 1e9,
          reduce_bucket_size: 'auto',
          stage3_prefetch_bucket_size: 'auto',
          stage3_param_persistence_threshold: 'auto',
          stage3_max_live_parameters: 1e9,
          stage3_max_reuse_distance: 1e9,
          // full 16-bit weights in output_dir, so the next stage can load them as an ordinary model
          stage3_gather_16bit_weights_on_model_save: true,
        }
      : {
          stage: 2,
          allgather_partitions: true,
          allgather_bucket_size: 5e8,
          overlap_comm: false,
          reduce_scatter: true,
          reduce_bucket_size: 5e8,
          contiguous_gradients: true,
          round_robin_gradients: true,
        };
  return `${JSON.stringify({ ...common, zero_optimization: zero }, null, 2)}\n`;
}

/** A word bash reads as itself: bare when it is only safe characters, else single-quoted. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9._/:=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function runScript(r: ResolvedScaleOut, what: { title: string; summary: string[]; runs: { stage: number; config: string; data: string; modelFrom: string | null; outputDir: string }[]; needs: string[]; finalOutput: string }): string {
  const lines = [
    '#!/usr/bin/env bash',
    `# ${what.title}`,
    ...what.summary.map((s) => `# ${s}`),
    '# Generated by Phased IFT Studio; see README.md.',
    '#',
    '# Usage: bash <this script>                  (one node, NPROC_PER_NODE GPUs, DeepSpeed via torchrun)',
    '#        NPROC_PER_NODE=4 bash <this script>  (fewer GPUs)',
    `# A stage whose output_dir holds ${DONE_MARKER} for the same inputs already finished and is skipped; delete that`,
    '# folder to train it again.',
    'set -euo pipefail',
    'cd "$(dirname "${BASH_SOURCE[0]}")"',
    '',
    '# LLaMA-Factory starts torchrun itself when FORCE_TORCHRUN=1 (docs: Advanced > Distributed); NNODES, NODE_RANK,',
    '# MASTER_ADDR and MASTER_PORT pass through for several nodes.',
    'export FORCE_TORCHRUN="${FORCE_TORCHRUN:-1}"',
    `export NPROC_PER_NODE="\${NPROC_PER_NODE:-${r.gpus}}"`,
    '',
    'if ! command -v llamafactory-cli >/dev/null 2>&1; then',
    '  echo "error: llamafactory-cli is not on PATH. Install LLaMA-Factory with its DeepSpeed extra (README.md), then run this again." >&2',
    '  exit 1',
    'fi',
    '',
    `for f in ${what.needs.map(shellWord).join(' ')}; do`,
    '  if [[ ! -f "$f" ]]; then',
    '    echo "error: $f is missing. Lay the recipe folder out as README.md shows, then run this again." >&2',
    '    exit 1',
    '  fi',
    'done',
    '',
    '# The inputs of a stage (config, data, and the fingerprint of the stage it starts from), so a finished stage is',
    '# skipped only while they are unchanged.',
    'fingerprint() {',
    '  local config="$1" data="$2" model_in="$3"',
    `  { cat "$config" "$data"; if [[ "$model_in" != "-" ]]; then cat "$model_in/${DONE_MARKER}"; fi; } | cksum | tr -s " " "-"`,
    '}',
    '',
    '# run_stage STAGE CONFIG DATA MODEL_IN OUTPUT_DIR  (MODEL_IN "-": the base model named in CONFIG)',
    'run_stage() {',
    '  local stage="$1" config="$2" data="$3" model_in="$4" out="$5" sig',
    `  if [[ "$model_in" != "-" && ! ( -f "$model_in/config.json" && -f "$model_in/${DONE_MARKER}" ) ]]; then`,
    '    echo "error: stage $stage starts from $model_in, which holds no finished model: the stage before it did not complete." >&2',
    '    exit 1',
    '  fi',
    '  sig="$(fingerprint "$config" "$data" "$model_in")"',
    `  if [[ -f "$out/${DONE_MARKER}" ]]; then`,
    `    if [[ "$(cat "$out/${DONE_MARKER}")" == "$sig" ]]; then`,
    '      echo "== stage $stage: $out already holds the model of these inputs; skipping. Delete $out to train it again."',
    '      return 0',
    '    fi',
    '    echo "error: $out holds a model trained from other inputs (its config, data or an earlier stage changed since)." >&2',
    '    echo "       Delete $out (and the stages after it) to train it again." >&2',
    '    exit 1',
    '  fi',
    '  echo "== stage $stage: llamafactory-cli train $config"',
    '  llamafactory-cli train "$config"',
    '  if [[ ! -f "$out/config.json" ]]; then',
    '    echo "error: stage $stage ended without a saved model in $out (no config.json), so nothing can continue from it. See the log above." >&2',
    '    exit 1',
    '  fi',
    `  printf '%s\\n' "$sig" > "$out/${DONE_MARKER}"`,
    '}',
    '',
    ...what.runs.map(
      (run) => `run_stage ${run.stage} ${shellWord(run.config)} ${shellWord(run.data)} ${run.modelFrom === null ? '-' : shellWord(run.modelFrom)} ${shellWord(run.outputDir)}`,
    ),
    '',
    `echo "Done: the final model is in ${what.finalOutput}"`,
  ];
  return `${lines.join('\n')}\n`;
}

function readme(r: ResolvedScaleOut, fileNames: string[]): string {
  const h = r.hyper;
  const p = PAPER_HYPER;
  const n = r.stages.length;
  const last = (phase: number) => phase === n;
  const effective = h.perDeviceTrainBatchSize * h.gradientAccumulationSteps;
  const row = (name: string, key: string, paper: string, ours: string) => `| ${name} | \`${key}\` | ${paper} | ${ours} |`;
  const num = (v: number) => (v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential() : String(v));
  const orderText = r.order.join(' → ');
  const easyToHard = r.order.every((v, i) => v === i + 1);
  const restore = [
    `folder=${r.folder}`,
    'for f in "$folder"__*; do',
    '  rel="${f#"$folder"__}"; rel="${rel//__//}"',
    '  mkdir -p "$folder/$(dirname "$rel")" && mv "$f" "$folder/$rel"',
    'done',
  ];
  const lines = [
    `# Phased IFT scale-out recipe: ${r.base}`,
    '',
    'Phased Instruction Fine-Tuning (Pang, Zhou, Zhou, Wang, *Phased Instruction Fine-Tuning for Large Language Models*,',
    'Findings of ACL 2024, arXiv 2406.04371) on a multi-GPU machine with [LLaMA-Factory](https://github.com/hiyouga/LLaMA-Factory)',
    'and DeepSpeed. The phases were made in Phased IFT Studio; this folder trains them at full scale.',
    '',
    `Base model: \`${r.baseModel}\` · template: \`${r.template}\` · ${n} stages in the order ${orderText}${easyToHard ? ' (easy → hard, the paper\'s best order)' : ''} ·`,
    `DeepSpeed ZeRO-${r.deepspeed === 'z3' ? 3 : 2} · ${r.gpus} GPUs per node by default.`,
    '',
    '## Run it',
    '',
    '```bash',
    '# once: LLaMA-Factory with DeepSpeed (https://github.com/hiyouga/LLaMA-Factory#installation)',
    'git clone --depth 1 https://github.com/hiyouga/LLaMA-Factory.git',
    'cd LLaMA-Factory && pip install -e ".[torch,metrics,deepspeed]" && cd ..',
    '# gated models such as Llama 2 need `huggingface-cli login` first',
    '',
    `cd ${r.folder}`,
    'bash run_phased.sh    # the phased model, stage after stage',
    ...(r.oneOff ? ['bash run_oneoff.sh    # the baseline to compare it with'] : []),
    '```',
    '',
    'Each stage is `FORCE_TORCHRUN=1 llamafactory-cli train configs/<stage>.yaml`, run from this folder (all paths in the',
    'configs are relative to it). `NPROC_PER_NODE` sets the GPUs per node (default ' + String(r.gpus) + '); for several nodes set `NNODES`,',
    '`NODE_RANK`, `MASTER_ADDR` and `MASTER_PORT` as in LLaMA-Factory\'s distributed-training docs and run the script on every',
    'node, with `saves/` on a shared file system. A finished stage leaves `' + DONE_MARKER + '` (a checksum of its config, data and',
    'starting model) in its output folder and is skipped on a re-run while those are unchanged; if they changed, the script',
    'stops rather than overwrite a trained model. Delete the folder to train it again.',
    '',
    '## The stages',
    '',
    '| stage | phase | difficulty | training records | config | starts from | output |',
    '|---|---|---|---|---|---|---|',
    ...r.stages.map(
      (s) => `| ${s.stage} | ${s.phase} | ${rangeText(s.range, last(s.phase))} | ${s.records} | \`${s.config}\` | \`${s.modelFrom}\` | \`${s.outputDir}\` |`,
    ),
    ...(r.oneOff
      ? [`| one-off | all | [1, 5] | ${r.oneOff.records} | \`${r.oneOff.config}\` | \`${r.baseModel}\` | \`${r.oneOff.outputDir}\` |`]
      : []),
    '',
    `Stage k loads the model stage k−1 saved in its \`output_dir\` (\`model_name_or_path\`); the final phased model is \`${r.stages[n - 1]!.outputDir}\`.`,
    'Every stage is a fresh launch, so the optimizer state is new and the warm-up + cosine schedule restarts, as in the',
    'paper. Each stage sees only its own phase (no replay).',
    ...(r.oneOff
      ? [
          '',
          `The one-off baseline trains once on all ${r.oneOff.records} training records, shuffled, for the same ${h.epochsPerStage} epochs, so every`,
          'record is seen as often as in the phased run — the paper\'s comparison. (The trainer also reshuffles every epoch.)',
        ]
      : []),
    '',
    `\`data/${r.heldOut.dataFile}\` (${r.heldOut.records} records, registered as \`${r.heldOut.datasetName}\`) is held out of every stage: use`,
    'it to compare the models, e.g. by generating answers and judging them pairwise as the paper does.',
    '',
    '## Settings',
    '',
    '| setting | key | paper | this recipe |',
    '|---|---|---|---|',
    row('learning rate', 'learning_rate', num(p.learningRate), num(h.learningRate)),
    row('epochs per stage', 'num_train_epochs', String(p.epochsPerStage), String(h.epochsPerStage)),
    row('warm-up ratio', 'warmup_ratio', String(p.warmupRatio), String(h.warmupRatio)),
    row('schedule', 'lr_scheduler_type', p.lrSchedulerType, h.lrSchedulerType),
    row('weight decay', 'weight_decay', String(p.weightDecay), String(h.weightDecay)),
    row('AdamW β', 'adam_beta1, adam_beta2', `(${p.adamBeta1}, ${p.adamBeta2})`, `(${h.adamBeta1}, ${h.adamBeta2})`),
    row('gradient clip', 'max_grad_norm', String(p.maxGradNorm), String(h.maxGradNorm)),
    row('batch per device', 'per_device_train_batch_size × gradient_accumulation_steps', String(p.perDeviceTrainBatchSize), `${h.perDeviceTrainBatchSize} × ${h.gradientAccumulationSteps}`),
    row('max length', 'cutoff_len', String(p.cutoffLen), String(h.cutoffLen)),
    row('fine-tuning', 'finetuning_type', 'full', 'full'),
    row('precision', 'bf16', 'not stated', String(h.bf16)),
    '',
    `**LR ${num(p.learningRate)} is the paper's value for full fine-tuning of 7B–70B models** (Llama-2 7B/13B/70B, Llama-3 8B/70B,`,
    'Mistral 7B). It is not a general default: smaller models, or LoRA, usually need a larger rate.',
    '',
    `Global batch = ${h.perDeviceTrainBatchSize} per device × ${h.gradientAccumulationSteps} accumulation × GPUs (${effective * r.gpus} on ${r.gpus} GPUs). 16 sequences of`,
    '2048 tokens per GPU may not fit in memory for full fine-tuning; keep the product the same instead, e.g.',
    '`per_device_train_batch_size: 4` with `gradient_accumulation_steps: 4`, in every config alike.',
    'The DeepSpeed config leaves `gradient_clipping`, batch sizes and precision on `"auto"`, so they follow the YAML.',
    '',
    `Template \`${r.template}\`: LLaMA-Factory's README says base models take \`default\`, \`alpaca\`, \`vicuna\`, …, and chat models their`,
    'own template (`llama2`, `llama3`, …). `default` writes `Human: {prompt}</s>\\nAssistant:{response}</s>`, the closest to',
    'the paper\'s `User: …<eos>\\nAssistant: …<eos>`. Use the same template when you generate with the trained models.',
    '',
    'Versions: these configs target the transformers 4.x that LLaMA-Factory pins (≤ 4.57 at the time of writing).',
    'transformers 5 removed `overwrite_output_dir` and deprecates `warmup_ratio` (later 5.x releases drop it); there,',
    'delete the `overwrite_output_dir` line and write `warmup_steps: x` for `warmup_ratio: x` (below 1 it is a ratio).',
    '',
    '## Files',
    '',
    '| file | what it is |',
    '|---|---|',
    ...fileNames.map((f) => `| \`${f}\` | ${describeFile(r, f)} |`),
    '',
    '## Downloaded one file at a time?',
    '',
    `The studio names each file \`${r.folder}__<path with / as __>\` (e.g. \`${flatDownloadName(r.folder, `${DATA_DIR}/dataset_info.json`)}\`).`,
    'Put them in one folder and rebuild the tree with:',
    '',
    '```bash',
    ...restore,
    '```',
    '',
    `Or download the single file \`${bundleFileName(r.folder)}\` instead and run \`bash ${bundleFileName(r.folder)}\`: it writes this whole folder.`,
  ];
  return `${lines.join('\n')}\n`;
}

function describeFile(r: ResolvedScaleOut, path: string): string {
  if (path === 'README.md') return 'this file';
  if (path === `${DATA_DIR}/dataset_info.json`) return 'LLaMA-Factory\'s dataset registry (`dataset_dir: data`): one Alpaca-format entry per file below';
  if (path === r.deepspeedConfig) return `DeepSpeed ZeRO-${r.deepspeed === 'z3' ? 3 : 2} config (LLaMA-Factory's example)`;
  if (path === 'run_phased.sh') return 'runs the stages in order, checking each saved model before the next starts';
  if (path === 'run_oneoff.sh') return 'runs the one-off baseline';
  const st = r.stages.find((s) => s.config === path);
  if (st) return `training config of stage ${st.stage} (phase ${st.phase})`;
  if (r.oneOff && path === r.oneOff.config) return 'training config of the one-off baseline';
  const data = r.stages.find((s) => path === `${DATA_DIR}/${s.dataFile}`);
  if (data) return `phase ${data.phase} training records (Alpaca fields + score, phase, id), dataset \`${data.datasetName}\``;
  if (r.oneOff && path === `${DATA_DIR}/${r.oneOff.dataFile}`) return `all phases' training records, shuffled, dataset \`${r.oneOff.datasetName}\``;
  if (path === `${DATA_DIR}/${r.heldOut.dataFile}`) return `held-out records of every phase, dataset \`${r.heldOut.datasetName}\``;
  return '';
}

/**
 * The whole recipe as files whose names are paths inside the recipe folder: data/…jsonl, data/dataset_info.json,
 * configs/stage-K_phase-P.yaml (+ configs/one-off.yaml), configs/ds_zN_config.json, run_phased.sh, run_oneoff.sh and
 * README.md. Throws a {@link ScaleOutError} for options that cannot make a working recipe.
 */
export function scaleOutRecipe(
  plan: PhasePlan,
  records: readonly InstructionRecord[],
  scores: ArrayLike<number>,
  options: ScaleOutOptions = {},
): ExportFile[] {
  const r = resolveScaleOut(plan, options);
  const jsonl = phaseJsonlFiles(plan, records, scores, { baseName: r.base });
  const phaseFiles = jsonl.slice(0, plan.phases.length);
  const heldOutFile = jsonl[plan.phases.length]!;
  plan.phases.forEach((ph, i) => {
    if (phaseFiles[i]!.fileName !== `${r.base}.phase-${ph.index}.jsonl`) throw new Error(`Unexpected phase file name ${phaseFiles[i]!.fileName}.`);
  });

  const files: ExportFile[] = [];
  const add = (fileName: string, text: string) => files.push({ fileName, text });

  add(`${DATA_DIR}/dataset_info.json`, datasetInfo(r));
  for (const f of phaseFiles) add(`${DATA_DIR}/${f.fileName}`, f.text);
  if (r.oneOff) {
    const lines = phaseFiles.flatMap((f) => f.text.split('\n').filter((l) => l !== ''));
    shuffleInPlace(lines, createRng(deriveSeed(r.hyper.seed, 'scale-out/one-off')));
    add(`${DATA_DIR}/${r.oneOff.dataFile}`, lines.map((l) => `${l}\n`).join(''));
  }
  add(`${DATA_DIR}/${heldOutFile.fileName}`, heldOutFile.text);

  for (const st of r.stages) {
    add(
      st.config,
      trainingYaml(r, {
        title: [
          `Phased IFT, stage ${st.stage} of ${r.stages.length}: phase ${st.phase}, difficulty ${rangeText(st.range, st.phase === plan.phases.length)}, ${st.records} records.`,
          st.stage === 1 ? 'Starts from the base model.' : `Continues from stage ${st.stage - 1}'s saved model, with a fresh optimizer and LR schedule.`,
        ],
        modelFrom: st.modelFrom,
        dataset: st.datasetName,
        outputDir: st.outputDir,
      }),
    );
  }
  if (r.oneOff) {
    add(
      r.oneOff.config,
      trainingYaml(r, {
        title: [`One-off baseline: all ${r.stages.length} phases shuffled together (${r.oneOff.records} records), trained once with the same settings.`],
        modelFrom: r.baseModel,
        dataset: r.oneOff.datasetName,
        outputDir: r.oneOff.outputDir,
      }),
    );
  }
  add(r.deepspeedConfig, deepspeedConfig(r.deepspeed));

  const commonNeeds = [`${DATA_DIR}/dataset_info.json`, r.deepspeedConfig];
  add(
    'run_phased.sh',
    runScript(r, {
      title: `Phased IFT with LLaMA-Factory: ${r.stages.length} stages, phases in the order ${r.order.join(', ')}.`,
      summary: ['Each stage is a fresh `llamafactory-cli train` (new optimizer, warm-up + cosine restart) starting from the', "previous stage's output_dir."],
      runs: r.stages.map((s) => ({ stage: s.stage, config: s.config, data: `${DATA_DIR}/${s.dataFile}`, modelFrom: s.stage === 1 ? null : s.modelFrom, outputDir: s.outputDir })),
      needs: [...commonNeeds, ...r.stages.map((s) => `${DATA_DIR}/${s.dataFile}`), ...r.stages.map((s) => s.config)],
      finalOutput: r.stages[r.stages.length - 1]!.outputDir,
    }),
  );
  if (r.oneOff) {
    add(
      'run_oneoff.sh',
      runScript(r, {
        title: 'One-off IFT baseline with LLaMA-Factory: all phases shuffled, trained once.',
        summary: ['Same settings and epochs as each phased stage, so every record is seen as often as in run_phased.sh.'],
        runs: [{ stage: 1, config: r.oneOff.config, data: `${DATA_DIR}/${r.oneOff.dataFile}`, modelFrom: null, outputDir: r.oneOff.outputDir }],
        needs: [...commonNeeds, `${DATA_DIR}/${r.oneOff.dataFile}`, r.oneOff.config],
        finalOutput: r.oneOff.outputDir,
      }),
    );
  }
  add('README.md', readme(r, ['README.md', ...files.map((f) => f.fileName)]));
  // README first: it is what a person opens.
  return [files[files.length - 1]!, ...files.slice(0, -1)];
}

// ---------------------------------------------------------------------------------------------------------------
// Getting the files out of the browser

/** The download name of a recipe file: `<folder>__data__x.jsonl`; README.md explains how to rebuild the tree. */
export function flatDownloadName(folder: string, path: string): string {
  return `${folder}__${path.split('/').join('__')}`;
}

/** The download name of {@link bundleScript}'s file. */
export function bundleFileName(folder: string): string {
  return `${folder}.bundle.sh`;
}

const SAFE_PATH = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/**
 * One self-extracting bash script holding every file, for browsers that balk at many downloads:
 * `bash <folder>.bundle.sh` writes `<folder>/` in the current directory (or, given DIR, writes DIR/), and refuses
 * if it exists.
 * Each file is a quoted heredoc (no expansion at all) whose delimiter appears on no line of any file.
 */
export function bundleScript(files: readonly ExportFile[], folder: string): ExportFile {
  if (!SAFE_PATH.test(folder) || folder.includes('/')) throw new Error(`bundle: "${folder}" is not a safe folder name.`);
  for (const f of files) {
    if (!SAFE_PATH.test(f.fileName) || f.fileName.split('/').some((seg) => seg === '.' || seg === '..')) {
      throw new Error(`bundle: "${f.fileName}" is not a safe relative path.`);
    }
    if (f.text !== '' && !f.text.endsWith('\n')) throw new Error(`bundle: ${f.fileName} does not end with a newline, which a heredoc would add.`);
  }
  const lines = new Set(files.flatMap((f) => f.text.split('\n')));
  let delimiter = 'PHASED_IFT_EOF';
  for (let i = 1; lines.has(delimiter); i++) delimiter = `PHASED_IFT_EOF_${i}`;

  const dirs = [...new Set(files.map((f) => f.fileName.split('/').slice(0, -1).join('/')).filter((d) => d !== ''))].sort();
  const out = [
    '#!/usr/bin/env bash',
    `# Self-extracting Phased IFT scale-out recipe (${files.length} files), generated by Phased IFT Studio.`,
    `# bash ${bundleFileName(folder)}        writes ./${folder}/`,
    `# bash ${bundleFileName(folder)} DIR    writes DIR/ instead`,
    '# It only creates that new folder and the files in it, and stops if the folder already exists.',
    'set -euo pipefail',
    `dest="\${1:-${folder}}"`,
    'if [[ -e "$dest" ]]; then',
    `  echo "error: $dest already exists; move it away or name another folder: bash ${bundleFileName(folder)} other-folder" >&2`,
    '  exit 1',
    'fi',
    'mkdir -p "$dest"',
    ...dirs.map((d) => `mkdir -p "$dest/${d}"`),
  ];
  for (const f of files) {
    if (f.text === '') {
      out.push(`: > "$dest/${f.fileName}"`);
      continue;
    }
    out.push(`cat > "$dest/${f.fileName}" <<'${delimiter}'`);
    out.push(f.text.slice(0, -1));
    out.push(delimiter);
  }
  const scripts = files.filter((f) => f.fileName.endsWith('.sh')).map((f) => `"$dest/${f.fileName}"`);
  if (scripts.length > 0) out.push(`chmod +x ${scripts.join(' ')}`);
  out.push('echo "Wrote $dest/. Next: cd $dest && bash run_phased.sh (README.md says more)."');
  return { fileName: bundleFileName(folder), text: `${out.join('\n')}\n` };
}
