/**
 * Causal self-attention, the only place the model attends: the training forward runs it over all T columns at
 * once with no cache; cached generation runs it over the prompt's columns (prefill), then over one new column per
 * step that attends to the keys and values the earlier columns left in the cache.
 *
 * The training forward's mask is 'causal' (its op, ops/attentionWeights.ts, adds the cached causal mask or runs a
 * kernel that applies it). The masks of cached generation are built here: additive, broadcast onto the scores
 * [B, H, T, keys], 0 where a query may look, MASKED where not.
 */
import * as tf from '@tensorflow/tfjs-core';
import { attentionWeights, type AttentionMask } from '../ops/attentionWeights';
import { causalMaskValues, disposeCausalMasks, MASKED } from '../ops/causalMask';
import { rope } from '../ops/rope';
import { architecture, type Architecture, type GptConfig } from './config';
import { linear, rmsNorm } from './layers';
import type { GptParams } from './params';
import type { RopeTables } from './rotary';

// ───────────────────────────── masks ─────────────────────────────

export { causalMask } from '../ops/causalMask';

/** Frees the cached training masks (e.g. before switching or removing a backend). */
export function disposeGptCaches(): void {
  disposeCausalMasks();
}

/**
 * [B, width] key padding for left-padded rows: MASKED on row b's first `pads[b]` columns, 0 elsewhere. Made once
 * for every column a batch of generation will have; each forward takes the columns it has (`cachedMask`).
 */
export function keyPaddingMask(pads: readonly number[], width: number): tf.Tensor2D {
  const values = new Float32Array(pads.length * width);
  pads.forEach((pad, b) => values.fill(MASKED, b * width, b * width + pad));
  return tf.tensor2d(values, [pads.length, width]);
}

/**
 * The mask of T new columns after `past` cached ones, [B, 1, T or 1, past + T]: causal among the new columns (a
 * single new column sees every key, so it needs none) plus each row's padding, as keys. Not cached: prompt lengths
 * vary from batch to batch.
 */
export function cachedMask(T: number, past: number, keyPadding: tf.Tensor2D): tf.Tensor {
  const [B, width] = keyPadding.shape;
  const keys = past + T;
  if (keys > width) throw new Error(`cachedMask: ${keys} columns but the key padding covers ${width}.`);
  const padding = tf.reshape(tf.slice(keyPadding, [0, 0], [B, keys]), [B, 1, 1, keys]);
  return T === 1 ? padding : tf.add(tf.tensor2d(causalMaskValues(T, past), [T, keys]), padding);
}

// ───────────────────────────── attention ─────────────────────────────

/**
 * Keys and values of one layer, [B, KV, t, D]: grouped attention keeps its kvHeads heads un-repeated (a type alias,
 * so tf.tidy accepts it inside what it returns).
 */
export type LayerCache = { k: tf.Tensor4D; v: tf.Tensor4D };

/**
 * What every layer of one forward shares: T new columns in each of B rows, and their mask: 'causal' for the training
 * forward (no past: each column sees itself and the earlier ones), else an additive tensor that broadcasts onto the
 * scores [B, H, T, keys] (keys: the cached columns, then the new ones). `rope`: the rotary tables of the new
 * columns' positions (absent or null with learned positions).
 */
export interface Columns {
  B: number;
  T: number;
  mask: AttentionMask;
  rope?: RopeTables | null;
}

/** x [B·T, n·D] → [B, n, T, D]: the heads next to the batch. */
function splitHeads(x: tf.Tensor2D, B: number, T: number, n: number, D: number): tf.Tensor4D {
  return tf.transpose(tf.reshape(x, [B, T, n, D]), [0, 2, 1, 3]);
}

/** Qwen3's q_norm / k_norm: RMSNorm over each head's D channels of x [B·T, n·D]. */
function headNorm(params: GptParams, name: string, x: tf.Tensor2D, D: number, eps: number): tf.Tensor2D {
  const [N, width] = x.shape;
  return tf.reshape(rmsNorm(params, name, tf.reshape(x, [(N * width) / D, D]) as tf.Tensor2D, eps), [N, width]);
}

