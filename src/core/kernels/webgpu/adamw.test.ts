import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../nodeBackends';
import { AdamW, type AdamWOptions } from '../../train/optimizer';
import { describeAdapter, startDawnWebGPU } from './dawnNode';
import { seeded } from './testing/seeded';
import { fusedAdamWAvailable } from '../../ops/fusedAdamW';

// The fused AdamW (ops/fusedAdamW.ts, adamwPrograms.ts) on webgpu (Dawn) against optimizer.ts's composite update on
// cpu, the reference: the same parameters, gradients and steps — plain, clipped, a missing gradient, a NaN gradient the
// guard skips, a dry run — must leave the same parameters, moments, norms and halt flag.
//
// Tolerances, |fused − composite| / (1 + |composite|): about 10× the largest measured on Dawn/SwiftShader against cpu
// over both cases, with these inputs and with every seed shifted by 1000, 2000, 3000, 4000 and 5000 (most runs agree
// bit for bit).
const NORM_TOL = 7e-7; // measured 6.6e-8
const STATE_TOL = 4e-7; // measured 3.8e-8

// 10 decayed matrices (more than one 7-input dispatch flattens) and 3 biases, none a multiple of 64 long.
const SHAPES: Record<string, number[]> = Object.fromEntries([
  ...Array.from({ length: 10 }, (_, i) => [`w${i}`, i % 2 ? [3 + i, 5] : [7 + i]]),
  ...Array.from({ length: 3 }, (_, i) => [`b${i}`, [4 + 3 * i]]),
]);
const OPTIONS: AdamWOptions = {
  beta1: 0.9,
  beta2: 0.95,
  eps: 1e-8,
  weightDecay: 0.1,
  clipNorm: 1,
  decay: (n) => n.startsWith('w'),
};

interface Outcome {
  state: Float32Array[];
  norms: number[];
  halted: number[];
  step: number;
}

/** Six steps: plain, clipped, one gradient missing, a NaN gradient (skipped, halts), cleared + dry run, plain. */
async function train(backend: 'cpu' | 'webgpu', maxGroupElements?: number): Promise<Outcome> {
  if (backend === 'cpu') await setNodeBackend('cpu');
  else await startDawnWebGPU();
  expect(fusedAdamWAvailable()).toBe(backend === 'webgpu');
  const names = Object.keys(SHAPES);
  const params = tf.tidy(() =>
    Object.fromEntries(
      names.map((n, k) => [n, tf.variable(tf.tensor(seeded(tf.util.sizeFromShape(SHAPES[n]!), 100 + k), SHAPES[n]))]),
    ),
  );
  const opt = new AdamW(params, { ...OPTIONS, maxGroupElements });
  const norms: number[] = [];
  const halted: number[] = [];
  const plan = [
    { scale: 0.05 },
    { scale: 3 },
    { scale: 0.1, drop: 'w3' },
    { scale: 0.1, nan: 'b1' },
    { scale: 0.1, dryRun: true, clear: true },
    { scale: 0.2 },
  ];
  for (const [s, step] of plan.entries()) {
    if (step.clear) opt.clearHalt();
    const grads: Record<string, tf.Tensor> = {};
    names.forEach((n, k) => {
      if (n === step.drop) return;
      const values = seeded(tf.util.sizeFromShape(SHAPES[n]!), 1000 * s + k, step.scale);
      if (n === step.nan) values[1] = NaN;
      grads[n] = tf.tensor(values, SHAPES[n]);
    });
    const loss = tf.scalar(2.5);
    const norm = opt.apply(grads, 0.02, { loss, dryRun: step.dryRun });
    norms.push((await norm.data())[0]!);
    const flag = opt.haltedFlag();
    halted.push((await flag.data())[0]!);
    tf.dispose([norm, flag, loss, ...Object.values(grads)]);
  }
  const stateTensors = opt.stateTensors();
  const keys = [...names, ...Object.keys(stateTensors).sort()];
  const all = { ...params, ...stateTensors };
  const state = await Promise.all(keys.map(async (k) => new Float32Array(await all[k]!.data())));
  const step = opt.step;
  tf.dispose([...Object.values(params), ...Object.values(stateTensors)]);
  opt.dispose();
  return { state, norms, halted, step };
}

beforeAll(async () => {
  console.log(`fused AdamW on webgpu: ${describeAdapter(await startDawnWebGPU())}`);
});
afterAll(async () => {
  await setNodeBackend('cpu');
});

describe('fused AdamW on webgpu against the composite update on cpu', () => {
  it.each([
    ['two groups (a flatten over more than 7 inputs)', undefined],
    ['a group per parameter or two (a norm over more than 7 groups)', 40],
  ])('%s: parameters, moments, norms and the halt flag after six steps', async (_, cap) => {
    const want = await train('cpu', cap);
    const tensorsBefore = tf.memory().numTensors;
    const got = await train('webgpu', cap);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(got.step).toBe(want.step);
    expect(got.halted).toEqual(want.halted);
    expect(want.halted).toEqual([0, 0, 0, 1, 0, 0]); // the NaN step latched, the dry run did not
    expect(Number.isNaN(got.norms[3])).toBe(true);
    got.norms.forEach((n, i) => {
      if (i !== 3)
        expect(Math.abs(n - want.norms[i]!), `norm ${i}`).toBeLessThan(NORM_TOL * (1 + Math.abs(want.norms[i]!)));
    });
    expect(want.norms[1]).toBeGreaterThan(OPTIONS.clipNorm); // step 2 really clips
    expect(got.state.length).toBe(want.state.length);
    got.state.forEach((g, k) => {
      let worst = 0;
      for (let i = 0; i < g.length; i++)
        worst = Math.max(worst, Math.abs(g[i]! - want.state[k]![i]!) / (1 + Math.abs(want.state[k]![i]!)));
      expect(worst, `state ${k}`).toBeLessThan(STATE_TOL);
    });
  });

  it('costs one kernel per parameter plus a few per group and per step', async () => {
    await startDawnWebGPU();
    const names = Object.keys(SHAPES);
    const params = Object.fromEntries(names.map((n) => [n, tf.variable(tf.zeros(SHAPES[n]!))]));
    const opt = new AdamW(params, OPTIONS);
    const grads = Object.fromEntries(names.map((n) => [n, tf.ones(SHAPES[n]!)]));
    const info = await tf.profile(async () => {
      const norm = opt.apply(grads, 0.01);
      await norm.data();
      norm.dispose();
    });
    // 13 parameters, 2 groups: 2 flattens, 4 moments, 13 updates, the sum, the scalars, 2 × (slice + reshape) picks.
    expect(info.kernels.length).toBeLessThanOrEqual(names.length + 3 * 2 + 6);
    tf.dispose([...Object.values(params), ...Object.values(grads)]);
    opt.dispose();
  });
});
