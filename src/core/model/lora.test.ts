import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import { countGptParams, gptConfigFromPreset } from './config';
import { disposeGptCaches, disposeGptParams, gptLogits, initGptParams, type GptParams } from './gpt';
import { importHfModel } from './hfImport';
import { hfParamsToVariables } from './hfParamsToVariables';
import {
  addLoraAdapters,
  loraParameterCount,
  loraParamShapes,
  loraProblems,
  loraSettingsOf,
  mergeLoraArrays,
  mergeLoraVariables,
  registerLora,
  trainableParams,
  type LoraSettings,
} from './lora';
import { exportPeftAdapter, importPeftAdapter, peftTargetModules, PEFT_CONFIG_FILE, PEFT_WEIGHTS_FILE } from './peftAdapter';
import { parseSafetensors } from './safetensors';
import { estimateTrainingMemory } from './memoryEstimate';
import { maxAbsDiff } from './testing/importedLogits';
import { randomizeGptParams } from './testing/randomParams';

beforeAll(async () => {
  await setNodeBackend('cpu');
});
afterAll(() => disposeGptCaches());

// About 10× the largest error measured on the cpu backend (fixed weights and ids, so every run alike).
/** Ours against peft's and transformers' logits: measured 6.4e-7 (base), 1.1e-6 (with the adapter), 9.1e-7 (merged). */
const PEFT_LOGITS_TOLERANCE = 1e-5;
/** Merged weights against the adapter term, both ours: measured 1.5e-6 and 1.6e-6 (6.5×, kept: already tight). */
const MERGE_LOGITS_TOLERANCE = 1e-5;

/** Made by python/lora_golden.py (transformers + peft): a tiny GPT-2, a LoRA adapter with non-zero B, logits. */
const GOLDEN = join(import.meta.dirname, 'testing', 'golden', 'lora-gpt2');
const golden = (name: string) => readFileSync(join(GOLDEN, name));
const goldenLogits = JSON.parse(golden('logits.json').toString('utf8')) as { ids: number[][]; logits: number[]; base_logits: number[] };

function logitsOf(config: Parameters<typeof gptLogits>[0], params: GptParams, ids: number[][]): Float32Array {
  return tf.tidy(() => gptLogits(config, params, tf.tensor2d(ids, [ids.length, ids[0]!.length], 'int32')).dataSync() as Float32Array);
}

function readArrays(params: GptParams): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(params).map(([n, v]) => [n, v.dataSync() as Float32Array]));
}

