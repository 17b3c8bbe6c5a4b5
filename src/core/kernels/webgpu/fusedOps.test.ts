import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../nodeBackends';
import { causalAttentionWeights, causalSoftmaxKernel } from '../../ops/attentionWeights';
import { setFusedKernels } from '../../ops/dispatch';
import { fusedAdamWAvailable } from '../../ops/fusedAdamW';
import { biasGelu, gelu, linearGelu } from '../../ops/gelu';
import { layerNorm } from '../../ops/layerNorm';
import { linear } from '../../ops/linear';
import { residualAdd } from '../../ops/residualAdd';
import { sparseCrossEntropy } from '../../ops/sparseCrossEntropy';
import { describeAdapter, startDawnWebGPU } from './dawnNode';
import { seeded } from './testing/seeded';
import { capFusedWorkgroups } from './fusedPrograms';

// Each op's fused path on webgpu (Dawn), the kernels of fusedPrograms.ts, against its composite path on the cpu
// backend (forward and tf.grads backward): the composite path is the reference.
//
// Tolerances: about 10× the largest error measured, max over outputs of |fused − composite| / (1 + |composite|),
// on Dawn/SwiftShader against cpu, with these inputs and with every seed shifted by 1000 and by 2000.
const LAYERNORM_TOL = 1e-5; // measured 9.4e-7 (dγ, 96 channels); 8.7e-7 at 600
const ROW_LOOP_TOL = 4e-9; // measured 3.8e-10 (dLogits; the loss agrees exactly)
const GELU_TOL = 1e-5; // measured 1.07e-6 (dx)
const BIAS_GELU_TOL = 1.5e-5; // measured 1.36e-6 (dbias)
const LINEAR_TOL = 1.5e-5; // measured 1.42e-6 (y)
const RESIDUAL_ADD_TOL = 0; // measured 0: the same Add kernel, and its gradient passes dy on, so bit for bit
const CAUSAL_SOFTMAX_TOL = 5e-7; // measured 4.7e-8 (y)
const CROSS_ENTROPY_TOL = 6e-7; // measured 5.3e-8 (dMask; the loss agrees exactly)

async function on(backend: 'cpu' | 'webgpu', f: () => tf.Tensor[]): Promise<Float32Array[]> {
  if (backend === 'cpu') await setNodeBackend('cpu');
  else await startDawnWebGPU();
  const ts = f();
  const out = await Promise.all(ts.map(async (t) => new Float32Array(await t.data())));
  tf.dispose(ts);
  return out;
}

function expectClose(got: Float32Array[], want: Float32Array[], tol: number): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, k) => {
    expect(g.length).toBe(want[k]!.length);
    let worst = 0;
    for (let i = 0; i < g.length; i++)
      worst = Math.max(worst, Math.abs(g[i]! - want[k]![i]!) / (1 + Math.abs(want[k]![i]!)));
    expect(worst, `output ${k}`).toBeLessThanOrEqual(tol);
  });
}

beforeAll(async () => {
  console.log(`fused ops on webgpu: ${describeAdapter(await startDawnWebGPU())}`);
});
afterAll(async () => {
  await setNodeBackend('cpu');
});

