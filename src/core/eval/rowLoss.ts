/**
 * Masked next-token cross-entropy summed per row: the one quantity every evaluation of a loss reads. Held-out loss
 * per bucket (`heldOutLoss.ts`, the runner's evaluations), a base model's corpus loss and IFD's per-record scores
 * are all sums of these rows divided by their scored tokens.
 *
 *   rowSum[b] = Σ_t mask[b, t] · (logSumExp(logits[b, t, :]) − logits[b, t, targets[b, t]])
 *
 * The same per-position cross-entropy as `sparseCrossEntropy` (which training uses, and which only returns the
 * masked mean of a whole batch): the label's logit by a 1-D gather, no one-hot. Forward only, for evaluation.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GptConfig } from '../model/config';
import { gptLogits, type GptParams } from '../model/gpt';

export interface LossModel {
  config: GptConfig;
  params: GptParams;
}

/** One [rows, width] batch in flat row-major host arrays (a `HostBatch` is one). */
export interface RowBatch {
  ids: Int32Array;
  targets: Int32Array;
  mask: Float32Array;
}

/** Σ mask · cross-entropy per row: [rows]. Allocation only; call inside a tidy. */
export function rowLossSums(model: LossModel, batch: RowBatch, rows: number, width: number): tf.Tensor1D {
  const V = model.config.vocabSize;
  const N = rows * width;
  const logits = tf.reshape(gptLogits(model.config, model.params, tf.tensor2d(batch.ids, [rows, width], 'int32')), [N, V]) as tf.Tensor2D;
  const flatIndex = tf.add(tf.mul(tf.range(0, N, 1, 'int32'), tf.scalar(V, 'int32')), tf.tensor1d(batch.targets, 'int32'));
  const labelLogit = tf.gather(tf.reshape(logits, [N * V]), flatIndex);
  const ce = tf.sub(tf.logSumExp(logits, 1), labelLogit);
  return tf.sum(tf.reshape(tf.mul(ce, tf.tensor1d(batch.mask, 'float32')), [rows, width]), 1) as tf.Tensor1D;
}
