/**
 * LayerNorm over the last axis of x [N, C], with γ and β [C]: statistics per row, biased variance as in PyTorch.
 * Fused: one kernel forward; backward the row statistics (recomputed from x), dx, and dγ, dβ as column sums.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS as K } from '../kernels/fusedKernelNames';
import { fusableOp, registerKernelGradient, runKernel } from './dispatch';

// dx, dγ and dβ share the row statistics, recomputed from x (cheaper than saving a second output). Computed outside
// the per-input closures, so they live until the backward pass ends whichever inputs need a gradient.
registerKernelGradient(K.layerNorm, { inputs: ['x', 'gamma'] }, (dy, [x, gamma], attrs) => {
  const stats = runKernel(K.layerNormStats, { x }, { eps: attrs.eps! }); // the forward call always passes eps
  return {
    x: () => runKernel(K.layerNormGradX, { x, stats, gamma, dy }),
    gamma: () => runKernel(K.layerNormGradParams, { x, stats, dy }, { part: 0 }),
    beta: () => runKernel(K.layerNormGradParams, { x, stats, dy }, { part: 1 }),
  };
});

export const layerNorm = fusableOp([K.layerNorm, K.layerNormStats, K.layerNormGradX, K.layerNormGradParams], {
  composite: (x: tf.Tensor2D, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor2D => {
    const mean = tf.mean(x, -1, true);
    const centred = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centred), -1, true);
    return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, eps))), gamma), beta);
  },
  fused: (x: tf.Tensor2D, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor2D =>
    runKernel(K.layerNorm, { x, gamma, beta }, { eps }) as tf.Tensor2D,
});
