import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import { chooseEmbeddingGradPath, embeddingLookup, ONEHOT_GRAD_MAX_ELEMENTS } from './embedding';

const V = 7;
const C = 3;
// Repeated ids on purpose: their gradients must add up.
const IDS = [
  [1, 4, 1, 6],
  [0, 1, 4, 4],
];
const TABLE = Array.from({ length: V * C }, (_, i) => Math.sin(i * 1.7) * 0.5);
const WEIGHTS = Array.from({ length: 8 * C }, (_, i) => Math.cos(i * 0.9));

/** d/dtable of Σ w · table[ids], via the given lookup. */
function tableGrad(lookup: (t: tf.Tensor2D, ids: tf.Tensor2D) => tf.Tensor): { value: number[]; grad: number[] } {
  return tf.tidy(() => {
    const table = tf.tensor2d(TABLE, [V, C]);
    const ids = tf.tensor2d(IDS, [2, 4], 'int32');
    const w = tf.tensor3d(WEIGHTS, [2, 4, C]);
    const { value, grad } = tf.valueAndGrad((t: tf.Tensor) => tf.sum(tf.mul(lookup(t as tf.Tensor2D, ids), w)))(table);
    return { value: [...value.dataSync()], grad: [...grad.dataSync()] };
  });
}

let reference: { value: number[]; grad: number[] };

beforeAll(async () => {
  await setNodeBackend('cpu');
  reference = tableGrad((t, ids) => tf.gather(t, ids));
});

describe('embeddingLookup', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    for (const path of ['onehot', 'scatter'] as const) {
      it(`matches tf.gather and its gradient (cpu) on ${backend} via ${path}`, async () => {
        await setNodeBackend(backend);
        const ours = tableGrad((t, ids) => embeddingLookup(t, ids, path));
        expect(ours.value[0]).toBeCloseTo(reference.value[0]!, 5);
        ours.grad.forEach((g, i) => expect(g).toBeCloseTo(reference.grad[i]!, 5));
        // Rows never looked up get exactly zero.
        for (const row of [2, 3, 5]) for (let c = 0; c < C; c++) expect(ours.grad[row * C + c]).toBe(0);
      });
    }
  }

  it('has the shape [...ids.shape, width] and a gradient that matches finite differences', async () => {
    await setNodeBackend('cpu');
    const ids = tf.tensor2d(IDS, [2, 4], 'int32');
    expect(embeddingLookup(tf.tensor2d(TABLE, [V, C]), ids).shape).toEqual([2, 4, C]);
    const f = (table: number[]) =>
      tf.tidy(
        () =>
          tf
            .sum(tf.mul(embeddingLookup(tf.tensor2d(table, [V, C]), ids), tf.tensor3d(WEIGHTS, [2, 4, C])))
            .dataSync()[0]!,
      );
    const { grad } = tableGrad((t, i) => embeddingLookup(t, i));
    const eps = 1e-2;
    for (const k of [1 * C, 4 * C + 2, 6 * C + 1, 0]) {
      const plus = [...TABLE];
      const minus = [...TABLE];
      plus[k] = TABLE[k]! + eps;
      minus[k] = TABLE[k]! - eps;
      expect(grad[k]).toBeCloseTo((f(plus) - f(minus)) / (2 * eps), 3);
    }
    ids.dispose();
  });

  it('refuses float ids', () => {
    expect(() => embeddingLookup(tf.zeros([3, 2]) as tf.Tensor2D, tf.zeros([2]))).toThrow(/int32/);
  });

  it('scatters on cpu and wasm; on GPU backends uses one-hot for small vocabularies only', () => {
    expect(chooseEmbeddingGradPath(512, 100, 'wasm')).toBe('scatter');
    expect(chooseEmbeddingGradPath(512, 100, 'cpu')).toBe('scatter');
    expect(chooseEmbeddingGradPath(512, 100, 'webgpu')).toBe('onehot');
    expect(chooseEmbeddingGradPath(ONEHOT_GRAD_MAX_ELEMENTS, 1, 'webgl')).toBe('onehot');
    expect(chooseEmbeddingGradPath(1024, 50257, 'webgpu')).toBe('scatter');
  });
});
