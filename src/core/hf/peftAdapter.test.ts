import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import { gptConfigFromPreset } from '../model/config';
import { disposeGptCaches, disposeGptParams, gptLogits, initGptParams, type GptParams } from '../model/gpt';
import { addLoraAdapters, mergeLoraArrays, registerLora, type LoraSettings } from '../model/lora';
import { loraParamShapes } from '../model/loraSettings';
import { paramsFromArrays } from '../model/paramArrays';
import { parseSafetensors } from '../model/safetensors';
import { randomizeGptParams } from '../model/testing/randomParams';
import { importHfModel } from './importModel';
import { peftTargetModules, PEFT_CONFIG_FILE, PEFT_WEIGHTS_FILE } from './peftAdapter';
import { exportPeftAdapter } from './peftExport';
import { importPeftAdapter } from './peftImport';
import { maxAbsDiff } from './testing/importedLogits';

beforeAll(async () => {
  await setNodeBackend('cpu');
});
afterAll(() => disposeGptCaches());

/** Made by python/lora_golden.py (transformers + peft): a tiny GPT-2, a LoRA adapter with non-zero B, logits. */
// About 10× the largest error measured on the cpu backend (fixed weights and ids, so every run alike).
/** Ours against peft's and transformers' logits: measured 6.4e-7 (base), 1.1e-6 (with the adapter), 9.1e-7 (merged). */
const PEFT_LOGITS_TOLERANCE = 1e-5;

const GOLDEN = join(import.meta.dirname, '..', 'model', 'testing', 'golden', 'lora-gpt2');
const golden = (name: string) => readFileSync(join(GOLDEN, name));
const goldenLogits = JSON.parse(golden('logits.json').toString('utf8')) as {
  ids: number[][];
  logits: number[];
  base_logits: number[];
};

function logitsOf(config: Parameters<typeof gptLogits>[0], params: GptParams, ids: number[][]): Float32Array {
  return tf.tidy(
    () => gptLogits(config, params, tf.tensor2d(ids, [ids.length, ids[0]!.length], 'int32')).dataSync() as Float32Array,
  );
}

function readArrays(params: GptParams): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(params).map(([n, v]) => [n, v.dataSync() as Float32Array]));
}

