/**
 * The training step every loop runs — the runner, the pretraining of the base model, the step bench, the backend
 * agreement check and the memory measurement — and the one place its optimizer is made from hyper-parameters.
 *
 * A step is three phases, each a function the memory measurement (stepMemory.ts) can profile on its own:
 *   forward    `batchLoss`: the model's masked next-token loss of one batch
 *   backward   `lossAndGrads` (optimizer.ts): forward + `variableGrads` of the trainable parameters
 *   update     `AdamW.apply` = `prepare` (global norm, clip scale, guard) then `update` (per-group AdamW)
 * `trainOnBatch` runs them in that order (with gradient accumulation when asked); `trainStep` is the runner's step
 * over a plan's rows, one `trainOnBatch` per micro-batch.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GptConfig } from '../model/config';
import { decayMask, gptLoss, type GptParams } from '../model/gpt';
import type { EmbeddingGradPath } from '../ops/embedding';
import { accumulationWeights } from './accumulationWeights';
import { scoredTokens } from '../text/masks';
import type { BatchBuilder, HostBatch, PackedExample } from '../text/batches';
import type { LossWindow } from './lossWindow';
import { AdamW, lossAndGrads, type AdamWOptions, type GradAccumulator } from './optimizer';
import type { StagePlan } from './stagePlan';

/** The optimizer's share of the hyper-parameters (`Hyper`, `AgreementHyper` and the pretraining options carry it). */
export type AdamWHyper = Pick<AdamWOptions, 'beta1' | 'beta2' | 'eps' | 'weightDecay' | 'clipNorm'>;

/**
 * The AdamW every loop trains with: the given β, ε, decay and clip, weight decay on the matrices only (`decayMask`),
 * the non-finite guard on. Made inside a `tf.tidy`, so no temporary handle of the construction outlives it.
 */
export function createAdamW(trainable: GptParams, hyper: AdamWHyper): AdamW {
  const { beta1, beta2, eps, weightDecay, clipNorm } = hyper;
  let opt: AdamW | undefined;
  tf.tidy(() => {
    opt = new AdamW(trainable, { beta1, beta2, eps, weightDecay, clipNorm, decay: decayMask, guardNonFinite: true });
  });
  return opt!;
}

/** One batch on the device: [B, T] ids, next-token targets and the loss mask (1 = the position counts). */
export interface StepBatch {
  ids: tf.Tensor2D;
  targets: tf.Tensor2D;
  mask: tf.Tensor2D;
}

/** Uploads a host batch of [B, T] (call inside the step's `tf.tidy`, as every loop does each step). */
export function uploadBatch(hb: Pick<HostBatch, 'ids' | 'targets' | 'mask'>, B: number, T: number): StepBatch {
  const shape: [number, number] = [B, T];
  return {
    ids: tf.tensor2d(hb.ids, shape, 'int32'),
    targets: tf.tensor2d(hb.targets, shape, 'int32'),
    mask: tf.tensor2d(hb.mask, shape, 'float32'),
  };
}

export interface StepModel {
  config: GptConfig;
  params: GptParams;
}

export interface BatchLossOptions {
  /** The route of the token-embedding gradient (default: what training uses on the backend). */
  embeddingGrad?: EmbeddingGradPath;
  /** Another loss in place of gptLoss (the bench's reference: tfjs's stock one-hot cross-entropy). */
  lossOf?: (model: StepModel, batch: StepBatch) => tf.Scalar;
  /** Scales the loss: a micro-batch's token weight under accumulation. 1 (the default) adds no kernel. */
  weight?: number;
}

/** The forward phase: the loss of `batch`, as a function for `lossAndGrads`. */
export function batchLoss(model: StepModel, batch: StepBatch, o: BatchLossOptions = {}): () => tf.Scalar {
  const loss = o.lossOf
    ? () => o.lossOf!(model, batch)
    : () =>
        gptLoss(model.config, model.params, batch.ids, batch.targets, batch.mask, { embeddingGrad: o.embeddingGrad });
  const weight = o.weight ?? 1;
  return weight === 1 ? loss : () => tf.mul(loss(), weight) as tf.Scalar;
}

