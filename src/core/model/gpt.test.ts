import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import { mulberry32 } from '../util/random';
import { countGptParams, GPT_PRESETS, gptParamShapes, type GptConfig } from './config';
import {
  decayMask,
  disposeGptCaches,
  disposeGptParams,
  gptForwardCached,
  gptHead,
  gptLogits,
  gptLoss,
  initGptParams,
  keyPaddingMask,
  type GptCache,
  type GptForwardOptions,
  type GptParams,
} from './gpt';
import { referenceForward, referenceLoss, type PlainParams } from './testing/referenceForward';
import { randomizeGptParams } from './testing/randomParams';

// micro's shape (2 layers, 2 heads, MLP ×4, GPT-2's ε and √d scaling) at width 16 and 6 positions.
const TINY: GptConfig = { ...GPT_PRESETS.micro, vocabSize: 11, contextLength: 6, width: 16 };

const IDS = [
  [1, 5, 7, 3, 9],
  [1, 10, 2, 2, 4],
];
const TARGETS = [
  [5, 7, 3, 9, 2],
  [10, 2, 2, 4, 6],
];
// Prompt positions (0) first, response positions (1) after, as in instruction tuning.
const MASK = [
  [0, 0, 1, 1, 1],
  [0, 1, 1, 1, 0],
];

/** Larger-than-init random weights (see testing/randomParams.ts). */
function randomize(params: GptParams, seed: number): void {
  randomizeGptParams(params, seed, { embeddings: 0.5, weights: 0.35 });
}

function plain(params: GptParams): PlainParams {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, { shape: v.shape, data: v.dataSync() }]));
}

function lossOf(config: GptConfig, params: GptParams, targets = TARGETS, mask = MASK): number {
  return tf.tidy(
    () =>
      gptLoss(
        config,
        params,
        tf.tensor2d(IDS, undefined, 'int32'),
        tf.tensor2d(targets, undefined, 'int32'),
        tf.tensor2d(mask),
      ).dataSync()[0]!,
  );
}

function lossAndGrads(
  config: GptConfig,
  params: GptParams,
  targets = TARGETS,
  mask = MASK,
  options: GptForwardOptions = {},
) {
  return tf.tidy(() => {
    const ids = tf.tensor2d(IDS, undefined, 'int32');
    const y = tf.tensor2d(targets, undefined, 'int32');
    const m = tf.tensor2d(mask);
    const { value, grads } = tf.variableGrads(() => gptLoss(config, params, ids, y, m, options), Object.values(params));
    const out: Record<string, Float32Array> = {};
    for (const [name, v] of Object.entries(params)) out[name] = grads[v.name]!.dataSync() as Float32Array;
    return { loss: value.dataSync()[0]!, grads: out };
  });
}

/** A few entries of each parameter: its largest gradients (so a wrong sign cannot hide) and random others. */
function sampleEntries(grad: Float32Array, seed: number, largest = 3, random = 3): number[] {
  const order = [...grad.keys()].sort((a, b) => Math.abs(grad[b]!) - Math.abs(grad[a]!));
  const next = mulberry32(seed);
  const picks = new Set(order.slice(0, largest));
  while (picks.size < Math.min(grad.length, largest + random)) picks.add(Math.floor(next() * grad.length));
  return [...picks];
}

let params: GptParams;

beforeAll(async () => {
  await setNodeBackend('cpu');
  params = initGptParams(TINY, 1234);
  randomize(params, 99);
});

afterAll(() => {
  disposeGptParams(params);
  disposeGptCaches();
});

