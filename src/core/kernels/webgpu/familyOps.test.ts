import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUSED_KERNELS } from '../fusedKernelNames';
import { setNodeBackend } from '../nodeBackends';
import { runKernel, setFusedKernels } from '../../ops/dispatch';
import { rmsNorm } from '../../ops/rmsNorm';
import { rope } from '../../ops/rope';
import { swiglu } from '../../ops/swiglu';
import { describeAdapter, startDawnWebGPU } from './dawnNode';
import { weightGradChunkRows } from './familyPrograms';
import { capFusedWorkgroups } from './fusedPrograms';
import { seeded } from './testing/seeded';

// The Llama/Qwen ops' fused paths on webgpu (Dawn), the kernels of familyPrograms.ts, against their composite paths
// on the cpu backend (forward, and tf.grads backward): the composite path is the reference.
//
// Tolerances: about 10× the largest error measured, max over outputs of |fused − composite| / (1 + |composite|),
// on Dawn/SwiftShader against cpu, with these inputs and with every seed shifted by 1000 and by 2000.
const RMSNORM_TOL = 3e-6; // y and dx: measured 2.98e-7 (y, [150, 128])
const RMSNORM_DW_TOL = 2e-5; // dw: measured 1.98e-6 ([300, 64]: 300 rows summed in chunks, the cpu sums in order)
// Measured 0 (the same float32 products and sums as the composite); a GPU that contracts x·c − x'·s into an fma
// may differ by about one rounding of a product (1.2e-7 here, |x| < 2), which this allows ten times over.
const ROPE_TOL = 1.2e-6;
const ROPE_ROUND_TRIP_TOL = 1e-6; // the inverse of the rotation against x: measured 9.4e-8
const SWIGLU_TOL = 3e-6; // measured 2.62e-7 (dgate)

async function on(backend: 'cpu' | 'webgpu', f: () => tf.Tensor[]): Promise<Float32Array[]> {
  if (backend === 'cpu') await setNodeBackend('cpu');
  else await startDawnWebGPU();
  expect(tf.getBackend()).toBe(backend);
  const ts = f();
  const out = await Promise.all(ts.map(async (t) => new Float32Array(await t.data())));
  tf.dispose(ts);
  return out;
}

/** Each output within its tolerance (one for all, or one per output). */
function expectClose(got: Float32Array[], want: Float32Array[], tol: number | number[], what: string): void {
  expect(got.length).toBe(want.length);
  const worst = got.map((g, k) => {
    expect(g.length).toBe(want[k]!.length);
    let w = 0;
    for (let i = 0; i < g.length; i++) w = Math.max(w, Math.abs(g[i]! - want[k]![i]!) / (1 + Math.abs(want[k]![i]!)));
    return w;
  });
  console.log(`${what}: worst ${worst.map((w) => w.toExponential(2)).join(', ')}`);
  worst.forEach((w, k) =>
    expect(w, `${what}, output ${k}`).toBeLessThanOrEqual(typeof tol === 'number' ? tol : tol[k]!),
  );
}

beforeAll(async () => {
  console.log(`family ops on webgpu: ${describeAdapter(await startDawnWebGPU())}`);
});
afterAll(async () => {
  await setNodeBackend('cpu');
});