describe('LoRA against peft (golden files)', () => {
  const base = importHfModel({
    'config.json': golden('config.json').toString('utf8'),
    'model.safetensors': new Uint8Array(golden('model.safetensors')),
  });
  const adapter = importPeftAdapter(base.config, {
    config: golden(PEFT_CONFIG_FILE).toString('utf8'),
    weights: new Uint8Array(golden(PEFT_WEIGHTS_FILE)),
  });

  it('reads peft’s adapter_config.json into our settings', () => {
    expect(adapter.lora).toEqual({
      rank: 2,
      alpha: 6,
      targets: ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'],
      biases: false,
      layerNorms: false,
    });
  });

  it(`base + adapter gives peft’s logits within ${PEFT_LOGITS_TOLERANCE} (and the base alone transformers’)`, () => {
    const params = paramsFromArrays(base.config, base.params);
    try {
      expect(maxAbsDiff(logitsOf(base.config, params, goldenLogits.ids), goldenLogits.base_logits)).toBeLessThan(
        PEFT_LOGITS_TOLERANCE,
      );
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
    const params = paramsFromArrays(base.config, merged);
    try {
      expect(maxAbsDiff(logitsOf(base.config, params, goldenLogits.ids), goldenLogits.logits)).toBeLessThan(
        PEFT_LOGITS_TOLERANCE,
      );
    } finally {
      disposeGptParams(params);
    }
  });

  it('writes back exactly the tensor names, shapes and values peft wrote', () => {
    const files = exportPeftAdapter({
      config: base.config,
      params: { ...base.params, ...adapter.params },
      lora: adapter.lora,
    });
    const ours = parseSafetensors(files[PEFT_WEIGHTS_FILE] as Uint8Array);
    const theirs = parseSafetensors(new Uint8Array(golden(PEFT_WEIGHTS_FILE)));
    expect(ours.entries.map((e) => e.name).sort()).toEqual(theirs.entries.map((e) => e.name).sort());
    for (const e of theirs.entries) {
      expect(ours.entry(e.name).shape).toEqual(e.shape);
      expect(Array.from(ours.read(e.name).data)).toEqual(Array.from(theirs.read(e.name).data));
    }
    const config = JSON.parse(files[PEFT_CONFIG_FILE] as string) as Record<string, unknown>;
    const peftConfig = JSON.parse(golden(PEFT_CONFIG_FILE).toString('utf8')) as Record<string, unknown>;
    for (const key of [
      'r',
      'lora_alpha',
      'fan_in_fan_out',
      'peft_type',
      'task_type',
      'bias',
      'lora_dropout',
      'use_dora',
      'use_rslora',
      'modules_to_save',
    ]) {
      expect(config[key], key).toEqual(peftConfig[key]);
    }
    expect([...(config.target_modules as string[])].sort()).toEqual(
      [...(peftConfig.target_modules as string[])].sort(),
    );
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
    const lora: LoraSettings = {
      rank: 2,
      alpha: 4,
      targets: ['attn.c_attn', 'attn.c_proj', 'mlp.c_proj'],
      biases: false,
      layerNorms: false,
    };
    const params = addLoraAdapters(config, initGptParams(config, 1), lora, 2);
    try {
      randomizeGptParams(params, 3, { embeddings: 0.5, weights: 0.1 });
      const arrays = readArrays(params);
      const files = exportPeftAdapter({ config, params: arrays, lora, architecture: 'gpt_neo' });
      expect(JSON.parse(files[PEFT_CONFIG_FILE] as string)).toMatchObject({
        fan_in_fan_out: false,
        target_modules: ['q_proj', 'k_proj', 'v_proj', 'out_proj', 'c_proj'],
      });
      const st = parseSafetensors(files[PEFT_WEIGHTS_FILE] as Uint8Array);
      const C = config.width;
      const B = arrays['h.0.attn.c_attn.lora_B.weight']!;
      ['q_proj', 'k_proj', 'v_proj'].forEach((proj, j) => {
        const at = `base_model.model.transformer.h.0.attn.attention.${proj}`;
        expect(Array.from(st.read(`${at}.lora_A.weight`).data)).toEqual(
          Array.from(arrays['h.0.attn.c_attn.lora_A.weight']!),
        );
        expect(st.entry(`${at}.lora_B.weight`).shape).toEqual([C, 2]);
        expect(Array.from(st.read(`${at}.lora_B.weight`).data)).toEqual(
          Array.from(B.subarray(j * C * 2, (j + 1) * C * 2)),
        );
      });
      expect(st.has('base_model.model.transformer.h.1.attn.attention.out_proj.lora_B.weight')).toBe(true);
      expect(st.has('base_model.model.transformer.h.1.mlp.c_proj.lora_A.weight')).toBe(true);
      expect(() =>
        exportPeftAdapter({ config, params: arrays, lora: { ...lora, biases: true }, architecture: 'gpt_neo' }),
      ).toThrow(/merged/);
    } finally {
      disposeGptParams(params);
    }
  });

  it('biases and LayerNorms go where peft puts them (base_layer.bias on a targeted module) and round-trip', () => {
    const config = gptConfigFromPreset('micro', 20);
    const lora: LoraSettings = {
      rank: 2,
      alpha: 4,
      targets: ['attn.c_attn', 'mlp.c_proj'],
      biases: true,
      layerNorms: true,
    };
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
      const back = importPeftAdapter(config, {
        config: files[PEFT_CONFIG_FILE] as string,
        weights: files[PEFT_WEIGHTS_FILE] as Uint8Array,
      });
      expect(back.lora).toEqual(lora);
      for (const [n, data] of Object.entries(back.params)) expect(Array.from(data), n).toEqual(Array.from(arrays[n]!));
    } finally {
      disposeGptParams(params);
    }
  });
});