describe('LoRA against peft (golden files)', () => {
  const base = importHfModel({ 'config.json': golden('config.json').toString('utf8'), 'model.safetensors': new Uint8Array(golden('model.safetensors')) });
  const adapter = importPeftAdapter(base.config, { config: golden(PEFT_CONFIG_FILE).toString('utf8'), weights: new Uint8Array(golden(PEFT_WEIGHTS_FILE)) });

  it('reads peft’s adapter_config.json into our settings', () => {
    expect(adapter.lora).toEqual({ rank: 2, alpha: 6, targets: ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'], biases: false, layerNorms: false });
  });

  it(`base + adapter gives peft’s logits within ${PEFT_LOGITS_TOLERANCE} (and the base alone transformers’)`, () => {
    const params = hfParamsToVariables(base.config, base.params);
    try {
      expect(maxAbsDiff(logitsOf(base.config, params, goldenLogits.ids), goldenLogits.base_logits)).toBeLessThan(PEFT_LOGITS_TOLERANCE);
      for (const [name, data] of Object.entries(adapter.params)) {
        const shape = new Map(loraParamShapes(base.config, adapter.lora)).get(name)!;
        params[name] = tf.tidy(() => tf.variable(tf.tensor(data, shape), true));
      }
      registerLora(params, adapter.lora);
      const withAdapter = logitsOf(base.config, params, goldenLogits.ids);
      expect(maxAbsDiff(withAdapter, goldenLogits.logits)).toBeLessThan(PEFT_LOGITS_TOLERANCE);
      // The adapter changes the model by far more than the tolerance, so the match above is not the base's.
      expect(maxAbsDiff(goldenLogits.logits, goldenLogits.base_logits)).toBeGreaterThan(0.1);
    } finally {
      disposeGptParams(params);
    }
  });

  it('merged into plain weights, the model gives the same logits', () => {
    const merged = mergeLoraArrays(base.config, { ...base.params, ...adapter.params }, adapter.lora);
    expect(Object.keys(merged).some((n) => n.includes('lora_'))).toBe(false);
    const params = hfParamsToVariables(base.config, merged);
    try {
      expect(maxAbsDiff(logitsOf(base.config, params, goldenLogits.ids), goldenLogits.logits)).toBeLessThan(PEFT_LOGITS_TOLERANCE);
    } finally {
      disposeGptParams(params);
    }
  });

  it('writes back exactly the tensor names, shapes and values peft wrote', () => {
    const files = exportPeftAdapter({ config: base.config, params: { ...base.params, ...adapter.params }, lora: adapter.lora });
    const ours = parseSafetensors(files[PEFT_WEIGHTS_FILE] as Uint8Array);
    const theirs = parseSafetensors(new Uint8Array(golden(PEFT_WEIGHTS_FILE)));
    expect(ours.entries.map((e) => e.name).sort()).toEqual(theirs.entries.map((e) => e.name).sort());
    for (const e of theirs.entries) {
      expect(ours.entry(e.name).shape).toEqual(e.shape);
      expect(Array.from(ours.read(e.name).data)).toEqual(Array.from(theirs.read(e.name).data));
    }
    const config = JSON.parse(files[PEFT_CONFIG_FILE] as string) as Record<string, unknown>;
    const peftConfig = JSON.parse(golden(PEFT_CONFIG_FILE).toString('utf8')) as Record<string, unknown>;
    for (const key of ['r', 'lora_alpha', 'fan_in_fan_out', 'peft_type', 'task_type', 'bias', 'lora_dropout', 'use_dora', 'use_rslora', 'modules_to_save']) {
      expect(config[key], key).toEqual(peftConfig[key]);
    }
    expect([...(config.target_modules as string[])].sort()).toEqual([...(peftConfig.target_modules as string[])].sort());
  });
});

describe('peft names', () => {
  it('one c_proj alone is named by its parent, both are "c_proj"', () => {
    expect(peftTargetModules(['attn.c_proj'])).toEqual(['attn.c_proj']);
    expect(peftTargetModules(['mlp.c_proj', 'attn.c_attn'])).toEqual(['c_attn', 'mlp.c_proj']);
    expect(peftTargetModules(['attn.c_proj', 'mlp.c_proj', 'mlp.c_fc'])).toEqual(['c_proj', 'c_fc']);
  });

  it('GPT-Neo: the fused c_attn adapter becomes q/k/v adapters sharing A, each with its third of B; nn.Linear layout', () => {
    const config = gptConfigFromPreset('micro', 20);
    const lora: LoraSettings = { rank: 2, alpha: 4, targets: ['attn.c_attn', 'attn.c_proj', 'mlp.c_proj'], biases: false, layerNorms: false };
    const params = addLoraAdapters(config, initGptParams(config, 1), lora, 2);
    try {
      randomizeGptParams(params, 3, { embeddings: 0.5, weights: 0.1 });
      const arrays = readArrays(params);
      const files = exportPeftAdapter({ config, params: arrays, lora, architecture: 'gpt_neo' });
      expect(JSON.parse(files[PEFT_CONFIG_FILE] as string)).toMatchObject({ fan_in_fan_out: false, target_modules: ['q_proj', 'k_proj', 'v_proj', 'out_proj', 'c_proj'] });
      const st = parseSafetensors(files[PEFT_WEIGHTS_FILE] as Uint8Array);
      const C = config.width;
      const B = arrays['h.0.attn.c_attn.lora_B.weight']!;
      ['q_proj', 'k_proj', 'v_proj'].forEach((proj, j) => {
        const at = `base_model.model.transformer.h.0.attn.attention.${proj}`;
        expect(Array.from(st.read(`${at}.lora_A.weight`).data)).toEqual(Array.from(arrays['h.0.attn.c_attn.lora_A.weight']!));
        expect(st.entry(`${at}.lora_B.weight`).shape).toEqual([C, 2]);
        expect(Array.from(st.read(`${at}.lora_B.weight`).data)).toEqual(Array.from(B.subarray(j * C * 2, (j + 1) * C * 2)));
      });
      expect(st.has('base_model.model.transformer.h.1.attn.attention.out_proj.lora_B.weight')).toBe(true);
      expect(st.has('base_model.model.transformer.h.1.mlp.c_proj.lora_A.weight')).toBe(true);
      expect(() => exportPeftAdapter({ config, params: arrays, lora: { ...lora, biases: true }, architecture: 'gpt_neo' })).toThrow(/merged/);
    } finally {
      disposeGptParams(params);
    }
  });

  it('biases and LayerNorms go where peft puts them (base_layer.bias on a targeted module) and round-trip', () => {
    const config = gptConfigFromPreset('micro', 20);
    const lora: LoraSettings = { rank: 2, alpha: 4, targets: ['attn.c_attn', 'mlp.c_proj'], biases: true, layerNorms: true };
    const params = addLoraAdapters(config, initGptParams(config, 1), lora, 2);
    try {
      randomizeGptParams(params, 3, { embeddings: 0.5, weights: 0.1 });
      const arrays = readArrays(params);
      const files = exportPeftAdapter({ config, params: arrays, lora });
      const names = parseSafetensors(files[PEFT_WEIGHTS_FILE] as Uint8Array).entries.map((e) => e.name);
      expect(names).toContain('base_model.model.transformer.h.0.attn.c_attn.base_layer.bias');
      expect(names).toContain('base_model.model.transformer.h.0.mlp.c_fc.bias');
      expect(names).toContain('base_model.model.transformer.h.1.ln_2.weight');
      expect(names).toContain('base_model.model.transformer.ln_f.bias');
      expect(names).not.toContain('base_model.model.transformer.h.0.attn.c_attn.bias');
      const back = importPeftAdapter(config, { config: files[PEFT_CONFIG_FILE] as string, weights: files[PEFT_WEIGHTS_FILE] as Uint8Array });
      expect(back.lora).toEqual(lora);
      for (const [n, data] of Object.entries(back.params)) expect(Array.from(data), n).toEqual(Array.from(arrays[n]!));
    } finally {
      disposeGptParams(params);
    }
  });
});

describe('adapters on a built-in model', () => {
  const config = gptConfigFromPreset('micro', 30);
  const ids = [[1, 2, 3, 4, 5, 6, 7, 8]];
  const lora: LoraSettings = { rank: 4, alpha: 8, targets: ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'], biases: false, layerNorms: false };

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
    const fromArrays = hfParamsToVariables(config, mergeLoraArrays(config, readArrays(params), lora));
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