/** What a step trains: the model, the parameters that get gradients, their optimizer and its accumulator. */
export interface Trainee {
  model: StepModel;
  /** The parameters that get gradients (all of `model.params` but under LoRA); the optimizer holds exactly these. */
  trainable?: GptParams;
  opt: AdamW;
  /** Sums the micro-batches of a step under gradient accumulation; null or absent without. */
  acc?: GradAccumulator | null;
}

export interface BatchStepOptions extends BatchLossOptions {
  /** false: an earlier micro-batch of the step, its gradients added to `acc`, nothing updated (default true). */
  update?: boolean;
  /** Execute every kernel, change nothing (the compile warm-up). */
  dryRun?: boolean;
  /** Sees (and may replace) the step's gradients before they are applied: the agreement check's test hook. */
  mapGrads?: (grads: Record<string, tf.Tensor>) => Record<string, tf.Tensor> | void;
}

/** The step's loss (the mean over its micro-batches), pre-clip gradient norm and the gradients it applied. */
export interface BatchStepResult {
  loss: tf.Scalar;
  norm: tf.Scalar;
  grads: Record<string, tf.Tensor>;
}

/**
 * One batch through the step: forward + `variableGrads`, then (the last micro-batch) clip + AdamW over the
 * accumulated gradients. Synchronous, no readback; call it inside a `tf.tidy` and return what is kept.
 * Returns null for a micro-batch that only accumulated.
 */
export function trainOnBatch(
  t: Trainee,
  batch: StepBatch,
  lr: number,
  o: BatchStepOptions = {},
): BatchStepResult | null {
  const { value, grads } = lossAndGrads(t.trainable ?? t.model.params, batchLoss(t.model, batch, o));
  if (o.update === false) {
    if (!t.acc) throw new Error('trainOnBatch: a micro-batch without an update needs a gradient accumulator.');
    t.acc.add(grads, value);
    return null;
  }
  let g = o.mapGrads?.(grads) ?? grads;
  let loss = value;
  if (t.acc && t.acc.count > 0) ({ grads: g, loss } = t.acc.take({ grads: g, loss: value }));
  const norm = t.opt.apply(g, lr, { loss, dryRun: o.dryRun });
  return { loss, norm, grads: g };
}

/** What the runner's step reads and updates: a trainee with its accumulator, and the reused batch buffers. */
export interface StepParts extends Trainee {
  /** null when there is no gradient accumulation. */
  acc: GradAccumulator | null;
  builder: BatchBuilder;
}

/**
 * One optimizer step over the plan's order positions [from, to), synchronous: micro-batches of the builder's [B, T],
 * each one `tf.tidy` around `trainOnBatch`; the last also clips, applies AdamW and pushes the step's loss and
 * gradient norm into `window`. Nothing is read back.
 * `window: null` is a dry run (the warm-up): every kernel runs, nothing changes, and the norm is returned to be read.
 * With accumulation, micro-batches are weighted by their masked tokens (`accumulationWeights`): the step's loss and
 * gradients are those of one batch holding all its rows.
 */
export function trainStep(
  parts: StepParts,
  plan: StagePlan,
  [from, to]: [number, number],
  lr: number,
  window: LossWindow | null,
): { tokens: number; norm: tf.Scalar | null } {
  const { batchSize: B, contextLength: T } = parts.builder;
  const dryRun = window === null;
  let tokens = 0;
  let norm: tf.Scalar | null = null;
  const micro: PackedExample[][] = [];
  for (let a = from; a < to; a += B) {
    const rows: PackedExample[] = [];
    for (let i = a; i < Math.min(to, a + B); i++) rows.push(plan.examples[plan.order[i]!]!); // order: a permutation of the examples' indices
    micro.push(rows);
  }
  const weights = accumulationWeights(micro.map((rows) => rows.reduce((n, r) => n + scoredTokens(r), 0)));
  for (const [m, rows] of micro.entries()) {
    const hb = parts.builder.build(rows);
    tokens += hb.tokens;
    const update = m === micro.length - 1;
    const out = tf.tidy((): tf.Scalar | undefined => {
      const step = trainOnBatch(parts, uploadBatch(hb, B, T), lr, { weight: weights[m]!, update, dryRun });
      if (!step) return undefined;
      if (dryRun) return step.norm;
      window.push(step.loss, step.norm);
      return undefined;
    });
    if (out) norm = out;
  }
  return { tokens, norm };
}