describe('fused kernels on webgpu against the composite on cpu', () => {
  const N = 37;
  const C = 96; // not a multiple of the 64-thread workgroup

  it.each([96, 600])('LayerNorm: y, dx, dγ, dβ, %i channels (one thread per row, then 64)', async (C) => {
    const make = () => ({
      x: tf.tensor2d(seeded(N * C, 1, 3), [N, C]),
      g: tf.tensor1d(seeded(C, 2)),
      b: tf.tensor1d(seeded(C, 3)),
      dy: tf.tensor2d(seeded(N * C, 4), [N, C]),
    });
    const run = (ln: typeof layerNorm.fused) => {
      const { x, g, b, dy } = make();
      const f = (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => ln(xx as tf.Tensor2D, gg, bb, 1e-5);
      return [f(x, g, b), ...tf.grads(f)([x, g, b], dy)];
    };
    const want = await on('cpu', () => run(layerNorm.composite));
    const got = await on('webgpu', () => run(layerNorm.fused));
    expectClose(got, want, LAYERNORM_TOL);
  });

  it('row kernels loop when there are more rows than workgroups in one dispatch', async () => {
    capFusedWorkgroups(8);
    try {
      // 600 columns: 64 threads per row, so 8 workgroups sweep the 37 rows five times.
      const make = () => ({
        z: tf.tensor2d(seeded(N * 600, 12, 4), [N, 600]),
        y: tf.tensor1d(
          Int32Array.from({ length: N }, (_, i) => (i * 17) % 600),
          'int32',
        ),
        m: tf.ones([N]) as tf.Tensor1D,
      });
      const f = (ce: typeof sparseCrossEntropy.fused) => {
        const { z, y, m } = make();
        return [ce(z, y, m), tf.grad((a: tf.Tensor) => ce(a as tf.Tensor2D, y, m))(z)];
      };
      const want = await on('cpu', () => f(sparseCrossEntropy.composite));
      const got = await on('webgpu', () => f(sparseCrossEntropy.fused));
      expectClose(got, want, ROW_LOOP_TOL);
    } finally {
      capFusedWorkgroups();
    }
  });

  it('GELU (tanh form): y and dx, including large |x| where a naive tanh overflows', async () => {
    const values = seeded(N * C, 5, 6);
    values[0] = 40;
    values[1] = -40;
    const make = () => ({ x: tf.tensor2d(values, [N, C]), dy: tf.tensor2d(seeded(N * C, 6), [N, C]) });
    const run = (g: typeof gelu.fused) => {
      const { x, dy } = make();
      return [g(x), tf.grad((t: tf.Tensor) => g(t as tf.Tensor2D))(x, dy)];
    };
    const want = await on('cpu', () => run(gelu.composite));
    const got = await on('webgpu', () => run(gelu.fused));
    expectClose(got, want, GELU_TOL);
  });

  it('bias + GELU: y, dx and dbias against gelu(x + bias)', async () => {
    const make = () => ({
      x: tf.tensor2d(seeded(N * C, 13, 4), [N, C]),
      b: tf.tensor1d(seeded(C, 14, 2)),
      dy: tf.tensor2d(seeded(N * C, 15), [N, C]),
    });
    const run = (g: typeof biasGelu.fused) => {
      const { x, b, dy } = make();
      const f = (xx: tf.Tensor, bb: tf.Tensor) => g(xx as tf.Tensor2D, bb);
      return [f(x, b), ...tf.grads(f)([x, b], dy)];
    };
    const want = await on('cpu', () => run(biasGelu.composite));
    const got = await on('webgpu', () => run(biasGelu.fused));
    expectClose(got, want, BIAS_GELU_TOL);
  });

  it('linear: x·W + bias and its gradients for x, W and bias, against matMul + add', async () => {
    const M = 70;
    const make = () => ({
      x: tf.tensor2d(seeded(N * C, 16), [N, C]),
      w: tf.tensor2d(seeded(C * M, 17), [C, M]),
      b: tf.tensor1d(seeded(M, 18)),
      dy: tf.tensor2d(seeded(N * M, 19), [N, M]),
    });
    const want = await on('cpu', () => {
      const { x, w, b, dy } = make();
      const f = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.add(tf.matMul(xx, ww), bb);
      return [f(x, w, b), ...tf.grads(f)([x, w, b], dy)];
    });
    const got = await on('webgpu', () => {
      const { x, w, b, dy } = make();
      const f = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => linear.fused(xx as tf.Tensor2D, ww as tf.Tensor2D, bb);
      return [f(x, w, b), ...tf.grads(f)([x, w, b], dy)];
    });
    expectClose(got, want, LINEAR_TOL);
  });

  it('residual add: value and gradients where its output and inputs feed other ops (gradients accumulate)', async () => {
    const make = () => ({
      x: tf.tensor2d(seeded(N * C, 20), [N, C]),
      y: tf.tensor2d(seeded(N * C, 21), [N, C]),
      dy: tf.tensor2d(seeded(N * C, 22), [N, C]),
    });
    const f = (add: (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D) => (x: tf.Tensor, y: tf.Tensor) => {
      const s = add(x as tf.Tensor2D, y as tf.Tensor2D);
      return add(tf.mul(s, x) as tf.Tensor2D, s);
    };
    const run = (add: (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D) => {
      const { x, y, dy } = make();
      return [f(add)(x, y), ...tf.grads(f(add))([x, y], dy)];
    };
    const want = await on('cpu', () => run((a, b) => tf.add(a, b)));
    const got = await on('webgpu', () => run(residualAdd.fused));
    expectClose(got, want, RESIDUAL_ADD_TOL);
  });

  it('causal softmax of scaled scores and its backward, as softmax(scale·s + causal mask)', async () => {
    const [B, H, T] = [2, 3, 70];
    const scale = 0.125;
    const mask = new Float32Array(T * T);
    for (let q = 0; q < T; q++) mask.fill(-1e9, q * T + q + 1, (q + 1) * T);
    const make = () => ({
      s: tf.tensor4d(seeded(B * H * T * T, 7, 8), [B, H, T, T]),
      dy: tf.tensor4d(seeded(B * H * T * T, 8), [B, H, T, T]),
    });
    const composite = (s: tf.Tensor) => tf.softmax(tf.add(tf.mul(s, scale), tf.tensor2d(mask, [T, T])));
    const want = await on('cpu', () => {
      const { s, dy } = make();
      return [composite(s), tf.grad(composite)(s, dy)];
    });
    const got = await on('webgpu', () => {
      const { s, dy } = make();
      const f = (t: tf.Tensor) => causalSoftmaxKernel(t, scale);
      return [f(s), tf.grad(f)(s, dy)];
    });
    expectClose(got, want, CAUSAL_SOFTMAX_TOL);
  });

  it('sparse cross-entropy: loss, dLogits and dMask, with a masked-out row and a vocabulary wider than a workgroup', async () => {
    const V = 150;
    const labels = Int32Array.from({ length: N }, (_, i) => (i * 31) % V);
    const maskValues = Float32Array.from({ length: N }, (_, i) => (i % 5 === 0 ? 0 : i % 7 === 0 ? 0.5 : 1));
    const make = () => ({ z: tf.tensor2d(seeded(N * V, 9, 5), [N, V]), m: tf.tensor1d(maskValues) });
    const grads = (f: typeof sparseCrossEntropy.fused) => {
      const { z, m } = make();
      const y = tf.tensor1d(labels, 'int32');
      const loss = f(z, y, m);
      const [dz, dm] = tf.grads((a: tf.Tensor, b: tf.Tensor) => f(a as tf.Tensor2D, y, b as tf.Tensor1D))(
        [z, m],
        tf.scalar(1.5),
      );
      return [loss, dz!, dm!];
    };
    const want = await on('cpu', () => grads(sparseCrossEntropy.composite));
    const got = await on('webgpu', () => grads(sparseCrossEntropy.fused));
    expectClose(got, want, CROSS_ENTROPY_TOL);
  });

  // Every op the model calls, and the optimizer's step.
  const ops = {
    layerNorm,
    linear,
    gelu,
    biasGelu,
    linearGelu,
    residualAdd,
    causalAttentionWeights,
    sparseCrossEntropy,
  };
  const fusedNow = () => [...Object.values(ops).map((op) => op.fusedNow()), fusedAdamWAvailable()];

  it('dispatch: every op fused on webgpu with the kernels registered unless switched off, never on cpu', async () => {
    await startDawnWebGPU();
    expect(fusedNow().every(Boolean)).toBe(true);
    setFusedKernels(false);
    try {
      expect(fusedNow().some(Boolean)).toBe(false);
    } finally {
      setFusedKernels(true);
    }
    await setNodeBackend('cpu');
    expect(fusedNow().some(Boolean)).toBe(false);
  });
});
