/**
 * A LoRA run's settings in the terms of the engines that scale it out: peft's `LoraConfig` for the TRL recipe, and
 * LLaMA-Factory's `lora_*` keys. The studio names its targets by GPT-2's modules (`attn.c_attn`, …); a big base model
 * names them its own way, so the module names are given per model family, and the TRL script picks the table of the
 * model it loads (`config.model_type`).
 */
import { neoTargetModules, peftTargetModules } from '../hf/peftAdapter';
import { LORA_TARGETS, type LoraSettings, type LoraTarget } from '../model/loraSettings';

/** How a family of causal LMs names the modules the studio's LoRA targets sit on. */
export interface LoraModuleNames {
  /** peft `target_modules` (suffixes of module paths). */
  targetModules: string[];
  /** peft `modules_to_save` when the LayerNorms train too. */
  layerNorms: string[];
  /** Conv1D weights are [in, out] (GPT-2): peft's `fan_in_fan_out`. */
  fanInFanOut: boolean;
}

/** Llama-style names: Llama, Mistral, Qwen2/3, Gemma and most current base models. */
const LLAMA_MODULES: Readonly<Record<LoraTarget, string[]>> = {
  'attn.c_attn': ['q_proj', 'k_proj', 'v_proj'],
  'attn.c_proj': ['o_proj'],
  'mlp.c_fc': ['gate_proj', 'up_proj'],
  'mlp.c_proj': ['down_proj'],
};
const LLAMA_NORMS = ['input_layernorm', 'post_attention_layernorm', 'norm'];
const LLAMA_STYLE = ['llama', 'mistral', 'qwen2', 'qwen3', 'gemma', 'gemma2'] as const;

/** `model_type` → module names, for the model types the recipe knows. */
export function loraModuleNamesByModelType(targets: readonly LoraTarget[]): Record<string, LoraModuleNames> {
  const ordered = LORA_TARGETS.filter((t) => targets.includes(t));
  const llama: LoraModuleNames = {
    targetModules: ordered.flatMap((t) => LLAMA_MODULES[t]),
    layerNorms: LLAMA_NORMS,
    fanInFanOut: false,
  };
  return {
    gpt2: { targetModules: peftTargetModules(ordered), layerNorms: ['ln_1', 'ln_2', 'ln_f'], fanInFanOut: true },
    gpt_neo: { targetModules: neoTargetModules(ordered), layerNorms: ['ln_1', 'ln_2', 'ln_f'], fanInFanOut: false },
    ...Object.fromEntries(LLAMA_STYLE.map((t) => [t, llama])),
  };
}

/**
 * The family a Hub id or path most likely belongs to, for the LLaMA-Factory YAML (written before any model is
 * loaded): GPT-2 and distilgpt2, GPT-Neo (TinyStories), else Llama-style names.
 */
export function guessModelType(baseModel: string): 'gpt2' | 'gpt_neo' | 'llama' {
  const name = baseModel.toLowerCase();
  if (/gpt-?neo|tinystories/.test(name)) return 'gpt_neo';
  if (/(^|[/_-])(distil)?gpt2/.test(name)) return 'gpt2';
  return 'llama';
}

/** recipe.json's `lora`: peft LoraConfig arguments, with the module names per model type. */
export function trlLoraJson(lora: LoraSettings) {
  const byType = loraModuleNamesByModelType(lora.targets);
  return {
    r: lora.rank,
    lora_alpha: lora.alpha,
    lora_dropout: 0,
    bias: lora.biases ? 'all' : 'none',
    studio_targets: [...lora.targets],
    layer_norms: lora.layerNorms,
    by_model_type: Object.fromEntries(
      Object.entries(byType).map(([type, m]) => [
        type,
        {
          target_modules: m.targetModules,
          modules_to_save: lora.layerNorms ? m.layerNorms : null,
          fan_in_fan_out: m.fanInFanOut,
        },
      ]),
    ),
  };
}

/** LLaMA-Factory's LoRA keys for a stage, for the family `guessModelType` finds. */
export function llamaFactoryLoraKeys(
  lora: LoraSettings,
  baseModel: string,
): { key: string; value: string | number; comment?: string }[] {
  const type = guessModelType(baseModel);
  const names = loraModuleNamesByModelType(lora.targets)[type]!;
  return [
    { key: 'lora_rank', value: lora.rank },
    {
      key: 'lora_alpha',
      value: lora.alpha,
      ...(Number.isInteger(lora.alpha)
        ? {}
        : { comment: 'LLaMA-Factory reads a whole number here: round it, or use the TRL recipe' }),
    },
    { key: 'lora_dropout', value: 0 },
    {
      key: 'lora_target',
      value: names.targetModules.join(','),
      comment: `${type}-style module names (the studio's ${lora.targets.join(', ')})`,
    },
    ...(lora.layerNorms
      ? [{ key: 'additional_target', value: names.layerNorms.join(','), comment: 'the LayerNorms train too' }]
      : []),
  ];
}
