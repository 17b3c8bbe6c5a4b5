// The composite paths of the Llama/Qwen ops against Float64 references written out loop by loop, and their
// gradients against central finite differences (cpu backend; the fused kernels are checked in kernels/webgpu).
import * as tf from '@tensorflow/tfjs-core';
import { useNodeBackend } from '../kernels/nodeBackends';
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../util/random';
import { rmsNorm } from './rmsNorm';
import { rope } from './rope';
import { swiglu } from './swiglu';

const F32_TOLERANCE = 1e-5;
const FD_TOLERANCE = 2e-3;

function randoms(n: number, seed: number): Float64Array {
  const next = mulberry32(seed);
  return Float64Array.from({ length: n }, () => 2 * next() - 1);
}

const f32 = (v: Float64Array) => Float32Array.from(v);

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** d(sum(f(x) · w))/dx by central differences in float32 inputs, for one input of shape `shape`. */
function finiteDifference(f: (x: tf.Tensor) => tf.Tensor, x: Float64Array, shape: number[], w: Float64Array) {
  const h = 1e-2;
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const at = (d: number) => {
      const v = Float64Array.from(x);
      v[i]! += d;
      return tf.tidy(
        () =>
          tf.sum(tf.mul(f(tf.tensor(f32(v), shape, 'float32')), tf.tensor(f32(w), shape, 'float32'))).dataSync()[0]!,
      );
    };
    out[i] = (at(h) - at(-h)) / (2 * h);
  }
  return out;
}

beforeAll(async () => {
  await useNodeBackend('cpu');
});

describe('rmsNorm (composite)', () => {
  const N = 3;
  const C = 8;
  const x = randoms(N * C, 1);
  const w = randoms(C, 2);
  const eps = 1e-6;
  it('equals x · rsqrt(mean(x²) + eps) · w in float64', () => {
    const want = new Float64Array(N * C);
    for (let n = 0; n < N; n++) {
      let ss = 0;
      for (let c = 0; c < C; c++) ss += x[n * C + c]! ** 2;
      const r = 1 / Math.sqrt(ss / C + eps);
      for (let c = 0; c < C; c++) want[n * C + c] = x[n * C + c]! * r * w[c]!;
    }
    const got = tf.tidy(() =>
      rmsNorm.composite(tf.tensor2d(f32(x), [N, C], 'float32'), tf.tensor1d(f32(w), 'float32'), eps).dataSync(),
    );
    expect(maxDiff(got, want)).toBeLessThan(F32_TOLERANCE);
  });
  it('has the gradient of finite differences', () => {
    const probe = randoms(N * C, 3);
    const grad = tf.tidy(() =>
      tf
        .grad((t: tf.Tensor) =>
          tf.sum(
            tf.mul(
              rmsNorm.composite(t as tf.Tensor2D, tf.tensor1d(f32(w), 'float32'), eps),
              tf.tensor(f32(probe), [N, C], 'float32'),
            ),
          ),
        )(tf.tensor2d(f32(x), [N, C], 'float32'))
        .dataSync(),
    );
    const fd = finiteDifference(
      (t) => rmsNorm.composite(t as tf.Tensor2D, tf.tensor1d(f32(w), 'float32'), eps),
      x,
      [N, C],
      probe,
    );
    expect(maxDiff(grad, fd)).toBeLessThan(FD_TOLERANCE);
  });
});

