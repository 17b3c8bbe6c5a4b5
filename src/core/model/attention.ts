/**
 * Causal self-attention, the only place the model attends: the training forward runs it over all T columns at
 * once with no cache; cached generation runs it over the prompt's columns (prefill), then over one new column per
 * step that attends to the keys and values the earlier columns left in the cache.
 *
 * Masks are additive and broadcast onto the scores [B, H, T, keys]: 0 where a query may look, MASKED where not.
 * Every mask is built here.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fusedCausalSoftmax, fusedKernelsActive } from '../kernels/webgpu/fusedOps';
import { hasQkvBias, headWidth, type GptConfig } from './config';
import { linear } from './layers';
import type { GptParams } from './params';

/** Large enough that exp(score + MASKED) is exactly 0 in float32, small enough to stay finite when added. */
const MASKED = -1e9;

// ───────────────────────────── masks ─────────────────────────────

/** [T, past + T]: new column q (at past + q) sees the keys 0 … past + q. */
function causalValues(T: number, past: number): Float32Array {
  const keys = past + T;
  const values = new Float32Array(T * keys);
  for (let q = 0; q < T; q++) values.fill(MASKED, q * keys + past + q + 1, (q + 1) * keys);
  return values;
}

const causalCache = new Map<string, tf.Tensor2D>();

/**
 * The training mask, [T, T], causal. Built once per (backend, T) and kept out of every tidy, so training steps
 * with fixed shapes reuse the same GPU buffer.
 */
export function causalMask(T: number): tf.Tensor2D {
  const key = `${tf.getBackend()}:${T}`;
  const cached = causalCache.get(key);
  if (cached !== undefined && !cached.isDisposed) return cached;
  const mask = tf.keep(tf.tensor2d(causalValues(T, 0), [T, T]));
  causalCache.set(key, mask);
  return mask;
}

/** Frees the cached training masks (e.g. before switching or removing a backend). */
export function disposeGptCaches(): void {
  for (const m of causalCache.values()) m.dispose();
  causalCache.clear();
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
  return T === 1 ? padding : tf.add(tf.tensor2d(causalValues(T, past), [T, keys]), padding);
}

// ───────────────────────────── attention ─────────────────────────────

/** Whether the fused causal softmax applies: webgpu's fused path with the training mask. */
function fusedSoftmaxApplies(mask: tf.Tensor, T: number): boolean {
  return fusedKernelsActive() && mask === causalCache.get(`webgpu:${T}`);
}

/**
 * softmax(scale·scores + mask) over the keys, scores [B, H, T, keys]. The composite path gets scale 1 (it scaled q
 * instead); the fused kernel takes the scale itself, so q needs no multiply of its own there.
 */
function attentionProbs(scores: tf.Tensor4D, mask: tf.Tensor, T: number, scale: number): tf.Tensor4D {
  if (fusedSoftmaxApplies(mask, T)) return fusedCausalSoftmax(scores, scale) as tf.Tensor4D;
  return tf.softmax(tf.add(scale === 1 ? scores : tf.mul(scores, scale), mask)) as tf.Tensor4D;
}

/** Keys and values of one layer, [B, H, t, D] (a type alias, so tf.tidy accepts it inside what it returns). */
export type LayerCache = { k: tf.Tensor4D; v: tf.Tensor4D };

/**
 * What every layer of one forward shares: T new columns in each of B rows, and the additive `mask` that
 * broadcasts onto their scores [B, H, T, keys] (keys: the cached columns, then the new ones).
 */
export interface Columns {
  B: number;
  T: number;
  mask: tf.Tensor;
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
  const [q0, kNew, vNew] = tf.split(heads, 3, 1) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
  // Scaling q (T·D values) is cheaper than scaling the scores (T·keys) and gives the same result; the fused softmax
  // scales the scores inside its kernel for free.
  const scale = config.attentionScale === 'sqrt' ? 1 / Math.sqrt(D) : 1;
  const inSoftmax = fusedSoftmaxApplies(mask, T) ? scale : 1;
  const q = scale === 1 || inSoftmax !== 1 ? q0 : tf.mul(q0, scale);
  const k = past === null ? kNew : (tf.concat([past.k, kNew], 2) as tf.Tensor4D);
  const v = past === null ? vNew : (tf.concat([past.v, vNew], 2) as tf.Tensor4D);
  const y = tf.matMul(attentionProbs(tf.matMul(q, k, false, true), mask, T, inSoftmax), v); // [B, H, T, D]
  const merged = tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [B * T, C]) as tf.Tensor2D;
  return { y: linear(params, `h.${i}.attn.c_proj`, merged), cache: { k, v } };
}