describe('initGptParams', () => {
  it('creates GPT-2 names and shapes with GPT-2 init, reproducibly from the seed', async () => {
    await setNodeBackend('cpu');
    const config: GptConfig = { ...TINY, width: 64, heads: 4, vocabSize: 300, layers: 3 };
    const p = initGptParams(config, 7);
    expect(Object.keys(p)).toEqual(gptParamShapes(config).map(([n]) => n));
    for (const [name, shape] of gptParamShapes(config)) expect(p[name]!.shape).toEqual(shape);
    expect(Object.values(p).reduce((n, v) => n + v.size, 0)).toBe(countGptParams(config));
    const std = (a: Float32Array) => Math.sqrt(a.reduce((s, x) => s + x * x, 0) / a.length);
    expect(std(p.wte!.dataSync() as Float32Array)).toBeCloseTo(0.02, 3);
    expect(std(p['h.0.mlp.c_fc.weight']!.dataSync() as Float32Array)).toBeCloseTo(0.02, 3);
    expect(std(p['h.2.mlp.c_proj.weight']!.dataSync() as Float32Array)).toBeCloseTo(0.02 / Math.sqrt(6), 3);
    expect(std(p['h.1.attn.c_proj.weight']!.dataSync() as Float32Array)).toBeCloseTo(0.02 / Math.sqrt(6), 3);
    expect([...p['h.1.ln_2.weight']!.dataSync()].every((x) => x === 1)).toBe(true);
    expect([...p['h.1.attn.c_attn.bias']!.dataSync()].every((x) => x === 0)).toBe(true);

    const again = initGptParams(config, 7);
    const other = initGptParams(config, 8);
    expect(again['h.0.attn.c_attn.weight']!.dataSync()).toEqual(p['h.0.attn.c_attn.weight']!.dataSync());
    expect(other.wte!.dataSync()).not.toEqual(p.wte!.dataSync());
    // Same numbers on another backend: they come from our PRNG, not the backend's.
    await setNodeBackend('wasm');
    const onWasm = initGptParams(config, 7);
    expect(onWasm.wpe!.dataSync()).toEqual(p.wpe!.dataSync());
    for (const q of [p, again, other, onWasm]) disposeGptParams(q);
  });

  it('leaves no tensor behind once the parameters are disposed', async () => {
    await setNodeBackend('cpu');
    const before = tf.memory().numTensors;
    const p = initGptParams(TINY, 1);
    expect(tf.memory().numTensors).toBe(before + Object.keys(p).length);
    disposeGptParams(p);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects an invalid config', () => {
    expect(() => initGptParams({ ...TINY, heads: 3 }, 1)).toThrow(/not divisible by heads/);
  });
});

describe('decayMask', () => {
  it("decays the embeddings and the linear matrices, not biases or LayerNorm weights (the Trainer's rule)", () => {
    const decayed = gptParamShapes(TINY)
      .map(([n]) => n)
      .filter(decayMask);
    expect(decayed).toEqual([
      'wte',
      'wpe',
      'h.0.attn.c_attn.weight',
      'h.0.attn.c_proj.weight',
      'h.0.mlp.c_fc.weight',
      'h.0.mlp.c_proj.weight',
      'h.1.attn.c_attn.weight',
      'h.1.attn.c_proj.weight',
      'h.1.mlp.c_fc.weight',
      'h.1.mlp.c_proj.weight',
    ]);
  });
});