describe('rope (composite)', () => {
  const [B, H, T, D] = [2, 3, 4, 6];
  const x = randoms(B * H * T * D, 4);
  const angles = randoms(T * (D / 2), 5).map((a) => a * 3);
  const cos = angles.map(Math.cos);
  const sin = angles.map(Math.sin);
  const tables = () =>
    [tf.tensor3d(f32(cos), [1, T, D / 2], 'float32'), tf.tensor3d(f32(sin), [1, T, D / 2], 'float32')] as const;
  it('turns channel j with j + D/2 by the angle of its position (rotate_half)', () => {
    const want = new Float64Array(x.length);
    for (let b = 0; b < B; b++)
      for (let h = 0; h < H; h++)
        for (let t = 0; t < T; t++)
          for (let j = 0; j < D / 2; j++) {
            const o = ((b * H + h) * T + t) * D;
            const [c, s] = [cos[t * (D / 2) + j]!, sin[t * (D / 2) + j]!];
            want[o + j] = x[o + j]! * c - x[o + j + D / 2]! * s;
            want[o + j + D / 2] = x[o + j + D / 2]! * c + x[o + j]! * s;
          }
    const got = tf.tidy(() => rope.composite(tf.tensor4d(f32(x), [B, H, T, D], 'float32'), ...tables()).dataSync());
    expect(maxDiff(got, want)).toBeLessThan(F32_TOLERANCE);
  });
  it('takes per-row tables [B, T, D/2] (cached generation) and refuses tables of another shape', () => {
    const perRow = tf.tidy(() => {
      const [c, s] = tables();
      return rope
        .composite(
          tf.tensor4d(f32(x), [B, H, T, D], 'float32'),
          tf.concat([c, c]) as tf.Tensor3D,
          tf.concat([s, s]) as tf.Tensor3D,
        )
        .dataSync();
    });
    const shared = tf.tidy(() => rope.composite(tf.tensor4d(f32(x), [B, H, T, D], 'float32'), ...tables()).dataSync());
    expect(maxDiff(perRow, shared)).toBe(0);
    expect(() =>
      tf.tidy(() => rope.composite(tf.zeros([B, H, T, D]), tf.zeros([1, T, D]), tf.zeros([1, T, D]))),
    ).toThrow(/cos and sin/);
  });
  it('has the gradient of finite differences', () => {
    const probe = randoms(x.length, 6);
    const grad = tf.tidy(() =>
      tf
        .grad((t: tf.Tensor) =>
          tf.sum(tf.mul(rope.composite(t as tf.Tensor4D, ...tables()), tf.tensor(f32(probe), [B, H, T, D], 'float32'))),
        )(tf.tensor4d(f32(x), [B, H, T, D], 'float32'))
        .dataSync(),
    );
    const fd = finiteDifference((t) => rope.composite(t as tf.Tensor4D, ...tables()), x, [B, H, T, D], probe);
    expect(maxDiff(grad, fd)).toBeLessThan(FD_TOLERANCE);
  });
});

describe('swiglu (composite)', () => {
  const [N, F] = [3, 5];
  const g = randoms(N * F, 7).map((v) => v * 4);
  const u = randoms(N * F, 8);
  it('equals silu(gate) · up in float64', () => {
    const want = g.map((gi, i) => (gi / (1 + Math.exp(-gi))) * u[i]!);
    const got = tf.tidy(() =>
      swiglu.composite(tf.tensor2d(f32(g), [N, F], 'float32'), tf.tensor2d(f32(u), [N, F], 'float32')).dataSync(),
    );
    expect(maxDiff(got, want)).toBeLessThan(F32_TOLERANCE);
  });
  it('has the gradients of finite differences', () => {
    const probe = randoms(N * F, 9);
    const [dg, du] = tf.tidy(() =>
      tf
        .grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(
            tf.mul(swiglu.composite(a as tf.Tensor2D, b as tf.Tensor2D), tf.tensor(f32(probe), [N, F], 'float32')),
          ),
        )([tf.tensor2d(f32(g), [N, F], 'float32'), tf.tensor2d(f32(u), [N, F], 'float32')])
        .map((t) => t.dataSync()),
    );
    const upT = () => tf.tensor2d(f32(u), [N, F], 'float32');
    const gateT = () => tf.tensor2d(f32(g), [N, F], 'float32');
    expect(
      maxDiff(
        dg!,
        finiteDifference((t) => swiglu.composite(t as tf.Tensor2D, upT()), g, [N, F], probe),
      ),
    ).toBeLessThan(FD_TOLERANCE);
    expect(
      maxDiff(
        du!,
        finiteDifference((t) => swiglu.composite(gateT(), t as tf.Tensor2D), u, [N, F], probe),
      ),
    ).toBeLessThan(FD_TOLERANCE);
  });
});