/** q, k, v of the new columns, [B, H or KV, T, D], from the fused c_attn (GPT-2) or q_proj, k_proj, v_proj. */
function projectQkv(
  config: GptConfig,
  arch: Architecture,
  params: GptParams,
  i: number,
  x: tf.Tensor2D,
  B: number,
  T: number,
): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] {
  const H = config.heads;
  const D = arch.headDim;
  if (arch.attention === 'fused') {
    const qkv = linear(params, `h.${i}.attn.c_attn`, x, arch.qkvBias);
    // c_attn's output columns are [q | k | v], each split into heads, so [B, T, 3·H, D] → [B, 3·H, T, D] puts every
    // head of q, then of k, then of v next to the batch. One rank-4 transpose: wasm's rank-5 transpose is ~15× slower.
    return tf.split(splitHeads(qkv, B, T, 3 * H, D), 3, 1) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
  }
  const p = `h.${i}.attn.`;
  let q = linear(params, `${p}q_proj`, x, arch.qkvBias);
  let k = linear(params, `${p}k_proj`, x, arch.qkvBias);
  const v = linear(params, `${p}v_proj`, x, arch.qkvBias);
  if (arch.qkNorm) {
    q = headNorm(params, `${p}q_norm`, q, D, config.layerNormEps);
    k = headNorm(params, `${p}k_norm`, k, D, config.layerNormEps);
  }
  return [splitHeads(q, B, T, H, D), splitHeads(k, B, T, arch.kvHeads, D), splitHeads(v, B, T, arch.kvHeads, D)];
}

/** Keys or values [B, KV, t, D] repeated to the H query heads, [B, H, t, D]: query head h reads KV head h // (H / KV). */
function repeatKv(x: tf.Tensor4D, H: number): tf.Tensor4D {
  const KV = x.shape[1];
  if (KV === H) return x;
  const heads = Int32Array.from({ length: H }, (_, h) => Math.floor(h / (H / KV)));
  return tf.gather(x, tf.tensor1d(heads, 'int32'), 1);
}

/**
 * Layer `i`'s attention over the new columns, x: [B·T, C] → [B·T, C]. `past` holds the layer's keys and values of
 * earlier columns (null: there are none). Also returns the layer's keys and values of every column so far, past
 * ones first (new tensors when `past` is given; the caller disposes the old ones).
 */
export function causalSelfAttention(
  config: GptConfig,
  params: GptParams,
  i: number,
  x: tf.Tensor2D,
  { B, T, mask, rope: tables }: Columns,
  past: LayerCache | null,
): { y: tf.Tensor2D; cache: LayerCache } {
  const arch = architecture(config);
  const H = config.heads;
  const D = arch.headDim;
  const [qRaw, kRaw, vNew] = projectQkv(config, arch, params, i, x, B, T);
  const rotated = (t: tf.Tensor4D) => (tables == null ? t : rope(t, tables.cos, tables.sin));
  const q = rotated(qRaw);
  const kNew = rotated(kRaw);
  const scale = config.attentionScale === 'sqrt' ? 1 / Math.sqrt(D) : 1;
  const k = past === null ? kNew : (tf.concat([past.k, kNew], 2) as tf.Tensor4D);
  const v = past === null ? vNew : (tf.concat([past.v, vNew], 2) as tf.Tensor4D);
  const y = tf.matMul(attentionWeights(q, repeatKv(k, H), scale, mask), repeatKv(v, H)); // [B, H, T, D]
  const merged = tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [B * T, H * D]) as tf.Tensor2D;
  const out = arch.attention === 'fused' ? 'c_proj' : 'o_proj';
  return { y: linear(params, `h.${i}.attn.${out}`, merged, arch.attnOutBias), cache: { k, v } };
}
