/**
 * a + b, both of one shape: the block's residual connections. Fused: tfjs's Add kernel with a gradient that saves
 * nothing (Add's own saves both inputs, two clones, and reshapes dy twice; for one shape dy is the gradient of both).
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS as K } from '../kernels/fusedKernelNames';
import { fusableOp, registerKernelGradient, runKernel } from './dispatch';

// `a` takes dy itself (the output's gradient is not needed after this node), `b` a clone, so no two accumulation
// entries share a tensor.
registerKernelGradient(K.residualAdd, {}, (dy) => ({ a: () => dy, b: () => dy.clone() }));

export const residualAdd = fusableOp([K.residualAdd], {
  composite: (a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D => tf.add(a, b),
  fused: (a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D => {
    if (a.shape.join() !== b.shape.join()) throw new Error(`residualAdd: shapes [${a.shape}] and [${b.shape}] differ.`);
    return runKernel(K.residualAdd, { a, b }) as tf.Tensor2D;
  },
});