describe('RMSNorm: fused on webgpu against the composite on cpu', () => {
  const EPS = 1e-6;
  const run = (N: number, C: number, norm: typeof rmsNorm.fused) => {
    const x = tf.tensor2d(seeded(N * C, 31, 3), [N, C]);
    const w = tf.tensor1d(seeded(C, 32, 2));
    const dy = tf.tensor2d(seeded(N * C, 33), [N, C]);
    const f = (xx: tf.Tensor, ww: tf.Tensor) => norm(xx as tf.Tensor2D, ww, EPS);
    return [f(x, w), ...tf.grads(f)([x, w], dy)];
  };
  const compare = async (N: number, C: number) =>
    expectClose(
      await on('webgpu', () => run(N, C, rmsNorm.fused)),
      await on('cpu', () => run(N, C, rmsNorm.composite)),
      [RMSNORM_TOL, RMSNORM_TOL, RMSNORM_DW_TOL],
      `rmsNorm [${N}, ${C}] y, dx, dw`,
    );

  // 96, 128: one thread per row; 576 (SmolLM2), 960 (SmolLM2-360M), 2048: a 64-thread workgroup per row. 64 and 128
  // are Qwen3's q/k norms over each head, with many rows: the weight's column sums run in several chunks of rows.
  it.each([
    [37, 96],
    [300, 64],
    [150, 128],
    [37, 576],
    [23, 960],
    [9, 2048],
  ])('y, dx and dw for x [%i, %i]', async (N, C) => {
    await compare(N, C);
  });

  it('the weight gradient sums the rows in chunks, the last one short', () => {
    expect(weightGradChunkRows(300, 64)).toBe(16); // 19 chunks, the last of 12 rows
    expect(weightGradChunkRows(37, 96)).toBe(16); // 3 chunks, the last of 5 rows
    expect(weightGradChunkRows(2048 * 9, 64)).toBe(72); // 256 chunks of 72 rows
  });

  it('row kernels loop when there are more rows than workgroups in one dispatch', async () => {
    capFusedWorkgroups(2);
    try {
      await compare(37, 576); // 64 threads per row: 2 workgroups sweep the rows 19 times
      await compare(300, 64); // one thread per row: 128 threads sweep the rows 3 times
    } finally {
      capFusedWorkgroups();
    }
  });
});

describe('RoPE: fused on webgpu against the composite on cpu', () => {
  // Llama's tables: angle = position · 10000^(−2j/D); per-row tables start each row at its own position, as cached
  // generation does.
  function tables(B: number, T: number, D: number, perRow: boolean): { cos: Float32Array; sin: Float32Array } {
    const pairs = D / 2;
    const rows = perRow ? B : 1;
    const cos = new Float32Array(rows * T * pairs);
    const sin = new Float32Array(rows * T * pairs);
    for (let b = 0; b < rows; b++)
      for (let t = 0; t < T; t++)
        for (let j = 0; j < pairs; j++) {
          const angle = (t + (perRow ? 5 * b + 3 : 0)) * 10000 ** ((-2 * j) / D);
          cos[(b * T + t) * pairs + j] = Math.cos(angle);
          sin[(b * T + t) * pairs + j] = Math.sin(angle);
        }
    return { cos, sin };
  }

  type Rotate = (x: tf.Tensor4D, cos: tf.Tensor3D, sin: tf.Tensor3D) => tf.Tensor4D;
  const run = (shape: [number, number, number, number], perRow: boolean, turn: Rotate) => {
    const [B, H, T, D] = shape;
    const t = tables(B, T, D, perRow);
    const tableShape: [number, number, number] = [perRow ? B : 1, T, D / 2];
    const cos = tf.tensor3d(t.cos, tableShape);
    const sin = tf.tensor3d(t.sin, tableShape);
    const x = tf.tensor4d(seeded(B * H * T * D, 41, 2), shape);
    const dy = tf.tensor4d(seeded(B * H * T * D, 42), shape);
    const f = (xx: tf.Tensor) => turn(xx as tf.Tensor4D, cos, sin);
    return [f(x), tf.grad(f)(x, dy)];
  };
  const inverseKernel: Rotate = (x, cos, sin) =>
    runKernel(FUSED_KERNELS.rope, { x, cos, sin }, { inverse: 1 }) as tf.Tensor4D;
  const inverseComposite: Rotate = (x, cos, sin) => rope.composite(x, cos, tf.neg(sin));

  it.each([
    [[2, 3, 7, 64], false],
    [[2, 3, 7, 64], true],
    [[3, 2, 5, 128], true],
    [[1, 9, 13, 64], false],
    [[2, 3, 11, 128], false],
  ] as [[number, number, number, number], boolean][])(
    'y and dx for x [%j], per-row tables %s; the inverse rotation and its dx',
    async (shape, perRow) => {
      const what = `rope [${shape}] ${perRow ? 'per-row' : 'shared'}`;
      expectClose(
        await on('webgpu', () => run(shape, perRow, rope.fused)),
        await on('cpu', () => run(shape, perRow, rope.composite)),
        ROPE_TOL,
        `${what} y, dx`,
      );
      expectClose(
        await on('webgpu', () => run(shape, perRow, inverseKernel)),
        await on('cpu', () => run(shape, perRow, inverseComposite)),
        ROPE_TOL,
        `${what} inverse y, dx`,
      );
    },
  );

  it('the kernel refuses tables that do not match x, saying which shapes it needs', async () => {
    await startDawnWebGPU();
    tf.tidy(() => {
      const x = tf.zeros([2, 3, 7, 64]);
      const call = (cos: tf.Tensor, sin: tf.Tensor) => () => runKernel(FUSED_KERNELS.rope, { x, cos, sin });
      const need = /needs cos and sin \[1 or B, T, D\/2\]/;
      expect(call(tf.zeros([2, 7, 64]), tf.zeros([2, 7, 64]))).toThrow(need);
      expect(call(tf.zeros([3, 7, 32]), tf.zeros([3, 7, 32]))).toThrow(need);
      expect(call(tf.zeros([1, 7, 32]), tf.zeros([2, 7, 32]))).toThrow(need);
    });
  });

  it('the rotation followed by its inverse gives x back', async () => {
    const shape: [number, number, number, number] = [2, 3, 7, 64];
    const [x, back] = await on('webgpu', () => {
      const t = tables(2, 7, 64, true);
      const cos = tf.tensor3d(t.cos, [2, 7, 32]);
      const sin = tf.tensor3d(t.sin, [2, 7, 32]);
      const xx = tf.tensor4d(seeded(2 * 3 * 7 * 64, 43), shape);
      return [xx, inverseKernel(rope.fused(xx, cos, sin), cos, sin)];
    });
    expectClose([back!], [x!], ROPE_ROUND_TRIP_TOL, 'rope then inverse');
  });
});

