/**
 * The causal attention mask, additive: 0 where a query may look, MASKED where not. The training forward's [T, T]
 * mask is built once per (backend, T) and kept; attention.ts builds the masks of cached generation from the same
 * values.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Large enough that exp(score + MASKED) is exactly 0 in float32, small enough to stay finite when added. */
export const MASKED = -1e9;

/** [T, past + T]: new column q (at past + q) sees the keys 0 … past + q. */
export function causalMaskValues(T: number, past: number): Float32Array {
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
  const mask = tf.keep(tf.tensor2d(causalMaskValues(T, 0), [T, T]));
  causalCache.set(key, mask);
  return mask;
}

/** Frees the cached training masks (e.g. before switching or removing a backend). */
export function disposeCausalMasks(): void {
  for (const m of causalCache.values()) m.dispose();
  causalCache.clear();
}
