import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import { lossAndGrads, MAX_GROUP_ELEMENTS } from '../train/optimizer';
import { countGptParams, type GptConfig } from './config';
import { disposeGptCaches, disposeGptParams, gptLoss, initGptParams } from './gpt';
import { ADAMW_GROUP_ELEMENTS, checkTrainingMemory, estimateTrainingMemory, trainingFlops } from './memoryEstimate';

/** V 100, 8 positions, 1 layer, C 8, 2 heads, F 32. */
const TINY: GptConfig = { vocabSize: 100, contextLength: 8, layers: 1, width: 8, heads: 2, mlpRatio: 4, layerNormEps: 1e-5, attentionScale: 'sqrt' };
const GPT2: GptConfig = { vocabSize: 50257, contextLength: 1024, layers: 12, width: 768, heads: 12, mlpRatio: 4, layerNormEps: 1e-5, attentionScale: 'sqrt' };
const MiB = 1024 * 1024;

describe('estimateTrainingMemory: the documented formula, by hand', () => {
  it('tiny model at B 2, T 4', () => {
    // P = wte 800 + wpe 64 + block (ln 16 + c_attn 192+24 + c_proj 64+8 + ln 16 + c_fc 256+32 + c_proj 256+8) + ln_f 16.
    expect(countGptParams(TINY)).toBe(1752);
    const e = estimateTrainingMemory(TINY, { batchSize: 2, contextLength: 4 });
    expect(e.weights).toBe(7008); // 1752 · 4
    expect(e.gradients).toBe(28032); // 4 · 7008
    expect(e.adam).toBe(14016); // 2 · 7008
    // (1 · (80·2·4·8 + 32·2·4·32 + 8·2·2·4²) + 24·2·4·8) · 4 = (5120 + 8192 + 512 + 1536) · 4
    expect(e.activations).toBe(61440);
    expect(e.logits).toBe(16000); // 5 · 2·4 · 100 · 4
    expect(e.total).toBe(126496);
    // wte 3200, logits 3200, scores 256, MLP 1024, AdamW group (1752 − 800) · 4 = 3808.
    expect(e.buffers.map((b) => b.bytes)).toEqual([3200, 3200, 256, 1024, 3808]);
    expect(e.largestBuffer.what).toBe('AdamW flat parameter group');
    expect(estimateTrainingMemory(TINY, { batchSize: 2, contextLength: 4, accumulation: true }).adam).toBe(21024);
  });

  it('GPT-2 124M: the token table and the logits are the big buffers', () => {
    const e = estimateTrainingMemory(GPT2, { batchSize: 8, contextLength: 256 });
    expect(e.params).toBe(124_439_808);
    expect(e.buffers[0]!.bytes).toBe(154_389_504); // 50257 · 768 · 4
    expect(e.largestBuffer).toEqual({ what: 'logits [2048, 50257]', bytes: 411_705_344 }); // 2048 · 50257 · 4
    expect(e.buffers[4]!.bytes).toBe(16_777_216); // capped at 4M floats
    expect(ADAMW_GROUP_ELEMENTS).toBe(MAX_GROUP_ELEMENTS);
  });

  it('refuses a context longer than the model and non-integer shapes', () => {
    expect(() => estimateTrainingMemory(TINY, { batchSize: 1, contextLength: 9 })).toThrow(/longer than the model's 8/);
    expect(() => estimateTrainingMemory(TINY, { batchSize: 0, contextLength: 4 })).toThrow(/batchSize/);
  });
});

describe('checkTrainingMemory: verdict, reasons, suggestion', () => {
  it('GPT-2 at the default 128 MiB binding: the token table alone is too large — prune to 43690 rows', () => {
    const v = checkTrainingMemory(GPT2, { batchSize: 8, contextLength: 256 }, { maxStorageBufferBindingSize: 128 * MiB, maxBufferSize: 256 * MiB });
    expect(v.fits).toBe(false);
    expect(v.reasons[0]).toBe('The token table wte [50257, 768] (and its gradient and Adam moments) takes 147.2 MiB, more than this GPU\'s maxStorageBufferBindingSize of 128.0 MiB.');
    expect(v.reasons[1]).toMatch(/logits \[2048, 50257\] takes 392\.6 MiB/);
    expect(v.suggestion).toBeUndefined();
    expect(v.maxVocabRows).toBe(43690); // floor(134217728 / (768 · 4))
  });

  it('GPT-2 with a 256 MiB limit: halving the batch to 4 fits the logits (196.3 MiB)', () => {
    const v = checkTrainingMemory(GPT2, { batchSize: 8, contextLength: 256 }, { maxStorageBufferBindingSize: 1024 * MiB, maxBufferSize: 256 * MiB });
    expect(v.fits).toBe(false);
    expect(v.reasons).toEqual(["The logits [2048, 50257] takes 392.6 MiB, more than this GPU's maxBufferSize of 256.0 MiB."]);
    expect(v.suggestion).toMatchObject({ batchSize: 4, contextLength: 256 });
    expect(v.suggestion!.estimate.largestBuffer.bytes).toBe(205_852_672);
  });

  it('a total budget: the tiny model needs 126496 bytes; with 100000, B 1 (87776 bytes) fits', () => {
    const v = checkTrainingMemory(TINY, { batchSize: 2, contextLength: 4 }, { maxStorageBufferBindingSize: MiB, maxBufferSize: MiB }, { budgetBytes: 100_000 });
    expect(v.fits).toBe(false);
    expect(v.reasons).toEqual(['A step needs about 123.5 KiB in all, more than the 97.7 KiB budget.']);
    expect(v.suggestion).toMatchObject({ batchSize: 1, contextLength: 4 });
    expect(v.suggestion!.estimate.total).toBe(87776);
    expect(checkTrainingMemory(TINY, { batchSize: 2, contextLength: 4 }, { maxStorageBufferBindingSize: MiB, maxBufferSize: MiB }).fits).toBe(true);
  });

  it('shortens the context once the batch is 1', () => {
    const config = { ...GPT2, vocabSize: 1000 };
    // Scores [1, 12, T, T]: 12·T²·4 bytes ≤ 4 MiB → T ≤ 295; halving 1024 → 512 → 256.
    const v = checkTrainingMemory(config, { batchSize: 2, contextLength: 1024 }, { maxStorageBufferBindingSize: 4 * MiB, maxBufferSize: 1024 * MiB });
    expect(v.suggestion).toBeUndefined(); // wte 1000·768·4 = 2.9 MiB fits, but the AdamW group is 16 MiB: no shape helps
    const v2 = checkTrainingMemory(config, { batchSize: 2, contextLength: 1024 }, { maxStorageBufferBindingSize: 48 * MiB, maxBufferSize: 1024 * MiB });
    // B 2 T 1024: scores 96 MiB; B 1: 48 MiB fits exactly? 12·1024²·4 = 48 MiB ≤ 48 MiB, and MLP 1024·3072·4 = 12 MiB.
    expect(v2.suggestion).toMatchObject({ batchSize: 1, contextLength: 1024 });
    const v3 = checkTrainingMemory(config, { batchSize: 2, contextLength: 1024 }, { maxStorageBufferBindingSize: 40 * MiB, maxBufferSize: 1024 * MiB });
    expect(v3.suggestion).toMatchObject({ batchSize: 1, contextLength: 512 });
  });
});

describe('trainingFlops', () => {
  it('6 per weight per token plus attention, by hand', () => {
    // 6 · 2·4 · (1 · (4·64 + 2·8·32) + 100·8) + 12 · 1 · 2 · 4² · 8
    expect(trainingFlops(TINY, 2, 4)).toBe(78336);
  });
});

describe('the coefficients still match what tfjs holds at the peak of a step (cpu, tf.profile)', () => {
  beforeAll(async () => {
    await setNodeBackend('cpu');
  });
  afterAll(() => disposeGptCaches());

  it.each([
    ['V 500, 2 layers, C 32, B 4, T 32', { ...TINY, vocabSize: 500, contextLength: 32, layers: 2, width: 32 }, 4, 32],
    ['V 3000, 1 layer, C 32, 4 heads, B 3, T 48', { ...TINY, vocabSize: 3000, contextLength: 48, layers: 1, width: 32, heads: 4 }, 3, 48],
    ['V 200, 3 layers, C 16, F 8C, B 2, T 64', { ...TINY, vocabSize: 200, contextLength: 64, layers: 3, width: 16, mlpRatio: 8 }, 2, 64],
  ] as [string, GptConfig, number, number][])('%s: within −3% … +15% of the measured peak', async (_, config, B, T) => {
    const params = initGptParams(config, 1);
    const ids = tf.randomUniform([B, T], 0, config.vocabSize, 'int32') as tf.Tensor2D;
    const mask = tf.ones([B, T]) as tf.Tensor2D;
    // The causal mask is cached outside any tidy: make it before measuring.
    tf.tidy(() => gptLoss(config, params, ids, ids, mask));
    const before = tf.memory().numBytes;
    const profile = await tf.profile(() =>
      tf.tidy(() => {
        const { value, grads } = lossAndGrads(params, () => gptLoss(config, params, ids, ids, mask));
        return [value, ...Object.values(grads)];
      }),
    );
    const peak = profile.peakBytes - before;
    tf.dispose(profile.result as tf.Tensor[]);
    disposeGptParams(params);
    tf.dispose([ids, mask]);
    const e = estimateTrainingMemory(config, { batchSize: B, contextLength: T });
    const predicted = e.gradients + e.activations + e.logits; // what a step adds on top of the weights
    expect(predicted / peak).toBeGreaterThan(0.97);
    expect(predicted / peak).toBeLessThan(1.15);
  });
});
