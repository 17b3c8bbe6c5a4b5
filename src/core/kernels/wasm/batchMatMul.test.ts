import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GPT_PRESETS } from '../../model/config';
import { disposeGptParams, gptLoss, initGptParams } from '../../model/gpt';
import { lossAndGrads } from '../../train/optimizer';
import { setNodeBackend } from '../nodeBackends';
import {
  installWasmBatchMatMul,
  perMatrixBatchMatMul,
  perMatrixBatchShape,
  setWasmBatchMatMul,
  uninstallWasmBatchMatMul,
  wasmBatchMatMulInstalled,
} from './batchMatMul';

beforeAll(async () => {
  await setNodeBackend('wasm');
});
afterAll(() => installWasmBatchMatMul());

/** `f` under tfjs's stock kernel and under ours, read back and freed. */
function stockAndOurs(f: () => tf.Tensor): {
  stock: Float32Array;
  ours: Float32Array;
  stockShape: number[];
  oursShape: number[];
} {
  uninstallWasmBatchMatMul();
  const r0 = f();
  installWasmBatchMatMul();
  const r1 = f();
  const out = {
    stock: r0.dataSync() as Float32Array,
    ours: r1.dataSync() as Float32Array,
    stockShape: r0.shape,
    oursShape: r1.shape,
  };
  tf.dispose([r0, r1]);
  return out;
}

/** float64 (…batch, m, n) = op(a) · op(b) by the definition, with numpy-style batch broadcasting. */
function referenceMatMul(
  a: Float32Array,
  sa: number[],
  b: Float32Array,
  sb: number[],
  ta: boolean,
  tb: boolean,
): Float64Array {
  const rank = Math.max(sa.length, sb.length) - 2;
  const pad = (s: number[]) => [...Array<number>(rank - (s.length - 2)).fill(1), ...s.slice(0, -2)];
  const oa = pad(sa);
  const ob = pad(sb);
  const outer = oa.map((d, i) => Math.max(d, ob[i]!));
  const [ra, ca] = sa.slice(-2) as [number, number];
  const [rb, cb] = sb.slice(-2) as [number, number];
  const m = ta ? ca : ra;
  const k = ta ? ra : ca;
  const n = tb ? rb : cb;
  const batch = outer.reduce((x, y) => x * y, 1);
  const out = new Float64Array(batch * m * n);
  const offset = (dims: number[], index: number[]) =>
    dims.reduce((acc, d, i) => acc * d + (d === 1 ? 0 : index[i]!), 0);
  for (let bi = 0; bi < batch; bi++) {
    const index: number[] = [];
    for (let i = outer.length - 1, r = bi; i >= 0; i--) {
      index[i] = r % outer[i]!;
      r = Math.floor(r / outer[i]!);
    }
    const baseA = offset(oa, index) * ra * ca;
    const baseB = offset(ob, index) * rb * cb;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++)
          s += a[baseA + (ta ? p * ca + i : i * ca + p)]! * b[baseB + (tb ? j * cb + p : p * cb + j)]!;
        out[bi * m * n + i * n + j] = s;
      }
    }
  }
  return out;
}

