import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import { gptConfigFromPreset, type GptConfig } from '../model/config';
import { disposeGptParams, initGptParams } from '../model/gpt';
import {
  AGREEMENT_HYPER,
  AGREEMENT_THRESHOLDS,
  checkBackendAgreement,
  compareSteps,
  summarizeAgreement,
  syntheticAgreementBatch,
  type AgreementOptions,
  type BackendStepResult,
} from './backendAgreement';

// Micro GPT (2 layers, width 32, context 32) over a char-sized vocabulary, batch 4: the configuration the browser check uses.
let config: GptConfig;
const setBackend = (name: string) => setNodeBackend(name as 'cpu' | 'wasm');

function options(over: Partial<AgreementOptions> = {}): AgreementOptions {
  return {
    backends: ['cpu', 'wasm'],
    setBackend,
    config,
    seed: 11,
    batch: syntheticAgreementBatch(config, 4, 5),
    ...over,
  };
}

beforeAll(async () => {
  config = gptConfigFromPreset('micro', 64);
  await setNodeBackend('cpu');
});

describe('syntheticAgreementBatch', () => {
  it('is reproducible, in range, shifted by one, with a prompt-like masked-out quarter and repeated ids', () => {
    const a = syntheticAgreementBatch(config, 4, 5);
    const b = syntheticAgreementBatch(config, 4, 5);
    expect(a.ids).toEqual(b.ids);
    expect(syntheticAgreementBatch(config, 4, 6).ids).not.toEqual(a.ids);
    expect(a.ids.length).toBe(4 * 32);
    for (const id of [...a.ids, ...a.targets]) expect(id >= 0 && id < 64).toBe(true);
    for (let t = 0; t < 31; t++) expect(a.targets[t]).toBe(a.ids[t + 1]);
    expect([...a.mask.subarray(0, 8)]).toEqual(new Array(8).fill(0));
    expect([...a.mask.subarray(8, 32)]).toEqual(new Array(24).fill(1));
    expect(new Set(a.ids).size).toBeLessThan(a.ids.length); // duplicates: the embedding gradient must add rows up
  });

  it('refuses a sequence longer than the model context', () => {
    expect(() => syntheticAgreementBatch(config, 2, 1, 33)).toThrow(/context/);
  });
});

