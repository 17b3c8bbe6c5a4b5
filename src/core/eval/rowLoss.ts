/**
 * Masked next-token cross-entropy summed per row: the one quantity every evaluation of a loss reads. Held-out loss
 * per bucket (`heldOutLoss.ts`, the runner's evaluations), a base model's corpus loss and IFD's per-record scores
 * are all sums of these rows divided by their scored tokens.
 *
 *   rowSum[b] = Σ_t mask[b, t] · (logSumExp(logits[b, t, :]) − logits[b, t, targets[b, t]])
 *
 * The per-position cross-entropy is `tokenCrossEntropy`, the forward of the training loss `sparseCrossEntropy`
 * (which returns only the masked mean of a whole batch). Forward only, for evaluation.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GptConfig } from '../model/config';
import { gptLogits, type GptParams } from '../model/gpt';
import { tokenCrossEntropy } from '../ops/sparseCrossEntropy';

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
  const logits = tf.reshape(gptLogits(model.config, model.params, tf.tensor2d(batch.ids, [rows, width], 'int32')), [
    N,
    V,
  ]) as tf.Tensor2D;
  const ce = tokenCrossEntropy(logits, tf.tensor1d(batch.targets, 'int32'));
  return tf.sum(tf.reshape(tf.mul(ce, tf.tensor1d(batch.mask, 'float32')), [rows, width]), 1) as tf.Tensor1D;
}
