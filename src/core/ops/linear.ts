/**
 * x [N, in] · weight [in, out] + bias [out] (GPT-2's Conv1D), or x · weight where there is no bias. Fused: tfjs's
 * matmul kernel with the bias fused in, called without the fused.matMul op's 3-D reshapes and customGrad, with a 2-D
 * gradient registered here.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS as K } from '../kernels/fusedKernelNames';
import { fusableOp, registerKernelGradient, runKernel } from './dispatch';

registerKernelGradient(K.linear, { inputs: ['a', 'b'] }, (dy, [a, b]) => ({
  a: () => tf.matMul(dy, b, false, true),
  b: () => tf.matMul(a, dy, true, false),
  bias: () => runKernel(K.columnSum, { x: dy }),
}));

export const linear = fusableOp([K.linear, K.columnSum], {
  composite: (x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor | null): tf.Tensor2D =>
    bias === null ? tf.matMul(x, weight) : (tf.fused.matMul({ a: x, b: weight, bias }) as tf.Tensor2D),
  fused: (x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor | null): tf.Tensor2D =>
    bias === null ? tf.matMul(x, weight) : (runKernel(K.linear, { a: x, b: weight, bias }) as tf.Tensor2D),
});