describe('gptLogits', () => {
  it('matches an independent Float64 forward, 1 layer, within 1e-4', async () => {
    await setNodeBackend('cpu');
    const config: GptConfig = { ...TINY, layers: 1 };
    const p = initGptParams(config, 5);
    randomize(p, 6);
    const ours = tf.tidy(() => gptLogits(config, p, tf.tensor2d(IDS, undefined, 'int32')).dataSync());
    const ref = referenceForward(config, plain(p), IDS);
    expect(ours.length).toBe(ref.length);
    let maxDiff = 0;
    ref.forEach((r, i) => (maxDiff = Math.max(maxDiff, Math.abs(r - ours[i]!))));
    expect(maxDiff).toBeLessThan(1e-4);
    disposeGptParams(p);
  });

  it('matches the Float64 forward with 2 layers and GPT-Neo (unscaled) attention', async () => {
    await setNodeBackend('cpu');
    const config: GptConfig = { ...TINY, attentionScale: 'none' };
    const p = initGptParams(config, 8);
    randomize(p, 9);
    const ours = tf.tidy(() => gptLogits(config, p, tf.tensor2d(IDS, undefined, 'int32')).dataSync());
    const ref = referenceForward(config, plain(p), IDS);
    ref.forEach((r, i) => expect(Math.abs(r - ours[i]!)).toBeLessThan(1e-4));
    disposeGptParams(p);
  });

  it('is causal: logits at t do not depend on later tokens', async () => {
    await setNodeBackend('cpu');
    const a = tf.tidy(() => gptLogits(TINY, params, tf.tensor2d([[1, 2, 3, 4]], undefined, 'int32')).dataSync());
    const b = tf.tidy(() => gptLogits(TINY, params, tf.tensor2d([[1, 2, 9, 8]], undefined, 'int32')).dataSync());
    const V = TINY.vocabSize;
    expect([...b.slice(0, 2 * V)]).toEqual([...a.slice(0, 2 * V)]);
    expect([...b.slice(2 * V)]).not.toEqual([...a.slice(2 * V)]);
  });

  it('gives the same logits, loss and gradients on wasm as on cpu', async () => {
    await setNodeBackend('cpu');
    const ref = plain(params);
    const cpuLogits = tf.tidy(() => gptLogits(TINY, params, tf.tensor2d(IDS, undefined, 'int32')).dataSync());
    const cpu = lossAndGrads(TINY, params);
    await setNodeBackend('wasm');
    const wasmParams: GptParams = Object.fromEntries(
      Object.entries(ref).map(([k, v]) => [
        k,
        tf.tidy(() => tf.variable(tf.tensor(v.data as Float32Array, v.shape as number[]))),
      ]),
    );
    const wasmLogits = tf.tidy(() => gptLogits(TINY, wasmParams, tf.tensor2d(IDS, undefined, 'int32')).dataSync());
    cpuLogits.forEach((x, i) => expect(Math.abs(x - wasmLogits[i]!)).toBeLessThan(1e-5));
    const wasm = lossAndGrads(TINY, wasmParams);
    expect(Math.abs(wasm.loss - cpu.loss)).toBeLessThan(1e-5);
    for (const [name, g] of Object.entries(cpu.grads)) {
      const w = wasm.grads[name]!;
      g.forEach((x, i) => expect(Math.abs(x - w[i]!), `${name}[${i}]`).toBeLessThan(1e-4 + 1e-4 * Math.abs(x)));
    }
    disposeGptParams(wasmParams);
    await setNodeBackend('cpu');
  });

  it('refuses sequences longer than the context and non-integer ids', async () => {
    await setNodeBackend('cpu');
    expect(() => gptLogits(TINY, params, tf.zeros([1, 7], 'int32') as tf.Tensor2D)).toThrow(/context is 6/);
    expect(() => gptLogits(TINY, params, tf.zeros([1, 3]) as tf.Tensor2D)).toThrow(/int32/);
  });
});

