/** peft adapter folders for Llama and Qwen (model.layers.N.self_attn.q_proj …) and GPT-Neo's split c_attn, both ways. */
import { describe, expect, it } from 'vitest';
import { gptParamShapes, validateGptConfig, type GptConfig } from '../model/config';
import { loraParamShapes, type LoraSettings } from '../model/loraSettings';
import { parseSafetensors } from '../model/safetensors';
import { mulberry32 } from '../util/random';
import { PEFT_CONFIG_FILE, PEFT_WEIGHTS_FILE } from './peftAdapter';
import { exportPeftAdapter } from './peftExport';
import { importPeftAdapter } from './peftImport';
import { TINY_QWEN3 } from '../model/testing/llamaShaped';

const QWEN3: GptConfig = validateGptConfig(TINY_QWEN3);
const QWEN2: GptConfig = { ...QWEN3, qkvBias: true, qkNorm: false, headDim: undefined };
const NEO: GptConfig = validateGptConfig({
  vocabSize: 40,
  contextLength: 16,
  layers: 2,
  width: 16,
  heads: 2,
  mlpRatio: 4,
  layerNormEps: 1e-5,
  attentionScale: 'none',
  qkvBias: false,
});

/** Every parameter and adapter of `config` under `lora`, seeded random. */
function arraysOf(config: GptConfig, lora: LoraSettings): Record<string, Float32Array> {
  const next = mulberry32(5);
  return Object.fromEntries(
    [...gptParamShapes(config), ...loraParamShapes(config, lora)].map(([n, s]) => [
      n,
      Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => next() - 0.5),
    ]),
  );
}

function roundTrip(config: GptConfig, lora: LoraSettings, modelType?: string) {
  const params = arraysOf(config, lora);
  const files = exportPeftAdapter({ config, params, lora, baseModel: 'tiny', architecture: modelType });
  const adapterConfig = JSON.parse(files[PEFT_CONFIG_FILE] as string) as Record<string, unknown>;
  const file = parseSafetensors(files[PEFT_WEIGHTS_FILE] as Uint8Array);
  const back = importPeftAdapter(
    config,
    { config: files[PEFT_CONFIG_FILE] as string, weights: files[PEFT_WEIGHTS_FILE] as Uint8Array },
    modelType,
  );
  return { params, files, adapterConfig, names: file.entries.map((e) => e.name), file, back };
}

