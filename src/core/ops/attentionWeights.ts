/**
 * The attention's weights: softmax(scale·q·kᵀ + mask) over the keys, for q [B, H, T, D] and k [B, H, keys, D].
 * The mask is 'causal' in the training forward (T columns and no past: column t sees the keys 0 … t), or an additive
 * tensor that broadcasts onto the scores [B, H, T, keys] (cached generation: causal among the new columns plus each
 * row's padding).
 * Composite: q scaled (T·D values, cheaper than scaling the T·keys scores, the same result), the product, the mask
 * added (the causal one from causalMask.ts's cache), softmax. Fused, for the causal mask: the product, then the scale,
 * the mask and the softmax in one kernel, and one kernel back.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS as K } from '../kernels/fusedKernelNames';
import { causalMask } from './causalMask';
import { fusableOp, registerKernelGradient, runKernel } from './dispatch';

export type AttentionMask = 'causal' | tf.Tensor;

function maskedWeights(q: tf.Tensor4D, k: tf.Tensor4D, scale: number, mask: tf.Tensor): tf.Tensor4D {
  const scores = tf.matMul(scale === 1 ? q : tf.mul(q, scale), k, false, true);
  return tf.softmax(tf.add(scores, mask)) as tf.Tensor4D;
}

// `scale` is always set: causalSoftmaxKernel passes it (default 1).
registerKernelGradient(K.causalSoftmax, { output: true }, (dy, [p], attrs) => ({
  scores: () => runKernel(K.softmaxGrad, { p, dp: dy }, { scale: attrs.scale! }),
}));

/**
 * softmax(scale · scores) over the last axis with the causal mask, one kernel: row q of each [T, T] block sees keys
 * 0 … q (the others get probability 0). scores: [..., T, T]. The fused path's kernel, for its test.
 */
export function causalSoftmaxKernel(scores: tf.Tensor, scale = 1): tf.Tensor {
  return runKernel(K.causalSoftmax, { scores }, { scale });
}

/** The weights under the causal mask of T columns with no past. */
export const causalAttentionWeights = fusableOp([K.causalSoftmax, K.softmaxGrad], {
  composite: (q: tf.Tensor4D, k: tf.Tensor4D, scale: number): tf.Tensor4D =>
    maskedWeights(q, k, scale, causalMask(q.shape[2])),
  fused: (q: tf.Tensor4D, k: tf.Tensor4D, scale: number): tf.Tensor4D =>
    causalSoftmaxKernel(tf.matMul(q, k, false, true), scale) as tf.Tensor4D,
});

export function attentionWeights(q: tf.Tensor4D, k: tf.Tensor4D, scale: number, mask: AttentionMask): tf.Tensor4D {
  return mask === 'causal' ? causalAttentionWeights(q, k, scale) : maskedWeights(q, k, scale, mask);
}