describe('SwiGLU: fused on webgpu against the composite on cpu', () => {
  const run = (N: number, F: number, act: typeof swiglu.fused) => {
    const g = seeded(N * F, 51, 6);
    // Large |gate|, where a naive σ overflows exp.
    g[0] = 40;
    g[1] = -40;
    g[2] = 100;
    g[3] = -100;
    const gate = tf.tensor2d(g, [N, F]);
    const up = tf.tensor2d(seeded(N * F, 52, 2), [N, F]);
    const dy = tf.tensor2d(seeded(N * F, 53), [N, F]);
    const f = (a: tf.Tensor, b: tf.Tensor) => act(a as tf.Tensor2D, b as tf.Tensor2D);
    return [f(gate, up), ...tf.grads(f)([gate, up], dy)];
  };

  it.each([
    [37, 96],
    [23, 1536],
  ])('y, dgate and dup for [%i, %i]', async (N, F) => {
    expectClose(
      await on('webgpu', () => run(N, F, swiglu.fused)),
      await on('cpu', () => run(N, F, swiglu.composite)),
      SWIGLU_TOL,
      `swiglu [${N}, ${F}] y, dgate, dup`,
    );
  });
});

describe('dispatch', () => {
  const ops = { rmsNorm, rope, swiglu };
  const fusedNow = () => Object.values(ops).map((op) => op.fusedNow());

  it('rmsNorm, rope and swiglu run fused on webgpu with the kernels registered unless switched off, never on cpu', async () => {
    await startDawnWebGPU();
    expect(tf.getBackend()).toBe('webgpu');
    expect(fusedNow()).toEqual([true, true, true]);
    setFusedKernels(false);
    try {
      expect(fusedNow()).toEqual([false, false, false]);
    } finally {
      setFusedKernels(true);
    }
    await setNodeBackend('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(fusedNow()).toEqual([false, false, false]);
  });
});