describe('peft adapters of the Llama family', () => {
  const lora: LoraSettings = {
    rank: 2,
    alpha: 4,
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
    layerNorms: true,
  };

  it("writes peft's names and fields: model.layers.N.self_attn.*, nn.Linear, the norms as modules_to_save", () => {
    const { adapterConfig, names, file, back, params } = roundTrip(QWEN3, lora, 'qwen3');
    expect(adapterConfig).toMatchObject({
      base_model_name_or_path: 'tiny',
      r: 2,
      lora_alpha: 4,
      fan_in_fan_out: false,
      bias: 'none',
      target_modules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'],
      modules_to_save: ['input_layernorm', 'post_attention_layernorm', 'norm'],
    });
    expect(names).toEqual(
      expect.arrayContaining([
        'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight',
        'base_model.model.model.layers.1.self_attn.o_proj.lora_B.weight',
        'base_model.model.model.layers.1.mlp.down_proj.lora_A.weight',
        'base_model.model.model.layers.0.input_layernorm.weight',
        'base_model.model.model.layers.0.post_attention_layernorm.weight',
        'base_model.model.model.layers.1.self_attn.k_norm.weight',
        'base_model.model.model.norm.weight',
      ]),
    );
    // 7 targets × 2 layers × (A, B) + (2 block norms + q_norm + k_norm) × 2 layers + the final norm.
    expect(names).toHaveLength(28 + 8 + 1);
    expect(file.entry('base_model.model.model.layers.0.self_attn.k_proj.lora_B.weight').shape).toEqual([32, 2]);
    expect(back.lora).toEqual(lora);
    for (const [name, data] of Object.entries(back.params))
      expect(Array.from(data), name).toEqual(Array.from(params[name]!));
    expect(Object.keys(back.params).sort()).toEqual(
      Object.keys(params)
        .filter((n) => n.includes('lora_') || /ln_|_norm/.test(n))
        .sort(),
    );
  });

  it('writes Qwen2\'s trained q/k/v biases under base_layer (bias "all"); absent model_type reads as Llama\'s', () => {
    const biased = {
      ...lora,
      targets: ['attn.q_proj', 'attn.v_proj'] as LoraSettings['targets'],
      biases: true,
      layerNorms: false,
    };
    const { names, back, adapterConfig } = roundTrip(QWEN2, biased);
    expect(adapterConfig).toMatchObject({ bias: 'all', target_modules: ['q_proj', 'v_proj'], modules_to_save: null });
    expect(names).toEqual(
      expect.arrayContaining([
        'base_model.model.model.layers.0.self_attn.q_proj.base_layer.bias',
        'base_model.model.model.layers.0.self_attn.k_proj.bias',
      ]),
    );
    expect(back.lora).toEqual(biased);
  });

  it('refuses what the studio cannot hold, saying what to do', () => {
    const { files } = roundTrip(QWEN3, lora, 'qwen3');
    const withConfig = (patch: Record<string, unknown>) => ({
      config: JSON.stringify({ ...JSON.parse(files[PEFT_CONFIG_FILE] as string), ...patch }),
      weights: files[PEFT_WEIGHTS_FILE] as Uint8Array,
    });
    expect(() => importPeftAdapter(QWEN3, withConfig({ target_modules: ['q_proj', 'lm_head'] }))).toThrow(
      /\["lm_head"\] select no projection/,
    );
    expect(() => importPeftAdapter(QWEN3, withConfig({ modules_to_save: ['ln_1', 'ln_2', 'ln_f'] }))).toThrow(
      /only \["input_layernorm","post_attention_layernorm","norm"\]/,
    );
    expect(() => importPeftAdapter(QWEN3, withConfig({}), 'gpt2')).toThrow(/does not match .*grouped/);
    expect(() => exportPeftAdapter({ config: QWEN3, params: {}, lora: { ...lora, targets: ['attn.c_attn'] } })).toThrow(
      /no attn\.c_attn/,
    );
  });
});

describe("GPT-Neo's fused c_attn as peft's q_proj, k_proj, v_proj", () => {
  const lora: LoraSettings = {
    rank: 2,
    alpha: 4,
    targets: ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc'],
    biases: false,
    layerNorms: true,
  };

  it('splits B by rows with A shared, and reads the three back into one adapter', () => {
    const { adapterConfig, names, file, back, params } = roundTrip(NEO, lora, 'gpt_neo');
    expect(adapterConfig).toMatchObject({
      target_modules: ['q_proj', 'k_proj', 'v_proj', 'out_proj', 'c_fc'],
      modules_to_save: ['ln_1', 'ln_2', 'ln_f'],
      fan_in_fan_out: false,
    });
    expect(names).toContain('base_model.model.transformer.h.1.attn.attention.v_proj.lora_B.weight');
    expect(names).toContain('base_model.model.transformer.h.0.attn.attention.out_proj.lora_A.weight');
    const v = file.read('base_model.model.transformer.h.1.attn.attention.v_proj.lora_B.weight');
    expect(v.shape).toEqual([16, 2]);
    expect(Array.from(v.data)).toEqual(Array.from(params['h.1.attn.c_attn.lora_B.weight']!.slice(64, 96)));
    expect(back.lora).toEqual(lora);
    for (const [name, data] of Object.entries(back.params))
      expect(Array.from(data), name).toEqual(Array.from(params[name]!));
  });

  it('refuses q_proj without k_proj and v_proj: the studio trains them as one projection', () => {
    const { files } = roundTrip(NEO, lora, 'gpt_neo');
    const config = JSON.stringify({
      ...JSON.parse(files[PEFT_CONFIG_FILE] as string),
      target_modules: ['q_proj', 'v_proj'],
    });
    expect(() =>
      importPeftAdapter(NEO, { config, weights: files[PEFT_WEIGHTS_FILE] as Uint8Array }, 'gpt_neo'),
    ).toThrow(/only part of q_proj \+ k_proj \+ v_proj.*attn\.c_attn/);
  });
});
