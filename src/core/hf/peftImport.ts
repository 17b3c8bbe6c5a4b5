/** A peft adapter folder read back as our LoRA settings and adapter tensors (./peftAdapter.ts says how names map). */
import type { GptConfig } from '../model/config';
import { LORA_TARGETS, validateLora, type LoraSettings, type LoraTarget } from '../model/loraSettings';
import { parseSafetensors } from '../model/safetensors';
import { adapterNames, LAYER_NORM_MODULES, PEFT_CONFIG_FILE, PEFT_WEIGHTS_FILE, PeftAdapterError } from './peftAdapter';

/** Our targets that peft's `target_modules` select on a GPT-2 block (`transformer.h.0.` + target). */
function targetsFromPeft(modules: readonly string[]): LoraTarget[] {
  return LORA_TARGETS.filter((t) =>
    modules.some((m) => `transformer.h.0.${t}` === m || `transformer.h.0.${t}`.endsWith(`.${m}`)),
  );
}

/** Our LoRA settings from a peft `adapter_config.json`; refuses what the studio's LoRA does not compute. */
export function loraFromPeftConfig(json: Record<string, unknown>): LoraSettings {
  const refuse = (why: string) => {
    throw new PeftAdapterError(PEFT_CONFIG_FILE, why);
  };
  if (json.peft_type !== 'LORA') refuse(`peft_type ${JSON.stringify(json.peft_type)}: only LoRA adapters can be read.`);
  for (const key of ['use_dora', 'use_rslora'] as const)
    if (json[key] === true) refuse(`${key} is true; the studio computes plain LoRA (alpha / r).`);
  for (const key of ['rank_pattern', 'alpha_pattern'] as const) {
    if (json[key] && Object.keys(json[key] as object).length > 0)
      refuse(`${key} is set; the studio uses one rank and alpha for every module.`);
  }
  if (json.layers_to_transform != null) refuse('layers_to_transform is set; the studio adapts every layer.');
  const modules = Array.isArray(json.target_modules)
    ? (json.target_modules as unknown[]).map(String)
    : refuse('target_modules must be a list of module names.');
  const saved = json.modules_to_save == null ? [] : (json.modules_to_save as unknown[]).map(String);
  const layerNorms = LAYER_NORM_MODULES.every((m) => saved.includes(m));
  if (saved.length > 0 && (!layerNorms || saved.length !== LAYER_NORM_MODULES.length))
    refuse(`modules_to_save ${JSON.stringify(saved)}: only ["ln_1", "ln_2", "ln_f"] can be read.`);
  if (json.bias !== 'none' && json.bias !== 'all')
    refuse(`bias ${JSON.stringify(json.bias)}: "none" or "all" can be read.`);
  return validateLora({
    rank: json.r,
    alpha: json.lora_alpha,
    targets: targetsFromPeft(modules!),
    biases: json.bias === 'all',
    layerNorms,
  });
}

/** A peft adapter folder as our settings and tensors (our names), to put onto a base model's parameters. */
export function importPeftAdapter(
  config: GptConfig,
  files: { config: string; weights: Uint8Array },
): { lora: LoraSettings; params: Record<string, Float32Array> } {
  const lora = loraFromPeftConfig(JSON.parse(files.config) as Record<string, unknown>);
  const file = parseSafetensors(files.weights);
  const params: Record<string, Float32Array> = {};
  for (const [ours, peft] of adapterNames(config, lora)) {
    if (!file.has(peft))
      throw new PeftAdapterError(PEFT_WEIGHTS_FILE, `missing tensor "${peft}" that ${PEFT_CONFIG_FILE} implies.`);
    params[ours] = Float32Array.from(file.read(peft).data);
  }
  return { lora, params };
}
