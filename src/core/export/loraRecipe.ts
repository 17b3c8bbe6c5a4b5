/**
 * A LoRA run's settings in the terms of the engines that scale it out: peft's `LoraConfig` for the TRL recipe, and
 * LLaMA-Factory's `lora_*` keys. The studio names its targets by its model's modules (GPT-2's `attn.c_attn`, …, or
 * Llama's `attn.q_proj`, …); a big base model names them its own way, and may be of another family, so the targets
 * are carried over to each family's projections (GPT-2's c_attn is Llama's q, k and v; Llama's q_proj alone is GPT-2's
 * whole c_attn) and named by the family's peft module table (hf/peftAdapter.ts), and the TRL script picks the table
 * of the model it loads (`config.model_type`).
 */
import { PEFT_LAYOUTS, peftTargetModules, type PeftLayout } from '../hf/peftAdapter';
import {
  FUSED_ATTENTION_TARGETS,
  GELU_MLP_TARGETS,
  LORA_TARGETS,
  type LoraSettings,
  type LoraTarget,
} from '../model/loraSettings';

/** How a family of causal LMs names the modules the studio's LoRA targets sit on. */
export interface LoraModuleNames {
  /** peft `target_modules` (suffixes of module paths). */
  targetModules: string[];
  /** peft `modules_to_save` when the LayerNorms train too. */
  layerNorms: string[];
  /** Conv1D weights are [in, out] (GPT-2): peft's `fan_in_fan_out`. */
  fanInFanOut: boolean;
}

/** Each target as the other kind of block's projections: fused / GELU ↔ grouped / SwiGLU. */
const ACROSS: Readonly<Record<LoraTarget, readonly LoraTarget[]>> = {
  'attn.c_attn': ['attn.q_proj', 'attn.k_proj', 'attn.v_proj'],
  'attn.c_proj': ['attn.o_proj'],
  'mlp.c_fc': ['mlp.gate_proj', 'mlp.up_proj'],
  'mlp.c_proj': ['mlp.down_proj'],
  'attn.q_proj': ['attn.c_attn'],
  'attn.k_proj': ['attn.c_attn'],
  'attn.v_proj': ['attn.c_attn'],
  'attn.o_proj': ['attn.c_proj'],
  'mlp.gate_proj': ['mlp.c_fc'],
  'mlp.up_proj': ['mlp.c_fc'],
  'mlp.down_proj': ['mlp.c_proj'],
};

const GPT2_KIND: readonly LoraTarget[] = [...FUSED_ATTENTION_TARGETS, ...GELU_MLP_TARGETS];

/** `targets` as the projections of a model laid out as `layout` (Llama's is the grouped, SwiGLU one). */
function targetsFor(layout: PeftLayout, targets: readonly LoraTarget[]): LoraTarget[] {
  const wantsGpt2 = layout !== PEFT_LAYOUTS.llama;
  const carried = targets.flatMap((t) => (GPT2_KIND.includes(t) === wantsGpt2 ? [t] : ACROSS[t]));
  return LORA_TARGETS.filter((t) => carried.includes(t));
}

/** Model types with Llama's module names beyond the families the studio imports. */
const LLAMA_STYLE = ['llama', 'mistral', 'qwen2', 'qwen3', 'gemma', 'gemma2'] as const;

/** `model_type` → module names, for the model types the recipe knows. */
export function loraModuleNamesByModelType(targets: readonly LoraTarget[]): Record<string, LoraModuleNames> {
  const names = (layout: PeftLayout): LoraModuleNames => ({
    targetModules: peftTargetModules(targetsFor(layout, targets), layout),
    layerNorms: [...layout.normModules],
    fanInFanOut: layout.fanInFanOut,
  });
  const llama = names(PEFT_LAYOUTS.llama!);
  return {
    gpt2: names(PEFT_LAYOUTS.gpt2!),
    gpt_neo: names(PEFT_LAYOUTS.gpt_neo!),
    ...Object.fromEntries(LLAMA_STYLE.map((t) => [t, llama])),
  };
}

/**
 * The family a Hub id or path most likely belongs to, for the LLaMA-Factory YAML (written before any model is
 * loaded): GPT-2 and distilgpt2, GPT-Neo (TinyStories), else Llama-style names (Llama, SmolLM2, Qwen2, Qwen3, Mistral …
 * name their projections alike).
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