describe('gptLoss', () => {
  it('equals the Float64 reference loss over the masked positions', async () => {
    await setNodeBackend('cpu');
    const expected = referenceLoss(referenceForward(TINY, plain(params), IDS), TINY.vocabSize, TARGETS, MASK);
    expect(lossOf(TINY, params)).toBeCloseTo(expected, 5);
  });

  it('has gradients that match central finite differences of the tfjs loss, for every parameter', async () => {
    await setNodeBackend('cpu');
    const { grads } = lossAndGrads(TINY, params);
    const eps = 3e-3;
    let checked = 0;
    for (const [name, v] of Object.entries(params)) {
      const original = v.dataSync().slice() as Float32Array;
      const analytic = grads[name]!;
      for (const k of sampleEntries(analytic, checked + 17)) {
        const at = (delta: number) => {
          const moved = original.slice();
          moved[k] = moved[k]! + delta;
          tf.tidy(() => v.assign(tf.tensor(moved, v.shape)));
          return lossOf(TINY, params);
        };
        const numeric = (at(eps) - at(-eps)) / (2 * eps);
        expect(
          Math.abs(numeric - analytic[k]!),
          `${name}[${k}]: analytic ${analytic[k]} vs numeric ${numeric}`,
        ).toBeLessThan(2e-3 + 2e-2 * Math.abs(numeric));
        checked++;
      }
      tf.tidy(() => v.assign(tf.tensor(original, v.shape)));
      // The largest gradient of every parameter is far above the tolerance, so a flipped sign or a lost term fails.
      expect(Math.max(...analytic.map(Math.abs)), name).toBeGreaterThan(1e-2);
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('has gradients that match Float64 finite differences of the independent reference', async () => {
    await setNodeBackend('cpu');
    const { grads } = lossAndGrads(TINY, params);
    const base = plain(params);
    const refLoss = (p: PlainParams) => referenceLoss(referenceForward(TINY, p, IDS), TINY.vocabSize, TARGETS, MASK);
    const eps = 1e-5;
    for (const [name, t] of Object.entries(base)) {
      for (const k of sampleEntries(grads[name]!, 3, 2, 2)) {
        const shifted = (delta: number) => {
          const data = Float64Array.from(t.data);
          data[k] = data[k]! + delta;
          return refLoss({ ...base, [name]: { shape: t.shape, data } });
        };
        const numeric = (shifted(eps) - shifted(-eps)) / (2 * eps);
        expect(Math.abs(numeric - grads[name]![k]!), `${name}[${k}]`).toBeLessThan(2e-4 + 1e-3 * Math.abs(numeric));
      }
    }
  });

  it('gives the same gradients through either embedding-gradient route', async () => {
    for (const backend of ['cpu', 'wasm'] as const) {
      await setNodeBackend(backend);
      const p = initGptParams(TINY, 21);
      randomize(p, 22);
      const a = lossAndGrads(TINY, p, TARGETS, MASK, { embeddingGrad: 'onehot' });
      const b = lossAndGrads(TINY, p, TARGETS, MASK, { embeddingGrad: 'scatter' });
      expect(b.loss).toBe(a.loss);
      a.grads.wte!.forEach((g, i) => expect(Math.abs(g - b.grads.wte![i]!), `${backend} wte[${i}]`).toBeLessThan(1e-6));
      disposeGptParams(p);
    }
    await setNodeBackend('cpu');
  });

  it('ignores targets where mask = 0: same loss, same gradients', async () => {
    await setNodeBackend('cpu');
    const a = lossAndGrads(TINY, params);
    const changed = TARGETS.map((row, b) => row.map((y, t) => (MASK[b]![t] === 0 ? (y + 3) % TINY.vocabSize : y)));
    const b = lossAndGrads(TINY, params, changed);
    expect(b.loss).toBe(a.loss);
    for (const name of Object.keys(a.grads))
      expect([...b.grads[name]!].map((x) => x + 0)).toEqual([...a.grads[name]!].map((x) => x + 0));
    // …while changing a counted target does change it.
    const counted = TARGETS.map((row, bi) => row.map((y, t) => (bi === 0 && t === 4 ? (y + 1) % TINY.vocabSize : y)));
    expect(lossOf(TINY, params, counted)).not.toBe(a.loss);
  });

  it('computes a one-position example by hand', async () => {
    await setNodeBackend('cpu');
    // Blocks with zero weights add nothing, so logits = LN(wte[id] + wpe[0]) · wteᵀ, which is (k, −k)·wteᵀ with
    // k = 1/√(1 + eps/0.25) for wte[0] = (1, 0).
    const config: GptConfig = {
      vocabSize: 3,
      contextLength: 1,
      layers: 1,
      width: 2,
      heads: 1,
      mlpRatio: 4,
      layerNormEps: 1e-5,
      attentionScale: 'sqrt',
    };
    const p = initGptParams(config, 0);
    for (const [name, v] of Object.entries(p))
      if (!/ln_(\d|f)\.weight$/.test(name)) tf.tidy(() => v.assign(tf.zerosLike(v)));
    tf.tidy(() =>
      p.wte!.assign(
        tf.tensor2d([
          [1, 0],
          [0, 1],
          [2, -1],
        ]),
      ),
    );
    const loss = tf.tidy(
      () =>
        gptLoss(
          config,
          p,
          tf.tensor2d([[0]], [1, 1], 'int32'),
          tf.tensor2d([[2]], [1, 1], 'int32'),
          tf.tensor2d([[1]]),
        ).dataSync()[0]!,
    );
    const k = 1 / Math.sqrt(1 + 1e-5 / 0.25);
    const expected = Math.log(Math.exp(k) + Math.exp(-k) + Math.exp(3 * k)) - 3 * k;
    expect(loss).toBeCloseTo(expected, 5);
    disposeGptParams(p);
  });

  it('is 0 when nothing counts', async () => {
    await setNodeBackend('cpu');
    expect(
      lossOf(
        TINY,
        params,
        TARGETS,
        MASK.map((r) => r.map(() => 0)),
      ),
    ).toBe(0);
  });

  it('leaks no tensors inside tf.tidy, forward or with gradients', async () => {
    for (const backend of ['cpu', 'wasm'] as const) {
      await setNodeBackend(backend);
      const p = initGptParams(TINY, 3);
      lossAndGrads(TINY, p); // first call caches this backend's causal mask
      const before = tf.memory().numTensors;
      lossOf(TINY, p);
      lossAndGrads(TINY, p);
      expect(tf.memory().numTensors, backend).toBe(before);
      disposeGptParams(p);
    }
    await setNodeBackend('cpu');
  });

  it('explains mismatched targets and mask', async () => {
    await setNodeBackend('cpu');
    const ids = tf.tensor2d(IDS, undefined, 'int32');
    expect(() =>
      gptLoss(TINY, params, ids, tf.zeros([2, 4], 'int32') as tf.Tensor2D, tf.ones([2, 5]) as tf.Tensor2D),
    ).toThrow(/targets must have the shape/);
    expect(() =>
      gptLoss(TINY, params, ids, tf.zeros([2, 5], 'int32') as tf.Tensor2D, tf.ones([2, 4]) as tf.Tensor2D),
    ).toThrow(/mask must have the shape/);
    expect(() =>
      gptLoss(TINY, { ...params, 'h.1.ln_2.bias': undefined! }, ids, ids, tf.ones([2, 5]) as tf.Tensor2D),
    ).toThrow(/"h.1.ln_2.bias" is missing/);
  });
});

describe('gptForwardCached', () => {
  /**
   * Logits [B·T, V] of `rows` (equal lengths) fed in chunks (`chunks` sums to the length), each chunk attending to
   * the cache the earlier ones left; `pads[b]` leading columns of row b are padding (positions start after them).
   */
  function cachedLogits(p: GptParams, rows: number[][], chunks: number[], pads = rows.map(() => 0)): number[][] {
    return tf.tidy(() => {
      const B = rows.length;
      const T = rows[0]!.length;
      const keyPadding = keyPaddingMask(pads, T);
      const positions = rows.map((r, b) => r.map((_, t) => Math.max(0, t - pads[b]!)));
      let cache: GptCache | null = null;
      const out: tf.Tensor[] = [];
      let at = 0;
      for (const n of chunks) {
        const ids = tf.tensor2d(
          rows.map((r) => r.slice(at, at + n)),
          [B, n],
          'int32',
        );
        const pos = tf.tensor2d(
          positions.map((r) => r.slice(at, at + n)),
          [B, n],
          'int32',
        );
        const r = gptForwardCached(TINY, p, ids, pos, keyPadding, cache);
        out.push(tf.reshape(gptHead(p, r.hidden), [B, n, TINY.vocabSize]));
        cache = r.cache;
        at += n;
      }
      return (tf.concat(out, 1).arraySync() as number[][][]).flatMap((row) => row);
    });
  }

  function uncachedLogits(p: GptParams, rows: number[][]): number[][] {
    return tf.tidy(() =>
      (gptLogits(TINY, p, tf.tensor2d(rows, undefined, 'int32')).arraySync() as number[][][]).flatMap((row) => row),
    );
  }

  function maxDiff(a: number[][], b: number[][]): number {
    expect(a.length).toBe(b.length);
    return Math.max(...a.flatMap((row, i) => row.map((x, j) => Math.abs(x - b[i]![j]!))));
  }

  it('gives the logits of gptLogits and of the Float64 reference, as a prefill or column by column, on cpu and wasm', async () => {
    const ref = plain(params);
    const V = TINY.vocabSize;
    const expected = referenceForward(TINY, ref, IDS);
    const refRows = IDS.flatMap((r, b) =>
      r.map((_, t) => [...expected.slice((b * r.length + t) * V, (b * r.length + t + 1) * V)]),
    );
    for (const backend of ['cpu', 'wasm'] as const) {
      await setNodeBackend(backend);
      const p: GptParams = Object.fromEntries(
        Object.entries(ref).map(([k, v]) => [
          k,
          tf.tidy(() => tf.variable(tf.tensor(v.data as Float32Array, v.shape as number[]))),
        ]),
      );
      const full = uncachedLogits(p, IDS);
      for (const chunks of [[5], [1, 1, 1, 1, 1], [2, 1, 2]]) {
        const cached = cachedLogits(p, IDS, chunks);
        expect(maxDiff(cached, full), `${backend} ${chunks}`).toBeLessThan(1e-5);
        expect(maxDiff(cached, refRows), `${backend} ${chunks}`).toBeLessThan(1e-4);
      }
      disposeGptParams(p);
    }
    await setNodeBackend('cpu');
  });

  it('hides a row’s left padding from it: padded rows give the logits they give alone', async () => {
    await setNodeBackend('cpu');
    const padded = [
      [7, 7, ...IDS[0]!.slice(0, 4)], // two padding columns (any token) before four real ones
      [...IDS[1]!, 3],
    ];
    for (const chunks of [[6], [3, 1, 1, 1]]) {
      const got = cachedLogits(params, padded, chunks, [2, 0]);
      expect(maxDiff(got.slice(2, 6), uncachedLogits(params, [IDS[0]!.slice(0, 4)]))).toBeLessThan(1e-5);
      expect(maxDiff(got.slice(6), uncachedLogits(params, [padded[1]!]))).toBeLessThan(1e-5);
    }
  });

  it('leaks no tensors and refuses a cache of the wrong depth', async () => {
    await setNodeBackend('cpu');
    cachedLogits(params, IDS, [2, 3]);
    const before = tf.memory().numTensors;
    cachedLogits(params, IDS, [1, 1, 3]);
    expect(tf.memory().numTensors).toBe(before);
    tf.tidy(() => {
      const ids = tf.tensor2d([[1], [2]], [2, 1], 'int32');
      const first = gptForwardCached(
        TINY,
        params,
        ids,
        tf.zeros([2, 1], 'int32') as tf.Tensor2D,
        keyPaddingMask([0, 0], 3),
        null,
      );
      expect(first.cache).toHaveLength(TINY.layers);
      expect(() =>
        gptForwardCached(
          TINY,
          params,
          ids,
          tf.ones([2, 1], 'int32') as tf.Tensor2D,
          keyPaddingMask([0, 0], 3),
          first.cache.slice(1),
        ),
      ).toThrow(/cache has 1 layers but the model has 2/);
    });
  });
});
