// The GPT's elementwise and linear building blocks (read after params.ts, before attention.ts). `linear` is every
// Conv1D of the model, so a LoRA adapter or another matmul kernel has one place to go.
import * as tf from '@tensorflow/tfjs-core';

/** x: [N, C]; statistics over the channels, biased variance as in PyTorch. */
export function layerNorm(x: tf.Tensor2D, weight: tf.Tensor, bias: tf.Tensor, eps: number): tf.Tensor2D {
  const mean = tf.mean(x, -1, true);
  const centred = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centred), -1, true);
  return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, eps))), weight), bias);
}

/** Conv1D as in GPT-2: x [N, in] · W [in, out] + b, one fused kernel where the backend has it. */
export function linear(x: tf.Tensor2D, weight: tf.Tensor, bias: tf.Tensor): tf.Tensor2D {
  return tf.fused.matMul({ a: x, b: weight as tf.Tensor2D, bias }) as tf.Tensor2D;
}

const GELU_C = Math.sqrt(2 / Math.PI);

/** GPT-2's `gelu_new` (the tanh approximation), which both GPT-2 and GPT-Neo checkpoints were trained with. */
export function gelu(x: tf.Tensor2D): tf.Tensor2D {
  const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), GELU_C);
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}
