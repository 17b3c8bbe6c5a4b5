import * as tf from '@tensorflow/tfjs-core';
import type { GptConfig } from '../model/config';
import { gptLoss, type GptParams } from '../model/gpt';
import { accumulationWeights } from './accumulationWeights';
import { scoredTokens } from '../text/masks';
import type { BatchBuilder, HostBatch, PackedExample } from '../text/batches';
import type { LossWindow } from './lossWindow';
import { lossAndGrads, type AdamW, type GradAccumulator } from './optimizer';
import type { StagePlan } from './stagePlan';

/** What a training step reads and updates: the model, its optimizer and the reused batch buffers. */
export interface StepParts {
  model: { config: GptConfig; params: GptParams };
  /** The parameters that get gradients (all of `model.params` but under LoRA); the optimizer holds exactly these. */
  trainable?: GptParams;
  opt: AdamW;
  /** null when there is no gradient accumulation. */
  acc: GradAccumulator | null;
  builder: BatchBuilder;
}

function batchTensors(hb: HostBatch, B: number, T: number): { ids: tf.Tensor2D; targets: tf.Tensor2D; mask: tf.Tensor2D } {
  const shape: [number, number] = [B, T];
  return {
    ids: tf.tensor2d(hb.ids, shape, 'int32'),
    targets: tf.tensor2d(hb.targets, shape, 'int32'),
    mask: tf.tensor2d(hb.mask, shape, 'float32'),
  };
}

/**
 * One optimizer step over the plan's order positions [from, to), synchronous: micro-batches of the builder's [B, T],
 * each one `tf.tidy` around forward + `variableGrads` (+ accumulate); the last also clips, applies AdamW and pushes
 * the step's loss and gradient norm into `window`. Nothing is read back.
 * `window: null` is a dry run (the warm-up): every kernel runs, nothing changes, and the norm is returned to be read.
 * With accumulation, micro-batches are weighted by their masked tokens (`accumulationWeights`): the step's loss and
 * gradients are those of one batch holding all its rows.
 */
export function trainStep(parts: StepParts, plan: StagePlan, [from, to]: [number, number], lr: number, window: LossWindow | null): { tokens: number; norm: tf.Scalar | null } {
  const { model, opt, acc, builder } = parts;
  const { batchSize: B, contextLength: T } = builder;
  const dryRun = window === null;
  let tokens = 0;
  let norm: tf.Scalar | null = null;
  const micro: PackedExample[][] = [];
  for (let a = from; a < to; a += B) {
    const rows: PackedExample[] = [];
    for (let i = a; i < Math.min(to, a + B); i++) rows.push(plan.examples[plan.order[i]]);
    micro.push(rows);
  }
  const weights = accumulationWeights(micro.map((rows) => rows.reduce((n, r) => n + scoredTokens(r), 0)));
  for (let m = 0; m < micro.length; m++) {
    const hb = builder.build(micro[m]);
    const weight = weights[m];
    tokens += hb.tokens;
    const last = m === micro.length - 1;
    const out = tf.tidy((): tf.Scalar | undefined => {
      const { ids, targets, mask } = batchTensors(hb, B, T);
      const microLoss = () => gptLoss(model.config, model.params, ids, targets, mask);
      const { value, grads } = lossAndGrads(parts.trainable ?? model.params, weight === 1 ? microLoss : () => tf.mul(microLoss(), weight) as tf.Scalar);
      if (!last) {
        acc!.add(grads, value);
        return undefined;
      }
      let g = grads;
      let loss = value;
      if (acc && acc.count > 0) ({ grads: g, loss } = acc.take({ grads, loss: value }));
      const n = opt.apply(g, lr, { loss, dryRun });
      if (dryRun) return n;
      window.push(loss, n);
      return undefined;
    });
    if (out) norm = out;
  }
  return { tokens, norm };
}
