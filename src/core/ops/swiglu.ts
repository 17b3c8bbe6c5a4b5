/**
 * The gated MLP's activation, silu(gate) · up over gate, up [N, F] (Llama's and Qwen's `act_fn(gate_proj(x)) ·
 * up_proj(x)` with hidden_act "silu"), silu(g) = g · σ(g).
 *
 * Fused kernels (kernels/webgpu): FusedSwiglu {gate, up} → y; FusedSwigluGrad {gate, up, dy} with attr `part`
 * (0: dgate = dy · up · σ(g) · (1 + g · (1 − σ(g))), 1: dup = dy · silu(g)).
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS as K } from '../kernels/fusedKernelNames';
import { fusableOp, registerKernelGradient, runKernel } from './dispatch';

registerKernelGradient(K.swiglu, { inputs: ['gate', 'up'] }, (dy, [gate, up]) => ({
  gate: () => runKernel(K.swigluGrad, { gate, up, dy }, { part: 0 }),
  up: () => runKernel(K.swigluGrad, { gate, up, dy }, { part: 1 }),
}));

export const swiglu = fusableOp([K.swiglu, K.swigluGrad], {
  composite: (gate: tf.Tensor2D, up: tf.Tensor2D): tf.Tensor2D => tf.mul(tf.mul(gate, tf.sigmoid(gate)), up),
  fused: (gate: tf.Tensor2D, up: tf.Tensor2D): tf.Tensor2D => {
    if (gate.shape.join() !== up.shape.join())
      throw new Error(`swiglu: gate [${gate.shape}] and up [${up.shape}] differ.`);
    return runKernel(K.swiglu, { gate, up }) as tf.Tensor2D;
  },
});
