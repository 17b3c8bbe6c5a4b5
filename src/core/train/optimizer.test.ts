import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import { AdamW, GradAccumulator, lossAndGrads, type AdamWOptions } from './optimizer';

beforeAll(async () => {
  await setNodeBackend('cpu');
});

/** Host copy of the moments, per parameter, through the checkpoint path (stateTensors). */
async function readState(
  opt: AdamW,
): Promise<{ step: number; m: Record<string, Float32Array>; v: Record<string, Float32Array> }> {
  const tensors = opt.stateTensors();
  try {
    const m: Record<string, Float32Array> = {};
    const v: Record<string, Float32Array> = {};
    for (const [key, t] of Object.entries(tensors)) {
      if (key === 'step') continue;
      (key.startsWith('m.') ? m : v)[key.slice(2)] = (await t.data()) as Float32Array;
    }
    return { step: (await tensors.step!.data())[0]!, m, v };
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

/** Restores a host state through the checkpoint path (loadStateTensors); shapes come from the optimizer's own state. */
function writeState(
  opt: AdamW,
  state: { step: number; m: Record<string, Float32Array>; v: Record<string, Float32Array> },
): void {
  const current = opt.stateTensors();
  const tensors: Record<string, tf.Tensor> = { step: tf.scalar(state.step, 'int32') };
  try {
    for (const [key, t] of Object.entries(current)) {
      if (key === 'step') continue;
      const src = (key.startsWith('m.') ? state.m : state.v)[key.slice(2)];
      if (src) tensors[key] = tf.tensor(src, t.shape, 'float32');
    }
    opt.loadStateTensors(tensors);
  } finally {
    tf.dispose([...Object.values(current), ...Object.values(tensors)]);
  }
}

type Vec = number[];
/** Independent float64 reference of the documented update, element by element. */
function reference(
  init: Record<string, Vec>,
  gradSeq: Record<string, Vec>[],
  lrs: number[],
  o: AdamWOptions,
): { params: Record<string, Vec>; norms: number[] } {
  const p = structuredClone(init);
  const m: Record<string, Vec> = {};
  const v: Record<string, Vec> = {};
  for (const k in p) {
    m[k] = p[k]!.map(() => 0);
    v[k] = p[k]!.map(() => 0);
  }
  const norms: number[] = [];
  gradSeq.forEach((grads, i) => {
    const t = i + 1;
    const norm = Math.sqrt(
      Object.values(grads)
        .flat()
        .reduce((a, g) => a + g * g, 0),
    );
    norms.push(norm);
    const scale = o.clipNorm > 0 ? o.clipNorm / Math.max(norm, o.clipNorm) : 1;
    for (const k in p) {
      const wd = o.decay && !o.decay(k) ? 0 : o.weightDecay;
      p[k] = p[k]!.map((x, j) => {
        const g = grads[k]![j]! * scale;
        m[k]![j] = o.beta1 * m[k]![j]! + (1 - o.beta1) * g;
        v[k]![j] = o.beta2 * v[k]![j]! + (1 - o.beta2) * g * g;
        const mh = m[k]![j] / (1 - o.beta1 ** t);
        const vh = v[k]![j] / (1 - o.beta2 ** t);
        return x - lrs[i]! * (mh / (Math.sqrt(vh) + o.eps) + wd * x);
      });
    }
  });
  return { params: p, norms };
}

const init = { 'h.0.w': [0.5, -1.0], 'h.0.ln.bias': [2.0], 'h.0.v': [-0.3, 0.7, 1.1] };
const gradSeq = [
  { 'h.0.w': [3.0, 0.0], 'h.0.ln.bias': [4.0], 'h.0.v': [0.1, -0.2, 0.0] },
  { 'h.0.w': [-0.5, 0.25], 'h.0.ln.bias': [0.3], 'h.0.v': [0.05, 0.4, -0.6] },
  { 'h.0.w': [0.2, -0.1], 'h.0.ln.bias': [-0.7], 'h.0.v': [1.5, -0.3, 0.2] },
];
const lrs = [0.1, 0.05, 0.02];
const noDecayOnBias = (name: string) => !name.endsWith('bias');

type ParamName = keyof typeof init;

function makeParams(): Record<ParamName, tf.Variable> {
  return Object.fromEntries(Object.entries(init).map(([k, x]) => [k, tf.variable(tf.tensor1d(x))])) as Record<
    ParamName,
    tf.Variable
  >;
}

function run(o: AdamWOptions & { maxGroupElements?: number }): { params: Record<string, Vec>; norms: number[] } {
  const params = makeParams();
  const opt = new AdamW(params, o);
  const norms: number[] = [];
  gradSeq.forEach((g, i) => {
    const norm = tf.tidy(() =>
      opt.apply(Object.fromEntries(Object.entries(g).map(([k, x]) => [k, tf.tensor1d(x)])), lrs[i]!),
    );
    norms.push(norm.dataSync()[0]!);
    norm.dispose();
  });
  const out = Object.fromEntries(Object.entries(params).map(([k, p]) => [k, Array.from(p.dataSync())]));
  opt.dispose();
  Object.values(params).forEach((p) => p.dispose());
  return { params: out, norms };
}

function expectClose(a: Record<string, Vec>, b: Record<string, Vec>, digits = 5) {
  for (const k in b) b[k]!.forEach((x, j) => expect(a[k]![j], `${k}[${j}]`).toBeCloseTo(x, digits));
}

describe('AdamW', () => {
  const base: AdamWOptions = {
    beta1: 0.9,
    beta2: 0.95,
    eps: 1e-8,
    weightDecay: 0.1,
    clipNorm: 0,
    decay: noDecayOnBias,
  };

  it('first step by hand: m̂ = g, v̂ = g², so each coordinate moves by lr·(g/(|g|+ε) + wd·p)', () => {
    const r = run({ ...base });
    // After 3 steps we only check the literal first-step values through a 1-step run:
    const params = makeParams();
    const opt = new AdamW(params, base);
    tf.tidy(() =>
      opt.apply(
        { 'h.0.w': tf.tensor1d([3, 0]), 'h.0.ln.bias': tf.tensor1d([4]), 'h.0.v': tf.tensor1d([0.1, -0.2, 0]) },
        0.1,
      ),
    );
    // w[0] = 0.5 − 0.1·(3/(3+1e-8) + 0.1·0.5) = 0.395; w[1]: g = 0 → only decay: −1 − 0.1·(0 + 0.1·(−1)) = −0.99
    expect(Array.from(params['h.0.w'].dataSync())).toEqual([expect.closeTo(0.395, 6), expect.closeTo(-0.99, 6)]);
    // bias: no decay: 2 − 0.1·1 = 1.9
    expect(params['h.0.ln.bias'].dataSync()[0]).toBeCloseTo(1.9, 6);
    // v[2]: g = 0 → 1.1 − 0.1·0.1·1.1 = 1.089
    expect(params['h.0.v'].dataSync()[2]).toBeCloseTo(1.089, 6);
    expect(opt.step).toBe(1);
    opt.dispose();
    Object.values(params).forEach((p) => p.dispose());
    expect(r.params['h.0.w']![0]).not.toBeCloseTo(0.395, 3); // three steps moved further
  });

  it('matches the float64 reference over 3 steps without clipping, decay masked on biases', () => {
    const got = run(base);
    const ref = reference(init, gradSeq, lrs, base);
    expectClose(got.params, ref.params);
    got.norms.forEach((n, i) => expect(n).toBeCloseTo(ref.norms[i]!, 5));
    expect(got.norms[0]).toBeCloseTo(Math.sqrt(9 + 16 + 0.01 + 0.04), 5);
  });

  it('matches the reference with global-norm clipping at 1.0 and returns the pre-clip norm', () => {
    const o = { ...base, clipNorm: 1 };
    const got = run(o);
    const ref = reference(init, gradSeq, lrs, o);
    expectClose(got.params, ref.params);
    expect(got.norms[0]).toBeCloseTo(5.005, 4); // √(9 + 16 + 0.05), before clipping
    // Clipping changes steps 2–3 (the moments mix a scaled step 1 with step 2): the result must differ from no-clip.
    const unclipped = reference(init, gradSeq, lrs, base);
    expect(Math.abs(got.params['h.0.w']![0]! - unclipped.params['h.0.w']![0]!)).toBeGreaterThan(1e-3);
  });

  it('gives the same result however the flat groups are chunked', () => {
    const o = { ...base, clipNorm: 1 };
    const params = makeParams();
    const chunked = new AdamW(params, { ...o, maxGroupElements: 2 });
    const whole = new AdamW(params, o);
    expect(chunked.groupNames).toEqual([['h.0.w'], ['h.0.v'], ['h.0.ln.bias']]);
    expect(whole.groupNames).toEqual([['h.0.w', 'h.0.v'], ['h.0.ln.bias']]);
    chunked.dispose();
    whole.dispose();
    Object.values(params).forEach((p) => p.dispose());
    expectClose(run({ ...o, maxGroupElements: 2 }).params, reference(init, gradSeq, lrs, o).params);
  });

  it('decays every parameter when no mask is given (bias result differs from the masked run)', () => {
    const o = { ...base, decay: undefined };
    const got = run(o);
    const ref = reference(init, gradSeq, lrs, o);
    expectClose(got.params, ref.params);
    const masked = reference(init, gradSeq, lrs, base);
    expect(Math.abs(got.params['h.0.ln.bias']![0]! - masked.params['h.0.ln.bias']![0]!)).toBeGreaterThan(1e-3);
  });

  it('skips a non-finite step on the device, latches the halt, and leaves parameters and moments untouched', async () => {
    const params = makeParams();
    const opt = new AdamW(params, { ...base, clipNorm: 1 });
    const g = (x: number) => ({
      'h.0.w': tf.tensor1d([x, 1]),
      'h.0.ln.bias': tf.tensor1d([1]),
      'h.0.v': tf.tensor1d([1, 1, 1]),
    });
    tf.tidy(() => opt.apply(g(0.5), 0.1));
    const before = await readState(opt);
    const pBefore = Array.from(params['h.0.w'].dataSync());
    const norm = tf.tidy(() => opt.apply(g(NaN), 0.1));
    expect(Number.isNaN(norm.dataSync()[0])).toBe(true);
    norm.dispose();
    expect(Array.from(params['h.0.w'].dataSync())).toEqual(pBefore);
    const after = await readState(opt);
    expect(Array.from(after.m['h.0.w']!)).toEqual(Array.from(before.m['h.0.w']!));
    expect(Array.from(after.v['h.0.v']!)).toEqual(Array.from(before.v['h.0.v']!));
    // Sticky: a later finite step is blocked too, so the weights stay the state from before the bad step.
    tf.tidy(() => opt.apply(g(0.5), 0.1));
    expect(Array.from(params['h.0.w'].dataSync())).toEqual(pBefore);
    const flag = opt.haltedFlag();
    expect(flag.dataSync()[0]).toBe(1);
    flag.dispose();
    // A non-finite loss with finite gradients is caught too, once the halt is cleared.
    opt.clearHalt();
    tf.tidy(() => opt.apply(g(0.5), 0.1, { loss: tf.scalar(Infinity) }));
    expect(Array.from(params['h.0.w'].dataSync())).toEqual(pBefore);
    opt.clearHalt();
    tf.tidy(() => opt.apply(g(0.5), 0.1, { loss: tf.scalar(1) }));
    expect(Array.from(params['h.0.w'].dataSync())).not.toEqual(pBefore);
    opt.dispose();
    Object.values(params).forEach((p) => p.dispose());
  });

  it('a dry run executes the step but changes nothing (compile warm-up)', () => {
    const params = makeParams();
    const opt = new AdamW(params, base);
    const before = Array.from(params['h.0.v'].dataSync());
    tf.tidy(() => opt.apply({ 'h.0.v': tf.tensor1d([1, 2, 3]) }, 0.1, { dryRun: true }));
    expect(Array.from(params['h.0.v'].dataSync())).toEqual(before);
    expect(opt.step).toBe(0);
    opt.dispose();
    Object.values(params).forEach((p) => p.dispose());
  });

  it('exports, resets and imports its state; numTensors stays constant across steps', async () => {
    const params = makeParams();
    const opt = new AdamW(params, base);
    const grads = () => Object.fromEntries(Object.entries(gradSeq[1]!).map(([k, x]) => [k, tf.tensor1d(x)]));
    tf.tidy(() => opt.apply(grads(), 0.1));
    const n0 = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) tf.dispose(tf.tidy(() => opt.apply(grads(), 0.1)));
    expect(tf.memory().numTensors).toBe(n0);
    const s = await readState(opt);
    expect(s.step).toBe(6);
    // Per-parameter tensors for checkpoints: shapes of the parameters, whatever the grouping.
    const st = opt.stateTensors();
    expect(Object.keys(st).sort()).toEqual([
      'm.h.0.ln.bias',
      'm.h.0.v',
      'm.h.0.w',
      'step',
      'v.h.0.ln.bias',
      'v.h.0.v',
      'v.h.0.w',
    ]);
    expect(st['v.h.0.v']!.shape).toEqual([3]);
    expect(Array.from(st['m.h.0.v']!.dataSync())).toEqual(Array.from(s.m['h.0.v']!));
    const regrouped = new AdamW(params, { ...base, maxGroupElements: 1 });
    regrouped.loadStateTensors(st);
    expect(regrouped.step).toBe(6);
    expect(Array.from((await readState(regrouped)).v['h.0.w']!)).toEqual(Array.from(s.v['h.0.w']!));
    regrouped.dispose();
    tf.dispose(Object.values(st));
    opt.reset();
    expect(opt.step).toBe(0);
    expect(Array.from((await readState(opt)).m['h.0.w']!)).toEqual([0, 0]);
    writeState(opt, s);
    expect(opt.step).toBe(6);
    expect(Array.from((await readState(opt)).v['h.0.v']!)).toEqual(Array.from(s.v['h.0.v']!));
    expect(() => writeState(opt, { step: 1, m: {}, v: {} })).toThrow(/no m for parameter/);
    opt.dispose();
    Object.values(params).forEach((p) => p.dispose());
  });

  it('owns exactly tensorCount tensors and frees them all on dispose', () => {
    const params = makeParams();
    const n0 = tf.memory().numTensors;
    const opt = new AdamW(params, base);
    expect(tf.memory().numTensors - n0).toBe(opt.tensorCount);
    const acc = new GradAccumulator(params);
    expect(tf.memory().numTensors - n0).toBe(opt.tensorCount + acc.tensorCount);
    opt.dispose();
    acc.dispose();
    expect(tf.memory().numTensors).toBe(n0);
    Object.values(params).forEach((p) => p.dispose());
  });

  it('rejects invalid hyper-parameters by name', () => {
    expect(() => new AdamW({}, { ...base, beta2: 1 })).toThrow(/beta2/);
    expect(() => new AdamW({}, { ...base, eps: 0 })).toThrow(/eps/);
  });
});

describe('lossAndGrads + GradAccumulator', () => {
  it('keys gradients by the params record and averages micro-batches like one big batch', () => {
    const w = tf.variable(tf.tensor1d([1, 2]), true, 'some-global-name');
    const params = { w };
    const xs = [tf.tensor1d([1, 0]), tf.tensor1d([0, 3])];
    // loss_i = sum(w · x_i)²; grad_i = 2·(w·x_i)·x_i
    const full = tf.tidy(() =>
      lossAndGrads(
        params,
        () => tf.mean(tf.stack(xs.map((x) => tf.square(tf.sum(tf.mul(w, x)))))) as tf.Scalar,
      ).grads.w!.arraySync(),
    );
    const acc = new GradAccumulator(params);
    const mean = tf.tidy(() => {
      const a = lossAndGrads(params, () => tf.square(tf.sum(tf.mul(w, xs[0]!))) as tf.Scalar);
      acc.add(a.grads, a.value);
      const b = lossAndGrads(params, () => tf.square(tf.sum(tf.mul(w, xs[1]!))) as tf.Scalar);
      const r = acc.take({ grads: b.grads, loss: b.value });
      return [r.grads.w, r.loss];
    });
    expect(mean[0]!.arraySync()).toEqual(full);
    expect(full).toEqual([1, 18]); // (2·1·[1,0] + 2·6·[0,3]) / 2
    expect(mean[1]!.dataSync()[0]).toBeCloseTo((1 + 36) / 2, 6);
    expect(acc.count).toBe(0);
    tf.dispose([...mean, ...xs, w]);
    acc.dispose();
  });
});
