import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import { sparseCrossEntropy } from './sparseCrossEntropy';

const N = 6;
const V = 5;
const LOGITS = Array.from({ length: N * V }, (_, i) => Math.sin(i * 0.77) * 3);
const LABELS = [0, 4, 2, 2, 1, 3];
const MASK = [1, 0, 1, 1, 0, 1];

function ours(labels = LABELS, mask = MASK) {
  return tf.tidy(() => {
    const z = tf.tensor2d(LOGITS, [N, V]);
    const y = tf.tensor1d(labels, 'int32');
    const m = tf.tensor1d(mask);
    const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => sparseCrossEntropy(x as tf.Tensor2D, y, m))(z);
    // + 0 turns −0 (a masked row's label entry, 0 · negative) into 0 for exact comparisons.
    return { value: value.dataSync()[0]!, grad: [...grad.dataSync()].map((g) => g + 0) };
  });
}

function reference(labels = LABELS, mask = MASK) {
  return tf.tidy(() => {
    const z = tf.tensor2d(LOGITS, [N, V]);
    // Cast, not oneHot(…, 'float32'): wasm's OneHot kernel writes int32 bits whatever dtype it is asked for.
    const onehot = tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), V), 'float32');
    const w = tf.tensor1d(mask);
    const f = (x: tf.Tensor) =>
      tf.losses.softmaxCrossEntropy(onehot, x, w, 0, tf.Reduction.SUM_BY_NONZERO_WEIGHTS) as tf.Scalar;
    const { value, grad } = tf.valueAndGrad(f)(z);
    return { value: value.dataSync()[0]!, grad: [...grad.dataSync()] };
  });
}

describe('sparseCrossEntropy', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    it(`matches tf.losses.softmaxCrossEntropy on one-hot labels, value and gradient, on ${backend}`, async () => {
      await setNodeBackend(backend);
      const a = ours();
      const b = reference();
      expect(a.value).toBeCloseTo(b.value, 5);
      a.grad.forEach((g, i) => expect(g).toBeCloseTo(b.grad[i]!, 6));
      // Masked rows get no gradient at all.
      for (const row of [1, 4]) for (let v = 0; v < V; v++) expect(a.grad[row * V + v]).toBe(0);
    });
  }

  it('computes a one-position example by hand', async () => {
    await setNodeBackend('cpu');
    const loss = tf.tidy(
      () => sparseCrossEntropy(tf.tensor2d([[1, 2, 3]]), tf.tensor1d([1], 'int32'), tf.tensor1d([1])).dataSync()[0],
    );
    const expected = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 2;
    expect(loss).toBeCloseTo(expected, 6);
  });

  it('ignores labels where mask = 0', async () => {
    await setNodeBackend('cpu');
    const a = ours();
    const b = ours([0, 1, 2, 2, 4, 3]);
    expect(b.value).toBe(a.value);
    expect(b.grad).toEqual(a.grad);
  });

  it('is 0 with zero gradient when nothing counts', async () => {
    await setNodeBackend('cpu');
    const r = ours(LABELS, [0, 0, 0, 0, 0, 0]);
    expect(r.value).toBe(0);
    expect(r.grad.every((g) => g === 0)).toBe(true);
  });

  it('is stable for large logits', async () => {
    await setNodeBackend('cpu');
    const loss = tf.tidy(
      () =>
        sparseCrossEntropy(tf.tensor2d([[1000, 0, -1000]]), tf.tensor1d([1], 'int32'), tf.tensor1d([1])).dataSync()[0],
    );
    expect(loss).toBeCloseTo(1000, 3);
  });

  it('leaks no tensors, forward or backward', async () => {
    await setNodeBackend('cpu');
    ours();
    const before = tf.memory().numTensors;
    ours();
    reference();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('explains wrong shapes and dtypes', async () => {
    await setNodeBackend('cpu');
    const z = tf.zeros([2, 3]) as tf.Tensor2D;
    expect(() => sparseCrossEntropy(z, tf.tensor1d([0, 1]), tf.ones([2]) as tf.Tensor1D)).toThrow(/int32/);
    expect(() => sparseCrossEntropy(z, tf.tensor1d([0], 'int32'), tf.ones([2]) as tf.Tensor1D)).toThrow(
      /labels must be \[2\]/,
    );
    expect(() => sparseCrossEntropy(z, tf.tensor1d([0, 1], 'int32'), tf.ones([3]) as tf.Tensor1D)).toThrow(
      /mask must be \[2\]/,
    );
  });
});
