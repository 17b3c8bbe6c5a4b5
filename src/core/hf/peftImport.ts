/** A peft adapter folder read back as our LoRA settings and adapter tensors (./peftAdapter.ts says how names map). */
import type { GptConfig } from '../model/config';
import { modelLoraTargets, validateLoraFor, type LoraSettings, type LoraTarget } from '../model/loraSettings';
import { parseSafetensors } from '../model/safetensors';
import {
  adapterNames,
  PEFT_CONFIG_FILE,
  PEFT_WEIGHTS_FILE,
  PeftAdapterError,
  peftLayoutFor,
  peftModulePaths,
  type PeftLayout,
} from './peftAdapter';

/** peft's match of a module path against one `target_modules` entry: the whole path, or a suffix after a dot. */
const matches = (path: string, module: string) => path === module || path.endsWith(`.${module}`);

/**
 * Our targets that peft's `target_modules` select on the first block; refuses an entry that selects none of them,
 * and one of our fused modules that peft would adapt only in part (GPT-Neo's q_proj without k_proj and v_proj).
 */
function targetsFromPeft(config: GptConfig, layout: PeftLayout, modules: readonly string[]): LoraTarget[] {
  const refuse = (why: string) => {
    throw new PeftAdapterError(PEFT_CONFIG_FILE, why);
  };
  const targets: LoraTarget[] = [];
  const used = new Set<string>();
  for (const target of modelLoraTargets(config)) {
    const paths = peftModulePaths(layout, `h.0.${target}`);
    const hit = paths.map((p) => modules.filter((m) => matches(p, m)));
    hit.flat().forEach((m) => used.add(m));
    const adapted = hit.filter((h) => h.length > 0).length;
    if (adapted === paths.length) targets.push(target);
    else if (adapted > 0)
      refuse(
        `target_modules adapt only part of ${paths.map((p) => p.slice(p.lastIndexOf('.') + 1)).join(' + ')}, which the studio trains as one projection (${target}): adapt all of them.`,
      );
  }
  const unknown = modules.filter((m) => !used.has(m));
  if (unknown.length > 0)
    refuse(
      `target_modules ${JSON.stringify(unknown)} select no projection the studio's LoRA computes (it adapts ${modelLoraTargets(config).join(', ')}).`,
    );
  return targets;
}

/** Our LoRA settings from a peft `adapter_config.json`; refuses what the studio's LoRA does not compute. */
export function loraFromPeftConfig(
  json: Record<string, unknown>,
  config: GptConfig,
  layout: PeftLayout = peftLayoutFor(config),
): LoraSettings {
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
  const norms = layout.normModules;
  const layerNorms = norms.every((m) => saved.includes(m));
  if (saved.length > 0 && (!layerNorms || saved.length !== norms.length))
    refuse(`modules_to_save ${JSON.stringify(saved)}: only ${JSON.stringify(norms)} can be read.`);
  if (json.bias !== 'none' && json.bias !== 'all')
    refuse(`bias ${JSON.stringify(json.bias)}: "none" or "all" can be read.`);
  return validateLoraFor(config, {
    rank: json.r,
    alpha: json.lora_alpha,
    targets: targetsFromPeft(config, layout, modules!),
    biases: json.bias === 'all',
    layerNorms,
  });
}

/**
 * A peft adapter folder as our settings and tensors (our names), to put onto a base model's parameters.
 * `modelType`: the base's config.json `model_type` (absent: GPT-2, or Llama for grouped attention).
 */
export function importPeftAdapter(
  config: GptConfig,
  files: { config: string; weights: Uint8Array },
  modelType?: string,
): { lora: LoraSettings; params: Record<string, Float32Array> } {
  const layout = peftLayoutFor(config, modelType);
  const lora = loraFromPeftConfig(JSON.parse(files.config) as Record<string, unknown>, config, layout);
  const file = parseSafetensors(files.weights);
  const params: Record<string, Float32Array> = {};
  for (const [ours, pieces] of adapterNames(config, lora, layout)) {
    const parts = pieces.map(({ name }) => {
      if (!file.has(name))
        throw new PeftAdapterError(PEFT_WEIGHTS_FILE, `missing tensor "${name}" that ${PEFT_CONFIG_FILE} implies.`);
      return file.read(name).data as Float32Array;
    });
    if (parts.length === 1 || !ours.endsWith('lora_A.weight')) {
      // B of a fused module: the pieces' rows one after another.
      const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) {
        out.set(p, at);
        at += p.length;
      }
      params[ours] = out;
    } else {
      // One A for the fused module: peft's separate adapters must share theirs.
      if (parts.some((p) => p.length !== parts[0]!.length || p.some((x, i) => x !== parts[0]![i])))
        throw new PeftAdapterError(
          PEFT_WEIGHTS_FILE,
          `${pieces.map((p) => p.name).join(', ')} differ, but the studio holds them as one adapter with a shared lora_A: merge this adapter into the base model instead.`,
        );
      params[ours] = Float32Array.from(parts[0]!);
    }
  }
  return { lora, params };
}
