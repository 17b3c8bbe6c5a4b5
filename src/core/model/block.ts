/**
 * The MLP and the pre-norm transformer block: x + attn(norm_1(x)), then + mlp(norm_2(·)). The block passes the
 * attention's key/value cache through, so training (no cache) and cached generation run the same code.
 */
import * as tf from '@tensorflow/tfjs-core';
import { residualAdd } from '../ops/residualAdd';
import { swiglu } from '../ops/swiglu';
import { causalSelfAttention, type Columns, type LayerCache } from './attention';
import { architecture, type Architecture, type GptConfig } from './config';
import { linear, linearGelu, norm } from './layers';
import type { GptParams } from './params';

/**
 * Layer `i`'s MLP, [N, C] → [N, C]: GPT-2's c_fc, gelu_new, c_proj; or Llama's down_proj(silu(gate_proj(x)) ·
 * up_proj(x)).
 */
export function mlp(arch: Architecture, params: GptParams, i: number, x: tf.Tensor2D): tf.Tensor2D {
  const p = `h.${i}.mlp.`;
  const bias = arch.mlpBias;
  if (arch.mlp === 'swiglu') {
    const gated = swiglu(linear(params, `${p}gate_proj`, x, bias), linear(params, `${p}up_proj`, x, bias));
    return linear(params, `${p}down_proj`, gated, bias);
  }
  return linear(params, `${p}c_proj`, linearGelu(params, `${p}c_fc`, x, bias), bias);
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
  const arch = architecture(config);
  const eps = config.layerNormEps;
  const a = norm(arch.norm, params, `h.${i}.ln_1`, x, eps);
  const attention = causalSelfAttention(config, params, i, a, columns, past);
  const x1 = residualAdd(x, attention.y);
  const m = norm(arch.norm, params, `h.${i}.ln_2`, x1, eps);
  return { x: residualAdd(x1, mlp(arch, params, i, m)), cache: attention.cache };
}
