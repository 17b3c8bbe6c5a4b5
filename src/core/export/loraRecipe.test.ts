import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LoraSettings } from '../model/loraSettings';
import { LLAMA_FACTORY_HPARAMS } from './llamaFactoryFields';
import { guessModelType, loraModuleNamesByModelType, trlLoraJson } from './loraRecipe';
import { ScaleOutError } from './scaleOutOptions';
import { byName, recipe, tempDirsRemovedAfterAll, writeTree, yamlOf } from './testing/recipe';

const tempDir = tempDirsRemovedAfterAll();
const LORA: LoraSettings = {
  rank: 16,
  alpha: 32,
  targets: ['attn.c_attn', 'mlp.c_fc'],
  biases: false,
  layerNorms: true,
};

describe('a LoRA run in the scale-out recipes', () => {
  it("names the targets in each family's modules: GPT-2 Conv1D, GPT-Neo, Llama-style", () => {
    const names = loraModuleNamesByModelType(['mlp.c_proj', 'attn.c_attn', 'attn.c_proj']);
    expect(names.gpt2).toEqual({
      targetModules: ['c_attn', 'c_proj'],
      layerNorms: ['ln_1', 'ln_2', 'ln_f'],
      fanInFanOut: true,
    });
    expect(names.gpt_neo!.targetModules).toEqual(['q_proj', 'k_proj', 'v_proj', 'out_proj', 'c_proj']);
    expect(names.llama).toEqual({
      targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'down_proj'],
      layerNorms: ['input_layernorm', 'post_attention_layernorm', 'norm'],
      fanInFanOut: false,
    });
    expect(names.qwen2).toEqual(names.llama);
    expect(loraModuleNamesByModelType(['mlp.c_fc']).mistral!.targetModules).toEqual(['gate_proj', 'up_proj']);
  });

  it('guesses the family of a base model from its name', () => {
    expect(guessModelType('openai-community/gpt2')).toBe('gpt2');
    expect(guessModelType('distilgpt2')).toBe('gpt2');
    expect(guessModelType('/models/gpt2-medium')).toBe('gpt2');
    expect(guessModelType('roneneldan/TinyStories-33M')).toBe('gpt_neo');
    expect(guessModelType('EleutherAI/gpt-neo-125m')).toBe('gpt_neo');
    expect(guessModelType('meta-llama/Llama-2-7b-hf')).toBe('llama');
    expect(guessModelType('Qwen/Qwen2.5-7B')).toBe('llama');
  });

  it("writes peft's LoraConfig arguments into recipe.json, with the module names per model type", () => {
    const trl = JSON.parse(byName(recipe({ lora: LORA })).get('trl/recipe.json')!) as {
      finetuning: string;
      lora: ReturnType<typeof trlLoraJson>;
    };
    expect(trl.finetuning).toBe('lora');
    expect(trl.lora).toEqual(trlLoraJson(LORA));
    expect(trl.lora).toMatchObject({
      r: 16,
      lora_alpha: 32,
      lora_dropout: 0,
      bias: 'none',
      studio_targets: ['attn.c_attn', 'mlp.c_fc'],
    });
    expect(trl.lora.by_model_type.gpt2).toEqual({
      target_modules: ['c_attn', 'c_fc'],
      modules_to_save: ['ln_1', 'ln_2', 'ln_f'],
      fan_in_fan_out: true,
    });
    expect(trl.lora.by_model_type.llama!.target_modules).toEqual([
      'q_proj',
      'k_proj',
      'v_proj',
      'gate_proj',
      'up_proj',
    ]);
    const full = JSON.parse(byName(recipe()).get('trl/recipe.json')!) as { finetuning: string; lora: unknown };
    expect(full).toMatchObject({ finetuning: 'full', lora: null });
  });

  it('LLaMA-Factory: every stage trains LoRA, stage k on the adapter stage k−1 saved; keys from its hparams', () => {
    const map = byName(recipe({ lora: LORA, baseModel: 'openai-community/gpt2' }));
    const stage = (k: number) => yamlOf(map, `configs/stage-${k}_phase-${k}.yaml`);
    expect(stage(1)).toMatchObject({
      model_name_or_path: 'openai-community/gpt2',
      finetuning_type: 'lora',
      lora_rank: 16,
      lora_alpha: 32,
      lora_dropout: 0,
      lora_target: 'c_attn,c_fc',
      additional_target: 'ln_1,ln_2,ln_f',
    });
    expect(stage(1)).not.toHaveProperty('adapter_name_or_path');
    for (const k of [2, 3])
      expect(stage(k)).toMatchObject({
        model_name_or_path: 'openai-community/gpt2',
        adapter_name_or_path: `saves/stage-${k - 1}_phase-${k - 1}`,
        finetuning_type: 'lora',
      });
    expect(yamlOf(map, 'configs/one-off.yaml')).toMatchObject({
      model_name_or_path: 'openai-community/gpt2',
      finetuning_type: 'lora',
    });
    expect(yamlOf(map, 'configs/one-off.yaml')).not.toHaveProperty('adapter_name_or_path');
    for (const path of [...map.keys()].filter((k) => k.endsWith('.yaml') && k.startsWith('configs/'))) {
      for (const key of Object.keys(yamlOf(map, path)))
        expect(LLAMA_FACTORY_HPARAMS, `${path}: ${key}`).toHaveProperty([key]);
    }
    // Llama-style names for the default base model
    expect(yamlOf(byName(recipe({ lora: LORA })), 'configs/stage-1_phase-1.yaml').lora_target).toBe(
      'q_proj,k_proj,v_proj,gate_proj,up_proj',
    );
  });

  it('says where LLaMA-Factory cannot do what the run set (LoRA biases), and the READMEs name the adapters', () => {
    const map = byName(recipe({ lora: { ...LORA, biases: true } }));
    expect(map.get('configs/stage-1_phase-1.yaml')).toContain('LLaMA-Factory has no LoRA bias option');
    expect(map.get('README.md')).toContain('biases not trained here, the TRL recipe trains them');
    expect(map.get('README.md')).toContain('adapter_name_or_path');
    const trlReadme = map.get('trl/README.md')!;
    expect(trlReadme).toContain('LoRA adapter');
    expect(trlReadme).not.toContain('does not train adapters');
    expect(byName(recipe()).get('trl/README.md')).toContain('Full fine-tuning');
  });

  it('refuses LoRA settings that cannot train, saying what to fix', () => {
    expect(() => recipe({ lora: { ...LORA, rank: 0 } })).toThrow(ScaleOutError);
    expect(() => recipe({ lora: { ...LORA, targets: [] } })).toThrow(/lora\.targets/);
  });

  it('run_phased.sh continues from a saved adapter (adapter_config.json), not a full model', () => {
    const root = tempDir();
    const dir = join(root, 'recipe');
    writeTree(dir, recipe({ lora: LORA }));
    const bin = join(root, 'bin');
    mkdirSync(bin);
    // a stand-in for llamafactory-cli that saves what a LoRA run saves
    writeFileSync(
      join(bin, 'llamafactory-cli'),
      [
        '#!/usr/bin/env bash',
        'out="$(sed -n "s/^output_dir: //p" "$2")"',
        'mkdir -p "$out"',
        'echo "{}" > "$out/adapter_config.json"',
        'echo "$2" >> "$STUB_LOG"',
        '',
      ].join('\n'),
    );
    chmodSync(join(bin, 'llamafactory-cli'), 0o755);
    const log = join(root, 'calls.log');
    writeFileSync(log, '');
    const r = spawnSync('bash', [join(dir, 'run_phased.sh')], {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, STUB_LOG: log },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(3);
    expect(r.stdout).toContain('Done: the final adapter is in saves/stage-3_phase-3');
  });
});
