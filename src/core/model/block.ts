/**
 * The MLP and the pre-LayerNorm transformer block: x + attn(ln_1(x)), then + mlp(ln_2(·)). The block passes the
 * attention's key/value cache through, so training (no cache) and cached generation run the same code.
 */
import * as tf from '@tensorflow/tfjs-core';
import { residualAdd } from '../ops/residualAdd';
import { causalSelfAttention, type Columns, type LayerCache } from './attention';
import type { GptConfig } from './config';
import { layerNorm, linear, linearGelu } from './layers';
import type { GptParams } from './params';

/** Layer `i`'s MLP, [N, C] → [N, C]: Conv1D up to mlpRatio·C, gelu_new, Conv1D back. */
export function mlp(params: GptParams, i: number, x: tf.Tensor2D): tf.Tensor2D {
  return linear(params, `h.${i}.mlp.c_proj`, linearGelu(params, `h.${i}.mlp.c_fc`, x));
}

/** Block `i` over the new columns, x: [B·T, C] → [B·T, C]; `past` and the returned cache as for the attention. */
export function block(
  config: GptConfig,
  params: GptParams,
  i: number,
  x: tf.Tensor2D,
  columns: Columns,
  past: LayerCache | null,
): { x: tf.Tensor2D; cache: LayerCache } {
  const eps = config.layerNormEps;
  const a = layerNorm(params, `h.${i}.ln_1`, x, eps);
  const attention = causalSelfAttention(config, params, i, a, columns, past);
  const x1 = residualAdd(x, attention.y);
  const m = layerNorm(params, `h.${i}.ln_2`, x1, eps);
  return { x: residualAdd(x1, mlp(params, i, m)), cache: attention.cache };
}
