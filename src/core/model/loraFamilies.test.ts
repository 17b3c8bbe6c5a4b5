/** LoRA on Llama's and Qwen's projections (peft's names): shapes, refusals, defaults, counts and the merge. */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import { gptConfigFromPreset, validateGptConfig, type GptConfig } from './config';
import {
  addLoraAdapters,
  defaultLora,
  loraParameterCount,
  loraParamShapes,
  loraProblemsFor,
  mergeLoraArrays,
  mergeLoraVariables,
  modelLoraTargets,
  targetShape,
  trainableParams,
  type LoraSettings,
} from './lora';
import { disposeGptParams, initGptParams } from './params';
import { TINY_QWEN3 } from './testing/llamaShaped';

beforeAll(async () => {
  await setNodeBackend('cpu');
});

const QWEN3: GptConfig = validateGptConfig(TINY_QWEN3);
/** Qwen2's: q/k/v biases, no q_norm / k_norm, tied head. */
const QWEN2: GptConfig = { ...QWEN3, qkvBias: true, qkNorm: false, headDim: undefined, head: 'tied' };
const ALL: LoraSettings = {
  rank: 3,
  alpha: 6,
  targets: [
    'attn.q_proj',
    'attn.k_proj',
    'attn.v_proj',
    'attn.o_proj',
    'mlp.gate_proj',
    'mlp.up_proj',
    'mlp.down_proj',
  ],
  biases: false,
  layerNorms: false,
};

describe('LoRA targets per family', () => {
  it("names a grouped / SwiGLU model's projections as peft does, each [in, out] of our layout", () => {
    expect(modelLoraTargets(QWEN3)).toEqual(ALL.targets);
    expect(modelLoraTargets(gptConfigFromPreset('micro', 30))).toEqual([
      'attn.c_attn',
      'attn.c_proj',
      'mlp.c_fc',
      'mlp.c_proj',
    ]);
    expect(ALL.targets.map((t) => targetShape(QWEN3, t))).toEqual([
      [32, 64],
      [32, 32],
      [32, 32],
      [64, 32],
      [32, 48],
      [32, 48],
      [48, 32],
    ]);
    expect(targetShape(QWEN2, 'attn.k_proj')).toEqual([32, 16]); // 2 kv heads of 32 / 4
    expect(new Map(loraParamShapes(QWEN3, ALL)).get('h.1.attn.q_proj.lora_B.weight')).toEqual([64, 3]);
  });

  it('refuses a target the model does not have, saying which it has', () => {
    const onGpt2Names = { ...ALL, targets: ['attn.c_attn', 'attn.q_proj'] };
    const problems = loraProblemsFor(QWEN3, onGpt2Names);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/no attn\.c_attn .*grouped.*choose from attn\.q_proj, attn\.k_proj/);
    expect(loraProblemsFor(gptConfigFromPreset('micro', 30), ALL)).toHaveLength(7);
    expect(() => targetShape(QWEN3, 'mlp.c_fc')).toThrow(/no mlp\.c_fc .*SwiGLU/);
    expect(() => addLoraAdapters(QWEN3, {}, onGpt2Names as LoraSettings, 1)).toThrow(/no attn\.c_attn/);
  });

  it("defaults to peft's targets: q_proj and v_proj on Llama and Qwen, c_attn on GPT-2", () => {
    expect(defaultLora(QWEN3).targets).toEqual(['attn.q_proj', 'attn.v_proj']);
    expect(defaultLora(gptConfigFromPreset('micro', 30)).targets).toEqual(['attn.c_attn']);
    expect(loraProblemsFor(QWEN2, defaultLora(QWEN2))).toEqual([]);
  });

  it('counts what trains: RMSNorm weights only, q_norm / k_norm among the norms, only the biases there are', () => {
    for (const config of [QWEN3, QWEN2]) {
      for (const extra of [
        { biases: false, layerNorms: false },
        { biases: true, layerNorms: false },
        { biases: false, layerNorms: true },
        { biases: true, layerNorms: true },
      ]) {
        const settings = { ...ALL, ...extra };
        const params = addLoraAdapters(config, initGptParams(config, 1), settings, 1);
        const trained = trainableParams(params, settings);
        const counted = Object.values(trained).reduce((n, v) => n + v.size, 0);
        expect(loraParameterCount(config, settings), JSON.stringify(extra)).toBe(counted);
        if (extra.layerNorms)
          expect(Object.keys(trained).filter((n) => !n.includes('lora_'))).toEqual(
            expect.arrayContaining([
              'h.0.ln_1.weight',
              'ln_f.weight',
              ...(config.qkNorm ? ['h.1.attn.k_norm.weight'] : []),
            ]),
          );
        if (extra.biases && !extra.layerNorms)
          expect(
            Object.keys(trained)
              .filter((n) => !n.includes('lora_'))
              .sort(),
          ).toEqual(
            config.qkvBias
              ? ['h.0.attn.k_proj.bias', 'h.0.attn.q_proj.bias', 'h.0.attn.v_proj.bias']
                  .flatMap((n) => [n, n.replace('h.0', 'h.1')])
                  .sort()
              : [],
          );
        disposeGptParams(params);
      }
    }
  });

  it('merges every new target into its weight: W += (alpha/r)·(B·A)ᵀ, the same on the variables as on arrays', () => {
    const params = addLoraAdapters(QWEN3, initGptParams(QWEN3, 3), ALL, 4);
    for (const [name, v] of Object.entries(params))
      if (name.endsWith('lora_B.weight')) v.assign(tf.randomNormal(v.shape, 0, 0.5, 'float32', 11));
    const arrays = Object.fromEntries(Object.entries(params).map(([n, v]) => [n, v.dataSync() as Float32Array]));
    // Float64 reference for one weight, outside both merges.
    const A = arrays['h.1.attn.o_proj.lora_A.weight']!;
    const B = arrays['h.1.attn.o_proj.lora_B.weight']!;
    const W = arrays['h.1.attn.o_proj.weight']!;
    const [inputs, outputs] = targetShape(QWEN3, 'attn.o_proj');
    const expected = Float64Array.from(W);
    for (let k = 0; k < inputs; k++)
      for (let o = 0; o < outputs; o++)
        for (let j = 0; j < 3; j++) expected[k * outputs + o]! += 2 * B[o * 3 + j]! * A[j * inputs + k]!;
    const fromArrays = mergeLoraArrays(QWEN3, arrays, ALL);
    const merged = mergeLoraVariables(params);
    try {
      expect(Object.keys(merged).some((n) => n.includes('lora_'))).toBe(false);
      for (const target of ALL.targets) {
        const name = `h.0.${target}.weight`;
        const a = fromArrays[name]!;
        const b = merged[name]!.dataSync();
        expect(Math.max(...a.map((x, i) => Math.abs(x - b[i]!))), name).toBeLessThan(1e-6);
        expect(Math.max(...a.map((x, i) => Math.abs(x - arrays[name]![i]!))), name).toBeGreaterThan(0.01);
      }
      const ours = merged['h.1.attn.o_proj.weight']!.dataSync();
      expect(Math.max(...Array.from(expected, (x, i) => Math.abs(x - ours[i]!)))).toBeLessThan(1e-6);
    } finally {
      disposeGptParams(merged);
    }
  });
});
