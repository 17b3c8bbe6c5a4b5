import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import { mulberry32 } from '../util/random';
import { cachedMask, causalMask, disposeGptCaches, keyPaddingMask, type LayerCache } from './attention';
import { block } from './block';
import type { GptConfig } from './config';
import { disposeGptParams, initGptParams } from './params';
import { randomizeGptParams } from './testing/randomParams';

const CONFIG: GptConfig = {
  vocabSize: 13,
  contextLength: 8,
  layers: 2,
  width: 16,
  heads: 4,
  mlpRatio: 4,
  layerNormEps: 1e-5,
  attentionScale: 'sqrt',
};
const B = 2;
const T = 6;
const C = CONFIG.width;

/** Block `layer` run the training way: all T columns at once, causal mask, no cache. */
function uncached(
  params: ReturnType<typeof initGptParams>,
  layer: number,
  x: tf.Tensor2D,
): { x: Float32Array; cache: LayerCache } {
  const out = block(CONFIG, params, layer, x, { B, T, mask: causalMask(T) }, null);
  return { x: out.x.dataSync() as Float32Array, cache: out.cache };
}

/**
 * The same block run the generation way: the columns in chunks (`chunks` sums to T), each chunk attending to the
 * cache the earlier ones left. Returns the outputs of every column, in order, as [B·T, C], and the final cache.
 */
function cached(
  params: ReturnType<typeof initGptParams>,
  layer: number,
  x: tf.Tensor2D,
  chunks: number[],
): { x: Float32Array; cache: LayerCache } {
  const x3 = tf.reshape(x, [B, T, C]);
  const noPadding = keyPaddingMask(new Array<number>(B).fill(0), T);
  let cache: LayerCache | null = null;
  const outs: tf.Tensor[] = [];
  let at = 0;
  for (const n of chunks) {
    const columns = tf.reshape(tf.slice(x3, [0, at, 0], [B, n, C]), [B * n, C]) as tf.Tensor2D;
    const out = block(CONFIG, params, layer, columns, { B, T: n, mask: cachedMask(n, at, noPadding) }, cache);
    outs.push(tf.reshape(out.x, [B, n, C]));
    cache = out.cache;
    at += n;
  }
  return { x: tf.concat(outs, 1).dataSync() as Float32Array, cache: cache! };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

describe('block with a key/value cache', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    it(`gives the hidden states and keys/values of the uncached block, column by column or in chunks (${backend})`, async () => {
      await setNodeBackend(backend);
      disposeGptCaches();
      const before = tf.memory().numTensors;
      const params = initGptParams(CONFIG, 3);
      randomizeGptParams(params, 4, { embeddings: 0.5, weights: 0.35 });
      const next = mulberry32(5);
      tf.tidy(() => {
        const x = tf.tensor2d(
          Float32Array.from({ length: B * T * C }, () => 2 * next() - 1),
          [B * T, C],
        );
        for (const layer of [0, 1]) {
          const full = uncached(params, layer, x);
          // The outputs must differ from the inputs by much more than the tolerance, or the check proves nothing.
          expect(maxDiff(full.x, x.dataSync())).toBeGreaterThan(0.1);
          for (const chunks of [[1, 1, 1, 1, 1, 1], [T], [3, 1, 2], [1, 4, 1]]) {
            const steps = cached(params, layer, x, chunks);
            expect(maxDiff(steps.x, full.x), `${backend} layer ${layer} chunks ${chunks}`).toBeLessThan(1e-5);
            expect(steps.cache.k.shape).toEqual([B, CONFIG.heads, T, C / CONFIG.heads]);
            expect(maxDiff(steps.cache.k.dataSync(), full.cache.k.dataSync())).toBeLessThan(1e-5);
            expect(maxDiff(steps.cache.v.dataSync(), full.cache.v.dataSync())).toBeLessThan(1e-5);
          }
        }
      });
      // Nothing but the kept training mask outlives the tidy.
      disposeGptCaches();
      disposeGptParams(params);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('depends on the cache: a changed earlier column changes a later one', async () => {
    await setNodeBackend('cpu');
    const params = initGptParams(CONFIG, 3);
    randomizeGptParams(params, 4, { embeddings: 0.5, weights: 0.35 });
    const next = mulberry32(6);
    const values = Float32Array.from({ length: B * T * C }, () => 2 * next() - 1);
    // One channel only: LayerNorm would remove a shift of the whole column.
    const movedValues = values.map((v, i) => (i === 0 ? v + 0.5 : v)); // row 0, column 0, channel 0
    tf.tidy(() => {
      const a = cached(params, 0, tf.tensor2d(values, [B * T, C]), [1, 1, 1, 1, 1, 1]).x;
      const b = cached(params, 0, tf.tensor2d(movedValues, [B * T, C]), [1, 1, 1, 1, 1, 1]).x;
      // Row 0, column 0 moved: column 1 of row 0 sees it through the cache; row 1 does not.
      expect(maxDiff(a.slice(C, 2 * C), b.slice(C, 2 * C))).toBeGreaterThan(1e-3);
      expect(maxDiff(a.slice(T * C), b.slice(T * C))).toBe(0);
    });
    disposeGptParams(params);
  });
});
