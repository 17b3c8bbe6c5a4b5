/**
 * GPT-2's `gelu_new` (the tanh approximation), which both GPT-2 and GPT-Neo checkpoints were trained with; the same
 * of x + bias; and the MLP's up-projection gelu(x·W + bias). Fused: one kernel forward, one backward (plus a column
 * sum for the bias).
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS as K } from '../kernels/fusedKernelNames';
import { fusableOp, registerKernelGradient, runKernel } from './dispatch';
import { linear } from './linear';

const GELU_C = Math.sqrt(2 / Math.PI);

function geluComposite(x: tf.Tensor2D): tf.Tensor2D {
  const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), GELU_C);
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

registerKernelGradient(K.gelu, { inputs: ['x'] }, (dy, [x]) => ({ x: () => runKernel(K.geluGrad, { x, dy }) }));

export const gelu = fusableOp([K.gelu, K.geluGrad], {
  composite: geluComposite,
  fused: (x: tf.Tensor2D): tf.Tensor2D => runKernel(K.gelu, { x }) as tf.Tensor2D,
});

// dbias is the column sum of dx (computed once, outside the per-input closures).
registerKernelGradient(K.biasGelu, { inputs: ['x', 'bias'] }, (dy, [x, bias]) => {
  const dx = runKernel(K.biasGeluGrad, { x, bias, dy });
  return { x: () => dx, bias: () => runKernel(K.columnSum, { x: dx }) };
});

/** gelu(x + bias) over x [N, C], bias [C]. */
export const biasGelu = fusableOp([K.biasGelu, K.biasGeluGrad, K.columnSum], {
  composite: (x: tf.Tensor2D, bias: tf.Tensor): tf.Tensor2D => gelu(tf.add(x, bias)),
  fused: (x: tf.Tensor2D, bias: tf.Tensor): tf.Tensor2D => runKernel(K.biasGelu, { x, bias }) as tf.Tensor2D,
});

const plus = (y: tf.Tensor2D, adapter: tf.Tensor2D | null): tf.Tensor2D => (adapter === null ? y : tf.add(y, adapter));

/**
 * gelu(x·weight + bias + adapter), the MLP's up-projection; `adapter` (a LoRA term, or null) joins the product before
 * the activation. Fused: the plain product, then the bias add and GELU in one kernel; composite: the linear op with
 * its bias, then GELU.
 */
export const linearGelu = fusableOp([K.biasGelu, K.biasGeluGrad, K.columnSum], {
  composite: (x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor, adapter: tf.Tensor2D | null): tf.Tensor2D =>
    gelu(plus(linear(x, weight, bias), adapter)),
  fused: (x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor, adapter: tf.Tensor2D | null): tf.Tensor2D =>
    biasGelu.fused(plus(tf.matMul(x, weight), adapter), bias),
});
