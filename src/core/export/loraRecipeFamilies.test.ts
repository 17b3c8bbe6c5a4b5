/** The scale-out recipes for a LoRA run on Llama / Qwen: peft's names for each family, LLaMA-Factory's templates. */
import { describe, expect, it } from 'vitest';
import type { LoraSettings } from '../model/loraSettings';
import { LLAMA_FACTORY_TEMPLATES, llamaFactoryTemplateFor } from './llamaFactoryFields';
import { loraModuleNamesByModelType, trlLoraJson } from './loraRecipe';
import { byName, recipe, yamlOf } from './testing/recipe';

const LORA: LoraSettings = {
  rank: 8,
  alpha: 16,
  targets: ['attn.q_proj', 'attn.v_proj', 'mlp.down_proj'],
  biases: false,
  layerNorms: true,
};

describe('a LoRA run on a Llama-family model in the scale-out recipes', () => {
  it("names Llama's targets as they are for Llama-style models, and carries them over to GPT-2's and GPT-Neo's", () => {
    const names = loraModuleNamesByModelType(LORA.targets);
    for (const type of ['llama', 'qwen2', 'qwen3', 'mistral'])
      expect(names[type], type).toEqual({
        targetModules: ['q_proj', 'v_proj', 'down_proj'],
        layerNorms: ['input_layernorm', 'post_attention_layernorm', 'norm'],
        fanInFanOut: false,
      });
    // GPT-2 holds q, k, v in one c_attn: adapting q_proj there adapts the whole projection.
    expect(names.gpt2!.targetModules).toEqual(['c_attn', 'mlp.c_proj']);
    expect(names.gpt_neo!.targetModules).toEqual(['q_proj', 'k_proj', 'v_proj', 'c_proj']);
    expect(loraModuleNamesByModelType(['mlp.gate_proj', 'mlp.up_proj', 'attn.o_proj']).gpt2!.targetModules).toEqual([
      'attn.c_proj',
      'c_fc',
    ]);
    expect(trlLoraJson(LORA).by_model_type.qwen3).toEqual({
      target_modules: ['q_proj', 'v_proj', 'down_proj'],
      modules_to_save: ['input_layernorm', 'post_attention_layernorm', 'norm'],
      fan_in_fan_out: false,
    });
  });

  it("picks LLaMA-Factory's chat template from the model's name: llama3, qwen, qwen3, chatml; default for base models", () => {
    const cases: [string, string][] = [
      ['meta-llama/Llama-3.2-1B-Instruct', 'llama3'],
      ['meta-llama/Llama-3.2-1B', 'default'],
      ['Qwen/Qwen2.5-0.5B-Instruct', 'qwen'],
      ['Qwen/Qwen2.5-0.5B', 'default'],
      ['Qwen/Qwen3-0.6B', 'qwen3'],
      ['Qwen/Qwen3-0.6B-Base', 'default'],
      ['HuggingFaceTB/SmolLM2-135M-Instruct', 'chatml'],
      ['HuggingFaceTB/SmolLM2-135M', 'default'],
      ['meta-llama/Llama-2-7b-hf', 'default'],
    ];
    for (const [model, template] of cases) {
      expect(llamaFactoryTemplateFor(model), model).toBe(template);
      expect(LLAMA_FACTORY_TEMPLATES).toHaveProperty([template]);
    }
  });

  it('LLaMA-Factory YAML for Qwen3: its template, peft target names and norms', () => {
    const map = byName(recipe({ lora: LORA, baseModel: 'Qwen/Qwen3-0.6B' }));
    expect(yamlOf(map, 'configs/stage-1_phase-1.yaml')).toMatchObject({
      model_name_or_path: 'Qwen/Qwen3-0.6B',
      template: 'qwen3',
      lora_target: 'q_proj,v_proj,down_proj',
      additional_target: 'input_layernorm,post_attention_layernorm,norm',
    });
    expect(
      yamlOf(
        byName(recipe({ lora: LORA, baseModel: 'Qwen/Qwen3-0.6B', template: 'qwen3_nothink' })),
        'configs/stage-1_phase-1.yaml',
      ).template,
    ).toBe('qwen3_nothink');
  });
});