describe('the wasm BatchMatMul kernel', () => {
  it('is installed by the Node backend setup, once however often installed, and comes off again', () => {
    expect(wasmBatchMatMulInstalled()).toBe(true);
    const ours = tf.getKernel('BatchMatMul', 'wasm').kernelFunc;
    expect(installWasmBatchMatMul()).toBe(true);
    expect(tf.getKernel('BatchMatMul', 'wasm').kernelFunc).toBe(ours);
    uninstallWasmBatchMatMul();
    expect(wasmBatchMatMulInstalled()).toBe(false);
    const stock = tf.getKernel('BatchMatMul', 'wasm').kernelFunc;
    uninstallWasmBatchMatMul();
    expect(tf.getKernel('BatchMatMul', 'wasm').kernelFunc).toBe(stock);
    setWasmBatchMatMul('fast');
    expect(wasmBatchMatMulInstalled()).toBe(true);
    setWasmBatchMatMul('stock');
    expect(tf.getKernel('BatchMatMul', 'wasm').kernelFunc).toBe(stock);
    setWasmBatchMatMul('fast');
  });

  // The last flag: whether tfjs's own kernel is right there. tfjs-backend-wasm 4.22 broadcasts only a whole batch (one
  // matrix against many); a partial broadcast such as [2, 1] against [2, 3] gives wrong numbers, and ours, which
  // leaves that case to it, must give the same ones.
  const shapes: [string, number[], number[], boolean][] = [
    ['one matrix each', [5, 7], [7, 3], true],
    ['a batch of matrices', [2, 3, 5, 7], [2, 3, 7, 4], true],
    ['a batch against one matrix (b broadcast)', [4, 5, 7], [1, 7, 3], true],
    ['one matrix against a batch (a broadcast)', [1, 5, 7], [4, 7, 3], true],
    ['a 2-D operand against a batch (ranks differ)', [5, 7], [2, 3, 7, 4], true],
    ['attention-sized batch', [6, 33, 40], [6, 40, 29], true],
    ['a partial broadcast, left to the stock kernel', [2, 1, 5, 7], [2, 3, 7, 4], false],
  ];
  for (const [what, sa, sb, stockIsRight] of shapes) {
    for (const [ta, tb] of [
      [false, false],
      [false, true],
      [true, false],
      [true, true],
    ] as const) {
      it(`gives tfjs’s own product${stockIsRight ? ' and the float64 one' : ''}: ${what}, transposeA=${ta}, transposeB=${tb}`, () => {
        const swap = (s: number[], t: boolean) => (t ? [...s.slice(0, -2), s.at(-1)!, s.at(-2)!] : s);
        const shapeA = swap(sa, ta);
        const shapeB = swap(sb, tb);
        const a = tf.randomNormal(shapeA, 0, 1, 'float32', 1);
        const b = tf.randomNormal(shapeB, 0, 1, 'float32', 2);
        const before = tf.memory().numTensors;
        const dataIds = tf.engine().backend.numDataIds();
        const r = stockAndOurs(() => tf.matMul(a, b, ta, tb));
        // Every temporary (transposes, per-matrix slices and products) was freed.
        expect(tf.memory().numTensors).toBe(before);
        expect(tf.engine().backend.numDataIds()).toBe(dataIds);
        expect(r.oursShape).toEqual(r.stockShape);
        const want = referenceMatMul(
          a.dataSync() as Float32Array,
          shapeA,
          b.dataSync() as Float32Array,
          shapeB,
          ta,
          tb,
        );
        expect(r.ours.length).toBe(want.length);
        for (let i = 0; i < want.length; i++) {
          expect(Math.abs(r.ours[i]! - r.stock[i]!)).toBeLessThan(1e-4);
          if (stockIsRight) expect(Math.abs(r.ours[i]! - want[i]!)).toBeLessThan(1e-4);
        }
        tf.dispose([a, b]);
      });
    }
  }

  it('asks the stock kernel only for untransposed single-matrix products, the ones XNNPACK takes', () => {
    const transpose = tf.getKernel('Transpose', 'wasm').kernelFunc;
    uninstallWasmBatchMatMul();
    const original = tf.getKernel('BatchMatMul', 'wasm');
    const calls: { shapes: number[][]; transposeA: boolean; transposeB: boolean }[] = [];
    const spy: tf.KernelConfig['kernelFunc'] = (params) => {
      const { a, b } = params.inputs as unknown as { a: tf.TensorInfo; b: tf.TensorInfo };
      const attrs = params.attrs as unknown as { transposeA: boolean; transposeB: boolean };
      calls.push({ shapes: [a.shape, b.shape], transposeA: attrs.transposeA, transposeB: attrs.transposeB });
      return original.kernelFunc(params);
    };
    tf.unregisterKernel('BatchMatMul', 'wasm');
    tf.registerKernel({ ...original, kernelFunc: perMatrixBatchMatMul(spy, transpose) });
    try {
      const a = tf.randomNormal([3, 7, 5]);
      const b = tf.randomNormal([3, 4, 7]);
      tf.matMul(a, b, true, true).dispose();
      expect(calls).toHaveLength(3);
      for (const c of calls) {
        expect(c).toMatchObject({ transposeA: false, transposeB: false });
        expect(c.shapes).toEqual([
          [5, 7],
          [7, 4],
        ]);
      }
      tf.dispose([a, b]);
    } finally {
      tf.unregisterKernel('BatchMatMul', 'wasm');
      tf.registerKernel(original);
      installWasmBatchMatMul();
    }
  });

  it('gives the same GPT loss and gradients as the stock kernel, and leaks nothing', () => {
    const config = { ...GPT_PRESETS.micro, vocabSize: 40 };
    const params = initGptParams(config, 3);
    const ids = tf.tensor2d(
      Array.from({ length: 2 * 32 }, (_, i) => (i * 7) % 40),
      [2, 32],
      'int32',
    );
    const mask = tf.ones([2, 32]) as tf.Tensor2D;
    const lossAndAllGrads = () =>
      tf.tidy(() => {
        const { value, grads } = lossAndGrads(params, () => gptLoss(config, params, ids, ids, mask));
        return tf.concat([tf.reshape(value, [1]), ...Object.values(grads).map((g) => tf.reshape(g, [-1]))]);
      });
    lossAndAllGrads().dispose();
    const before = tf.memory().numTensors;
    const { stock, ours } = stockAndOurs(lossAndAllGrads);
    expect(tf.memory().numTensors).toBe(before);
    let worst = 0;
    for (let i = 0; i < stock.length; i++)
      worst = Math.max(worst, Math.abs(stock[i]! - ours[i]!) / (1e-3 + Math.abs(stock[i]!)));
    expect(worst).toBeLessThan(1e-3);
    expect(ours[0]).toBeCloseTo(stock[0]!, 5);
    tf.dispose([ids, mask]);
    disposeGptParams(params);
  });
});

describe('perMatrixBatchShape', () => {
  it('is the output batch shape when each operand is one matrix or one per output matrix, else null', () => {
    expect(perMatrixBatchShape([5, 7], [7, 3])).toEqual([]);
    expect(perMatrixBatchShape([2, 3, 5, 7], [2, 3, 7, 4])).toEqual([2, 3]);
    expect(perMatrixBatchShape([1, 5, 7], [4, 7, 3])).toEqual([4]);
    expect(perMatrixBatchShape([5, 7], [2, 3, 7, 4])).toEqual([2, 3]);
    expect(perMatrixBatchShape([1, 1, 5, 7], [2, 3, 7, 4])).toEqual([2, 3]);
    // One operand would be re-read along one axis only: not matrix-by-matrix.
    expect(perMatrixBatchShape([2, 1, 5, 7], [2, 3, 7, 4])).toBeNull();
    expect(perMatrixBatchShape([1, 3, 5, 7], [3, 1, 7, 4])).toBeNull();
    expect(perMatrixBatchShape([2, 5, 7], [3, 7, 4])).toBeNull();
  });
});
