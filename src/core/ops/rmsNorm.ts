/**
 * RMSNorm over the last axis of x [N, C] with weight w [C], as transformers' LlamaRMSNorm (also Qwen's q_norm and
 * k_norm, run over each head's channels as rows): y = x · rsqrt(mean(x²) + eps) · w — no centring, no bias.
 *
 * Fused kernels (kernels/webgpu): FusedRmsNorm {x, weight} → y; FusedRmsNormGradX {x, weight, dy} → dx;
 * FusedRmsNormGradWeight {x, dy} → dw [C] (the column sum of dy · x · rstd). Each recomputes its row's rstd from x.
 * With r = rstd and g = dy · w:  dx = r · (g − x · r² · mean(g · x)).
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS as K } from '../kernels/fusedKernelNames';
import { fusableOp, registerKernelGradient, runKernel } from './dispatch';

registerKernelGradient(K.rmsNorm, { inputs: ['x', 'weight'] }, (dy, [x, weight], attrs) => ({
  x: () => runKernel(K.rmsNormGradX, { x, weight, dy }, { eps: attrs.eps! }),
  weight: () => runKernel(K.rmsNormGradWeight, { x, dy }, { eps: attrs.eps! }),
}));

export const rmsNorm = fusableOp([K.rmsNorm, K.rmsNormGradX, K.rmsNormGradWeight], {
  composite: (x: tf.Tensor2D, weight: tf.Tensor, eps: number): tf.Tensor2D =>
    tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps))), weight),
  fused: (x: tf.Tensor2D, weight: tf.Tensor, eps: number): tf.Tensor2D =>
    runKernel(K.rmsNorm, { x, weight }, { eps }) as tf.Tensor2D,
});
