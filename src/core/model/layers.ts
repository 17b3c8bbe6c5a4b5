// The GPT's building blocks (read after params.ts, before attention.ts), each reading its parameters by GPT-2's
// name. Every projection of the model is a `linear`, so a LoRA adapter or another matmul kernel has one place to go.
import * as tf from '@tensorflow/tfjs-core';
import { fusedBiasGelu, fusedGelu, fusedKernelsActive, fusedLayerNorm, fusedLinear } from '../kernels/webgpu/fusedOps';
import { loraDelta } from './lora';
import { param, type GptParams } from './params';

/** LayerNorm `name` (e.g. `h.0.ln_1`) over x: [N, C]; statistics over the channels, biased variance as in PyTorch. */
export function layerNorm(params: GptParams, name: string, x: tf.Tensor2D, eps: number): tf.Tensor2D {
  const weight = param(params, `${name}.weight`);
  const bias = param(params, `${name}.bias`);
  if (fusedKernelsActive()) return fusedLayerNorm(x, weight, bias, eps);
  const mean = tf.mean(x, -1, true);
  const centred = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centred), -1, true);
  return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, eps))), weight), bias);
}

/**
 * GPT-2's Conv1D `name` (e.g. `h.0.attn.c_attn`): x [N, in] · weight [in, out] + bias, one fused kernel where the
 * backend has it; `withBias: false` for a layer the architecture gives no bias (GPT-Neo's q/k/v).
 * Plus its LoRA adapter's term when it has one (lora.ts).
 */
export function linear(params: GptParams, name: string, x: tf.Tensor2D, withBias = true): tf.Tensor2D {
  const weight = param(params, `${name}.weight`) as tf.Tensor2D;
  const bias = withBias ? param(params, `${name}.bias`) : null;
  const y =
    bias === null
      ? (tf.matMul(x, weight) as tf.Tensor2D)
      : fusedKernelsActive()
        ? fusedLinear(x, weight, bias)
        : (tf.fused.matMul({ a: x, b: weight, bias }) as tf.Tensor2D);
  const adapter = loraDelta(params, name, x);
  return adapter === null ? y : tf.add(y, adapter);
}

const GELU_C = Math.sqrt(2 / Math.PI);

/** GPT-2's `gelu_new` (the tanh approximation), which both GPT-2 and GPT-Neo checkpoints were trained with. */
export function gelu(x: tf.Tensor2D): tf.Tensor2D {
  if (fusedKernelsActive()) return fusedGelu(x);
  const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), GELU_C);
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

/** gelu(linear(x)) — the MLP's up-projection; on webgpu's fused path the bias add and GELU are one kernel. */
export function linearGelu(params: GptParams, name: string, x: tf.Tensor2D): tf.Tensor2D {
  if (!fusedKernelsActive()) return gelu(linear(params, name, x));
  return fusedBiasGelu(linear(params, name, x, false), param(params, `${name}.bias`));
}
