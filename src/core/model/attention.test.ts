import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import { cachedMask, causalMask, disposeGptCaches, keyPaddingMask } from './attention';

const M = -1e9;

beforeAll(async () => {
  await setNodeBackend('cpu');
});

describe('attention masks', () => {
  it('causalMask: 0 on and below the diagonal, masked above; one kept tensor per (backend, T) until disposeGptCaches', () => {
    disposeGptCaches();
    const mask = causalMask(3);
    expect(mask.arraySync()).toEqual([
      [0, M, M],
      [0, 0, M],
      [0, 0, 0],
    ]);
    expect(tf.tidy(() => causalMask(3))).toBe(mask); // kept: a tidy does not free it
    expect(mask.isDisposed).toBe(false);
    expect(causalMask(4)).not.toBe(mask);
    disposeGptCaches();
    expect(mask.isDisposed).toBe(true);
    const again = causalMask(3); // rebuilt, not the freed one
    expect(again).not.toBe(mask);
    expect(again.isDisposed).toBe(false);
    disposeGptCaches();
  });

  it('keyPaddingMask masks each row’s left padding', () => {
    const pad = keyPaddingMask([2, 0, 1], 4);
    expect(pad.arraySync()).toEqual([
      [M, M, 0, 0],
      [0, 0, 0, 0],
      [M, 0, 0, 0],
    ]);
    pad.dispose();
  });

  it('cachedMask: causal among the new columns after the past ones, plus the padding, for the columns so far', () => {
    tf.tidy(() => {
      const pad = keyPaddingMask([1, 0], 6);
      const chunk = cachedMask(3, 2, pad); // columns 2, 3, 4 after 0, 1
      expect(chunk.shape).toEqual([2, 1, 3, 5]);
      expect(chunk.arraySync()).toEqual([
        [
          [
            [M, 0, 0, M, M],
            [M, 0, 0, 0, M],
            [M, 0, 0, 0, 0],
          ],
        ],
        [
          [
            [0, 0, 0, M, M],
            [0, 0, 0, 0, M],
            [0, 0, 0, 0, 0],
          ],
        ],
      ]);
      // A prefill has no past; one new column sees every key and needs only the padding.
      expect(cachedMask(2, 0, pad).arraySync()).toEqual([
        [
          [
            [M, M],
            [M, 0],
          ],
        ],
        [
          [
            [0, M],
            [0, 0],
          ],
        ],
      ]);
      expect(cachedMask(1, 5, pad).arraySync()).toEqual([[[[M, 0, 0, 0, 0, 0]]], [[[0, 0, 0, 0, 0, 0]]]]);
      expect(() => cachedMask(2, 5, pad)).toThrow(/7 columns but the key padding covers 6/);
    });
  });

  it('gives a masked key exactly zero weight in float32 softmax, on cpu and wasm', async () => {
    for (const backend of ['cpu', 'wasm'] as const) {
      await setNodeBackend(backend);
      // Scores far apart in both directions: the masked one still gets 0, the others their plain softmax.
      const w = tf.tidy(() => tf.softmax(tf.add(tf.tensor2d([[40, -30, 25]]), tf.tensor2d([[0, 0, M]]))).dataSync());
      expect(w[2]).toBe(0);
      expect(w[0]! + w[1]!).toBeCloseTo(1, 6);
    }
    await setNodeBackend('cpu');
  });
});
