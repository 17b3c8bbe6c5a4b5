/**
 * Test support for the TRL recipe's end-to-end tests (Node, cpu backend): the demo subset's plan, a tiny GPT-2 in
 * Hugging Face layout exported from the studio's core, the recipe written to disk and run with the pinned Python,
 * and the studio's own loss on the rows TRL logged.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { demoToRecords, generateDemoSuite } from '../../demo/suite';
import { setNodeBackend } from '../../kernels/nodeBackends';
import { gptConfigFromPreset, type GptConfig } from '../../model/config';
import { gptLoss, initGptParams, type GptParams } from '../../model/gpt';
import { exportHfModel } from '../../hf/exportModel';
import { readParams } from '../../model/paramArrays';
import { randomizeGptParams } from '../../model/testing/randomParams';
import { tinyTokenizerFiles } from '../../hf/testing/hfFixtures';
import { planByCutoffs } from '../../phases/plan';
import { bpeFromTokenizerJson } from '../../tokenizer/bpeFromFiles';
import type { BpeTokenizer } from '../../tokenizer/bpe';
import { pretokenize } from '../../text/pretokenize';
import type { FormatTokenizer, RecordFormat } from '../../text/recordFormat';
import type { Tokenizer } from '../../tokenizer/tokenizer';
import { scoredRanges } from '../../text/masks';
import { pythonPath } from '../../../testing/python.node';
import { scaleOutRecipe, type ScaleOutOptions } from '../scaleOut';
import { TRL_DIR, TRL_LOG_FILE, TRL_SCRIPT } from '../trlFiles';
import { writeTree } from './recipe';

export interface StageLog {
  stage: number;
  phase: number | null;
  model_from: string;
  record_ids: string[];
  micro_batches: { step: number; ids: string[] }[];
  first_step_batch: { input_ids: number[][]; labels: number[][] };
  first_step_loss: number;
  steps: number;
  planned_steps: number;
  optimizer: 'fresh' | 'carried';
  log_history: { step: number; loss?: number; learning_rate?: number }[];
}

export interface EvalReport {
  buckets: { bucket: string; loss: number; records: number; tokens: number }[];
  overall: number;
}

export const items = generateDemoSuite({ perLevel: 6 });
export const records = demoToRecords(items);
export const scores = records.map((r) => r.score!);
// levels 1 | 2–3 | 4–5, a fifth of every phase held out
export const plan = planByCutoffs(records, scores, [1.5, 3.5], { scorerId: 'field', heldOut: { fraction: 0.2 } });
export const byId = new Map(records.map((r) => [r.id, r]));
export const hyper = {
  learningRate: 3e-3,
  epochsPerStage: 2,
  perDeviceTrainBatchSize: 2,
  gradientAccumulationSteps: 2,
  warmupRatio: 0.25,
  bf16: false,
  loggingSteps: 1,
  seed: 7,
};
export const stages = plan.phases.map((p, i) => ({ stage: i + 1, phase: p.index }));

/** The tiny GPT-2 both sides train: micro preset, BPE tokenizer, context 320, weights far from init. */
export interface TinyModel {
  config: GptConfig;
  tokenizer: BpeTokenizer;
  params: GptParams;
}

export async function tinyModel(): Promise<TinyModel> {
  await setNodeBackend('cpu');
  const tok = tinyTokenizerFiles();
  const tokenizer = bpeFromTokenizerJson(tok.files['tokenizer.json']);
  const config = gptConfigFromPreset('micro', tokenizer.vocabSize, { contextLength: 320 });
  const params = initGptParams(config, 11);
  randomizeGptParams(params, 12, { embeddings: 0.5, weights: 0.15 });
  return { config, tokenizer, params };
}

/** Exports `model` into `dir/base-model` and the recipe (with `options`) into `dir`. */
export async function writeRecipe(dir: string, model: TinyModel, options: ScaleOutOptions = {}): Promise<void> {
  const exported = exportHfModel({
    config: model.config,
    params: await readParams(model.params),
    tokenizer: model.tokenizer,
  });
  const modelDir = join(dir, 'base-model');
  mkdirSync(modelDir);
  for (const [name, content] of Object.entries(exported.files)) writeFileSync(join(modelDir, name), content);
  writeTree(dir, scaleOutRecipe(plan, records, scores, { baseName: 'demo', baseModel: modelDir, hyper, ...options }));
}

