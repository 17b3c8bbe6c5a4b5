/**
 * Test support: replaces GPT-2's small init with larger seeded random values, so that every term (LayerNorm gains,
 * biases, attention mixing, the MLP's curvature) moves the outputs by a measurable amount: a check on a near-zero
 * model would pass with whole terms missing. LayerNorm gains 1 + 0.2·N(0, 1), biases 0.2·N(0, 1), embeddings and
 * weights N(0, 1) times the given scales.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mulberry32 } from '../../util/random';
import type { GptParams } from '../params';

export interface RandomScales {
  /** Standard deviation of wte and wpe. */
  embeddings: number;
  /** Standard deviation of the linear weights. */
  weights: number;
}

export function randomizeGptParams(params: GptParams, seed: number, scales: RandomScales): void {
  const next = mulberry32(seed);
  const g = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  for (const [name, v] of Object.entries(params)) {
    const values = Float32Array.from({ length: v.size }, () => {
      if (/ln_(\d|f)\.weight$/.test(name)) return 1 + 0.2 * g();
      if (name.endsWith('.bias')) return 0.2 * g();
      if (name === 'wte' || name === 'wpe') return scales.embeddings * g();
      return scales.weights * g();
    });
    tf.tidy(() => v.assign(tf.tensor(values, v.shape)));
  }
}
