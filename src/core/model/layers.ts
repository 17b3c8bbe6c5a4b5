// The GPT's building blocks (read after params.ts, before attention.ts), each reading its parameters by name
// (config.ts gptParamShapes) and calling its op (src/core/ops; each op picks its kernel for the backend). Every projection of the model is
// a `linear`, so a LoRA adapter or another matmul kernel has one place to go.
import * as tf from '@tensorflow/tfjs-core';
import { linearGelu as linearGeluOp } from '../ops/gelu';
import { gelu } from '../ops/gelu';
import { layerNorm as layerNormOp } from '../ops/layerNorm';
import { linear as linearOp } from '../ops/linear';
import { rmsNorm as rmsNormOp } from '../ops/rmsNorm';
import type { NormKind } from './config';
import { loraDelta } from './lora';
import { param, type GptParams } from './params';

/** LayerNorm `name` (e.g. `h.0.ln_1`) over x: [N, C]; statistics over the channels, biased variance as in PyTorch. */
export function layerNorm(params: GptParams, name: string, x: tf.Tensor2D, eps: number): tf.Tensor2D {
  return layerNormOp(x, param(params, `${name}.weight`), param(params, `${name}.bias`), eps);
}

/** RMSNorm `name` over x: [N, C] (Llama, Qwen: weight only, no centring). */
export function rmsNorm(params: GptParams, name: string, x: tf.Tensor2D, eps: number): tf.Tensor2D {
  return rmsNormOp(x, param(params, `${name}.weight`), eps);
}

/** The norm of the architecture's kind: LayerNorm (GPT-2) or RMSNorm (Llama, Qwen). */
export function norm(kind: NormKind, params: GptParams, name: string, x: tf.Tensor2D, eps: number): tf.Tensor2D {
  return kind === 'rmsNorm' ? rmsNorm(params, name, x, eps) : layerNorm(params, name, x, eps);
}

/**
 * GPT-2's Conv1D `name` (e.g. `h.0.attn.c_attn`): x [N, in] · weight [in, out] + bias; `withBias: false` for a layer
 * the architecture gives no bias (GPT-Neo's q/k/v). Plus its LoRA adapter's term when it has one (lora.ts).
 */
export function linear(params: GptParams, name: string, x: tf.Tensor2D, withBias = true): tf.Tensor2D {
  const weight = param(params, `${name}.weight`) as tf.Tensor2D;
  const y = linearOp(x, weight, withBias ? param(params, `${name}.bias`) : null);
  const adapter = loraDelta(params, name, x);
  return adapter === null ? y : tf.add(y, adapter);
}

/** gelu_new(linear(x)), the MLP's up-projection (with its LoRA adapter's term before the activation). */
export function linearGelu(params: GptParams, name: string, x: tf.Tensor2D, withBias = true): tf.Tensor2D {
  if (!withBias) return gelu(linear(params, name, x, false));
  const weight = param(params, `${name}.weight`) as tf.Tensor2D;
  return linearGeluOp(x, weight, param(params, `${name}.bias`), loraDelta(params, name, x));
}
