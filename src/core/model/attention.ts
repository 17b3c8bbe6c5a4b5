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
import { hasQkvBias, headWidth, type GptConfig } from './config';
import { linear } from './layers';
import type { GptParams } from './params';

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

/** Keys and values of one layer, [B, H, t, D] (a type alias, so tf.tidy accepts it inside what it returns). */
export type LayerCache = { k: tf.Tensor4D; v: tf.Tensor4D };

/**
 * What every layer of one forward shares: T new columns in each of B rows, and their mask: 'causal' for the training
 * forward (no past: each column sees itself and the earlier ones), else an additive tensor that broadcasts onto the
 * scores [B, H, T, keys] (keys: the cached columns, then the new ones).
 */
export interface Columns {
  B: number;
  T: number;
  mask: AttentionMask;
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
  { B, T, mask }: Columns,
  past: LayerCache | null,
): { y: tf.Tensor2D; cache: LayerCache } {
  const C = config.width;
  const H = config.heads;
  const D = headWidth(config);
  const qkv = linear(params, `h.${i}.attn.c_attn`, x, hasQkvBias(config));
  // c_attn's output columns are [q | k | v], each split into heads, so [B, T, 3·H, D] → [B, 3·H, T, D] puts every
  // head of q, then of k, then of v next to the batch. One rank-4 transpose: wasm's rank-5 transpose is ~15× slower.
  const heads = tf.transpose(tf.reshape(qkv, [B, T, 3 * H, D]), [0, 2, 1, 3]);
  const [q, kNew, vNew] = tf.split(heads, 3, 1) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
  const scale = config.attentionScale === 'sqrt' ? 1 / Math.sqrt(D) : 1;
  const k = past === null ? kNew : (tf.concat([past.k, kNew], 2) as tf.Tensor4D);
  const v = past === null ? vNew : (tf.concat([past.v, vNew], 2) as tf.Tensor4D);
  const y = tf.matMul(attentionWeights(q, k, scale, mask), v); // [B, H, T, D]
  const merged = tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [B * T, C]) as tf.Tensor2D;
  return { y: linear(params, `h.${i}.attn.c_proj`, merged), cache: { k, v } };
}