/** Runs trl/train_phased.py of the recipe in `dir` with `args`; returns the seconds it took. */
export function runTrlScript(dir: string, args: string[]): number {
  const started = Date.now();
  const r = spawnSync(pythonPath(), [join(dir, TRL_DIR, TRL_SCRIPT), ...args], {
    cwd: join(dir, TRL_DIR),
    encoding: 'utf8',
    timeout: 600_000,
    maxBuffer: 64 << 20,
    env: {
      ...process.env,
      PYTHONHASHSEED: '0',
      TOKENIZERS_PARALLELISM: 'false',
      OMP_NUM_THREADS: '2',
      HF_HUB_OFFLINE: '1',
    },
  });
  if (r.error) throw r.error;
  if (r.status !== 0)
    throw new Error(`train_phased.py ${args.join(' ')} exited with ${r.status}:\n${r.stderr.slice(-6000)}`);
  console.log(
    r.stdout
      .split('\n')
      .filter((l) => l.startsWith('=='))
      .join('\n'),
  );
  return (Date.now() - started) / 1000;
}

export function stageDir(
  dir: string,
  arm: 'phased' | 'one-off',
  stage?: { stage: number; phase: number },
  saves = 'saves',
): string {
  return join(dir, TRL_DIR, saves, arm === 'phased' ? `phased/stage-${stage!.stage}_phase-${stage!.phase}` : 'one-off');
}

export function readLog(dir: string): StageLog {
  return JSON.parse(readFileSync(join(dir, TRL_LOG_FILE), 'utf8')) as StageLog;
}

/** A saved folder's files as the studio's importers take them: safetensors as bytes, JSON and text as strings. */
export function readFolder(dir: string): Record<string, Uint8Array | string> {
  const files: Record<string, Uint8Array | string> = {};
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.safetensors')) files[name] = new Uint8Array(readFileSync(join(dir, name)));
    else if (name.endsWith('.json') || name.endsWith('.txt')) files[name] = readFileSync(join(dir, name), 'utf8');
  }
  return files;
}

export interface TrainedRow {
  ids: number[];
  trained: boolean[];
}

/** The rows TRL trained on in its first step, from the stage log. */
export function firstStepRows(log: StageLog): TrainedRow[] {
  return log.first_step_batch.input_ids.map((ids, b) => ({
    ids,
    trained: log.first_step_batch.labels[b]!.map((l) => l !== -100),
  }));
}

/** The studio's loss (gptLoss) on rows given as ids + a per-token trained mask: the mean over all trained tokens. */
export function studioLossOn(
  model: { config: GptConfig; tokenizer: Pick<Tokenizer, 'padId'> },
  params: GptParams,
  rows: TrainedRow[],
): number {
  const { config, tokenizer } = model;
  const T = Math.max(...rows.map((r) => r.ids.length)) - 1;
  const ids = new Int32Array(rows.length * T).fill(tokenizer.padId);
  const targets = new Int32Array(rows.length * T).fill(tokenizer.padId);
  const mask = new Float32Array(rows.length * T);
  rows.forEach((r, b) => {
    for (let t = 0; t + 1 < r.ids.length; t++) {
      ids[b * T + t] = r.ids[t]!;
      targets[b * T + t] = r.ids[t + 1]!;
      mask[b * T + t] = r.trained[t + 1] ? 1 : 0;
    }
  });
  return tf.tidy(
    () =>
      gptLoss(
        config,
        params,
        tf.tensor2d(ids, [rows.length, T], 'int32'),
        tf.tensor2d(targets, [rows.length, T], 'int32'),
        tf.tensor2d(mask, [rows.length, T]),
      ).dataSync()[0]!,
  );
}

/** The studio's own rows for records: its template, tokenizer and loss mask (text/batches.ts, text/masks.ts). */
export function studioRows(
  model: { config: GptConfig; tokenizer: FormatTokenizer },
  ids: string[],
  format: RecordFormat = 'paper',
): TrainedRow[] {
  return pretokenize(
    ids.map((id) => byId.get(id)!),
    format,
    model.tokenizer,
    model.config.contextLength,
  ).examples.map((e) => {
    const trained = Array.from(e.ids, () => false);
    for (const [start, end] of scoredRanges(e)) for (let t = start; t < end; t++) trained[t + 1] = true;
    return { ids: Array.from(e.ids), trained };
  });
}

/** The held-out records with their bucket (the phase they came from), as the recipe's evaluation groups them. */
export function heldOutByBucket() {
  return plan.phases.flatMap((p) => p.heldOutIds.map((id) => ({ record: byId.get(id)!, bucket: String(p.index) })));
}