describe('checkBackendAgreement (Node: cpu reference vs wasm)', () => {
  it('cpu and wasm agree on loss, wte gradient, gradient norm and the updated parameters, and nothing leaks', async () => {
    const before = tf.memory().numTensors;
    const report = await checkBackendAgreement(options({ keepParams: true }));
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.getBackend()).toBe('wasm');

    expect(report.reference).toBe('cpu');
    expect(report.results.map((r) => r.backend)).toEqual(['cpu', 'wasm']);
    const cpu = report.results[0]!;
    // A fresh model predicts close to uniformly: loss near ln(64) ≈ 4.16.
    expect(cpu.loss).toBeGreaterThan(3.8);
    expect(cpu.loss).toBeLessThan(4.5);
    expect(cpu.clipped).toBe(true); // the clip is part of what is compared
    for (const r of report.results) {
      expect(r.numTensorsAfter).toBe(r.numTensorsBefore);
      expect(r.embeddingGradPath).toBe('scatter'); // 'auto' scatters on cpu and wasm
      expect(r.otherPath?.path).toBe('onehot');
      expect(r.wteGrad.length).toBe(64 * 32);
      expect(Object.keys(r.params!)).toContain('h.1.mlp.c_proj.weight');
    }
    // The step really moved the weights by about lr (so "params agree" is not trivially true).
    const init = initGptParams(config, 11);
    const initial = init['h.0.attn.c_proj.weight']!.dataSync();
    disposeGptParams(init);
    const moved = cpu.params!['h.0.attn.c_proj.weight']!.map((x, i) => Math.abs(x - initial[i]!));
    expect(Math.max(...moved)).toBeGreaterThan(0.5 * AGREEMENT_HYPER.lr);

    expect(report.comparisons).toHaveLength(1);
    const c = report.comparisons[0]!;
    expect(c.failures).toEqual([]);
    expect(c.pass).toBe(true);
    expect(report.pass).toBe(true);
    // Measured ~5e-7, ~2e-7, ~4e-7: far inside the thresholds, so the test is not a coin flip.
    expect(c.lossDelta).toBeLessThan(1e-5);
    expect(c.wteGradRel).toBeLessThan(1e-5);
    expect(c.paramMaxAbs).toBeLessThan(1e-5);
    expect(c.otherPath?.pass).toBe(true);
    expect(c.leakedTensors).toBe(0);

    const s = summarizeAgreement(report);
    expect(s).toMatchObject({ reference: 'cpu', backend: 'wasm', pass: true, embeddingGradPath: 'scatter' });
    expect(JSON.parse(JSON.stringify(s))).toEqual(s); // plain numbers: safe to post between threads
  });

  it('flags a backend whose parameters differ (perturbed after init via a hook)', async () => {
    const report = await checkBackendAgreement(
      options({
        hooks: {
          afterInit: (backend, params) => {
            if (backend !== 'wasm') return;
            tf.tidy(() => params['wte']!.assign(tf.mul(params['wte']!, 1.05)));
          },
        },
      }),
    );
    const c = report.comparisons[0]!;
    expect(report.pass).toBe(false);
    expect(c.pass).toBe(false);
    expect(c.lossDelta).toBeGreaterThan(AGREEMENT_THRESHOLDS.lossAbs);
    expect(c.failures.join(' ')).toMatch(/\|Δloss\|/);
    expect(c.paramMaxAbs).toBeGreaterThan(2.5 * AGREEMENT_HYPER.lr);
    expect(c.paramWorst).toMatch(/^wte\[/);
  });

  it('flags a wrong embedding gradient even when the loss agrees (a scatter that drops a row)', async () => {
    const ids = syntheticAgreementBatch(config, 4, 5).ids;
    const row = ids[20]; // a token that is in the batch, so its gradient row is not zero
    const report = await checkBackendAgreement(
      options({
        crossCheckEmbeddingPaths: false,
        hooks: {
          mapGrads: (backend, grads) => {
            if (backend !== 'wasm') return;
            const keep = tf.tensor2d(
              Array.from({ length: 64 }, (_, i) => (i === row ? 0 : 1)),
              [64, 1],
            );
            return { ...grads, wte: tf.mul(grads['wte']!, keep) };
          },
        },
      }),
    );
    const c = report.comparisons[0]!;
    expect(c.lossDelta).toBeLessThan(1e-5); // the loss cannot see it …
    expect(c.pass).toBe(false); // … the check does
    expect(c.wteGradRel).toBeGreaterThan(AGREEMENT_THRESHOLDS.wteGradRel);
    expect(c.wteGradWorst.row).toBe(row);
    expect(c.failures.join(' ')).toMatch(new RegExp(`wte gradient \\(scatter\\).*token ${row}`));
    expect(c.paramsOff).toBeGreaterThan(AGREEMENT_THRESHOLDS.maxNoiseFlips); // the whole row moved differently
    expect(c.otherPath).toBeUndefined();
  });

  it('flags a leaked tensor', async () => {
    let leaked: tf.Tensor | undefined;
    const report = await checkBackendAgreement(
      options({
        hooks: {
          afterInit: (backend) => {
            if (backend === 'wasm') leaked = tf.zeros([3]);
          },
        },
      }),
    );
    leaked?.dispose();
    const c = report.comparisons[0]!;
    expect(c.leakedTensors).toBe(1);
    expect(c.pass).toBe(false);
    expect(c.failures).toEqual(['1 tensors leaked on wasm']);
  });

  it('needs a backend, and a batch that fits the vocabulary', async () => {
    await expect(checkBackendAgreement(options({ backends: [] }))).rejects.toThrow(/at least one backend/);
    const batch = syntheticAgreementBatch(config, 1, 1);
    batch.ids[3] = 64;
    await expect(checkBackendAgreement(options({ batch }))).rejects.toThrow(/outside the vocabulary/);
  });
});

describe('compareSteps', () => {
  const base = (over: Partial<BackendStepResult> = {}): BackendStepResult => ({
    backend: 'x',
    loss: 4,
    gradNorm: 2,
    clipped: true,
    embeddingGradPath: 'onehot',
    wteGrad: new Float32Array([0.5, -0.25, 0, 0]),
    params: { a: new Float32Array([1, 2]) },
    numTensorsBefore: 0,
    numTensorsAfter: 0,
    ms: 1,
    ...over,
  });

  it('treats NaN as a failure, never as "no difference"', () => {
    const c = compareSteps(
      base({ backend: 'cpu' }),
      base({ loss: NaN, wteGrad: new Float32Array([NaN, -0.25, 0, 0]) }),
      AGREEMENT_HYPER,
      AGREEMENT_THRESHOLDS,
      2,
    );
    expect(c.pass).toBe(false);
    expect(c.failures.some((f) => f.startsWith('|Δloss|'))).toBe(true);
    expect(c.wteGradMaxAbs).toBe(Infinity);
  });

  it('tolerates a few noise flips of Adam’s first step but not a wrong update', () => {
    const lr = AGREEMENT_HYPER.lr;
    const ref = base({ backend: 'cpu', params: { a: new Float32Array(100) } });
    const few = new Float32Array(100);
    few[3] = 2 * lr; // one sign flip of a noise-level gradient
    expect(compareSteps(ref, base({ params: { a: few } }), AGREEMENT_HYPER, AGREEMENT_THRESHOLDS, 2).pass).toBe(true);
    const many = new Float32Array(100).fill(0.5 * lr);
    const c = compareSteps(ref, base({ params: { a: many } }), AGREEMENT_HYPER, AGREEMENT_THRESHOLDS, 2);
    expect(c.pass).toBe(false);
    expect(c.paramsOff).toBe(100);
    const big = new Float32Array(100);
    big[0] = 10 * lr;
    expect(
      compareSteps(ref, base({ params: { a: big } }), AGREEMENT_HYPER, AGREEMENT_THRESHOLDS, 2).failures.join(),
    ).toMatch(/2\.5 · lr/);
  });
});
