import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import { countGptParams, gptConfigFromPreset } from './config';
import { disposeGptCaches, disposeGptParams, gptLogits, initGptParams, type GptParams } from './gpt';
import { paramsFromArrays } from './paramArrays';
import {
  addLoraAdapters,
  loraParameterCount,
  loraProblems,
  loraSettingsOf,
  mergeLoraArrays,
  mergeLoraVariables,
  trainableParams,
  type LoraSettings,
} from './lora';
import { estimateTrainingMemory } from './memoryEstimate';
import { maxAbsDiff } from '../hf/testing/importedLogits';
import { randomizeGptParams } from './testing/randomParams';

beforeAll(async () => {
  await setNodeBackend('cpu');
});
afterAll(() => disposeGptCaches());

/** Merged weights against the adapter term, both ours: measured 1.5e-6 and 1.6e-6 (6.5×, kept: already tight). */
const MERGE_LOGITS_TOLERANCE = 1e-5;

function logitsOf(config: Parameters<typeof gptLogits>[0], params: GptParams, ids: number[][]): Float32Array {
  return tf.tidy(
    () => gptLogits(config, params, tf.tensor2d(ids, [ids.length, ids[0]!.length], 'int32')).dataSync() as Float32Array,
  );
}

function readArrays(params: GptParams): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(params).map(([n, v]) => [n, v.dataSync() as Float32Array]));
}

describe('adapters on a built-in model', () => {
  const config = gptConfigFromPreset('micro', 30);
  const ids = [[1, 2, 3, 4, 5, 6, 7, 8]];
  const lora: LoraSettings = {
    rank: 4,
    alpha: 8,
    targets: ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'],
    biases: false,
    layerNorms: false,
  };

  it('step 0 is exactly the base model (B starts at zero); A is seeded and bounded by 1/√in', () => {
    const params = initGptParams(config, 7);
    const before = logitsOf(config, params, ids);
    const withLora = addLoraAdapters(config, params, lora, 5);
    try {
      expect(Array.from(logitsOf(config, withLora, ids))).toEqual(Array.from(before));
      const A = withLora['h.0.mlp.c_proj.lora_A.weight']!.dataSync();
      const bound = 1 / Math.sqrt(4 * config.width);
      expect(Math.max(...Array.from(A).map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Math.max(...Array.from(A).map(Math.abs))).toBeGreaterThan(bound / 2);
      const again = addLoraAdapters(config, initGptParams(config, 7), lora, 5);
      expect(Array.from(again['h.0.mlp.c_proj.lora_A.weight']!.dataSync())).toEqual(Array.from(A));
      disposeGptParams(again);
      expect(loraSettingsOf(withLora)).toBe(lora);
    } finally {
      disposeGptParams(withLora);
    }
  });

  it('the adapter term is (alpha/r)·x·Aᵀ·Bᵀ: merging it into W gives the same logits', () => {
    const params = addLoraAdapters(config, initGptParams(config, 7), lora, 5);
    randomizeGptParams(params, 9, { embeddings: 0.5, weights: 0.2 });
    const withLora = logitsOf(config, params, ids);
    const fromArrays = paramsFromArrays(config, mergeLoraArrays(config, readArrays(params), lora));
    const merged = mergeLoraVariables(params);
    try {
      expect(Object.keys(merged).some((n) => n.includes('lora_'))).toBe(false);
      expect(maxAbsDiff(logitsOf(config, merged, ids), withLora)).toBeLessThan(MERGE_LOGITS_TOLERANCE);
      expect(maxAbsDiff(logitsOf(config, fromArrays, ids), withLora)).toBeLessThan(MERGE_LOGITS_TOLERANCE);
    } finally {
      disposeGptParams(merged);
      disposeGptParams(fromArrays);
    }
  });

  it('counts the trainable floats: adapters, plus biases and LayerNorms when chosen', () => {
    for (const extra of [
      { biases: false, layerNorms: false },
      { biases: true, layerNorms: false },
      { biases: false, layerNorms: true },
      { biases: true, layerNorms: true },
    ]) {
      const settings = { ...lora, targets: ['attn.c_attn', 'mlp.c_fc'] as LoraSettings['targets'], ...extra };
      const params = addLoraAdapters(config, initGptParams(config, 1), settings, 1);
      const counted = Object.values(trainableParams(params, settings)).reduce((n, v) => n + v.size, 0);
      expect(loraParameterCount(config, settings), JSON.stringify(extra)).toBe(counted);
      disposeGptParams(params);
    }
  });

  it('the memory estimate sizes gradients and AdamW moments by the trainable floats', () => {
    const shape = { batchSize: 2, contextLength: 8 };
    const full = estimateTrainingMemory(config, shape);
    const n = loraParameterCount(config, lora);
    const adapted = estimateTrainingMemory(config, { ...shape, trainableParameters: n });
    const ratio = n / countGptParams(config);
    expect(adapted.adam / full.adam).toBeCloseTo(ratio, 10);
    // The frozen base keeps no gradients: only the adapters' own (the full model's also counts the backward's
    // extra copies of the token table and the layers' weights; memoryEstimate.ts).
    expect(adapted.gradients).toBe(n * 4);
    expect(adapted.gradients).toBeLessThan(full.gradients * ratio);
    expect(adapted.weights).toBe(full.weights);
    expect(adapted.total).toBeLessThan(full.total);
  });

  it('refuses settings it cannot compute, naming each', () => {
    expect(loraProblems({ rank: 0, alpha: -1, targets: ['c_attn'], biases: 1, layerNorms: false })).toHaveLength(4);
    expect(loraProblems(lora)).toEqual([]);
  });
});
