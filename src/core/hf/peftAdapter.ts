/**
 * A LoRA run as a `peft` adapter folder: `adapter_config.json` + `adapter_model.safetensors`, with the names and
 * fields `peft` (0.21) writes for GPT2LMHeadModel, so `PeftModel.from_pretrained(base, folder)` loads it onto the
 * base model unchanged. Checked by generating one with peft (python/lora_golden.py) and by loading ours there
 * (lora.interop.test.ts).
 *
 * Names: `base_model.model.transformer.h.<i>.<attn|mlp>.<module>.lora_A.weight` ([r, in]) and `lora_B.weight`
 * ([out, r]) — our own layout, so nothing is transposed. GPT-2's projections are Conv1D, so `fan_in_fan_out` is
 * true. peft matches `target_modules` as name suffixes: both `c_proj`s are `"c_proj"`, one of them alone is
 * `"attn.c_proj"` or `"mlp.c_proj"`. Trainable biases are peft's `bias: "all"` (every bias, LayerNorms' included;
 * a targeted module's under `base_layer.bias`); trainable LayerNorms are `modules_to_save: ["ln_1", "ln_2", "ln_f"]`.
 *
 * GPT-Neo (nn.Linear, so `fan_in_fan_out` false): peft adapts its separate `attn.attention.q_proj`, `k_proj`,
 * `v_proj`; our fused c_attn adapter is exactly three adapters sharing A, each with its third of B's rows. The
 * attention output is `out_proj`, the MLP `c_fc` / `c_proj`. Trainable biases are not written for GPT-Neo (it has no
 * q/k/v bias for a trained fused one to go to): export such a run merged.
 *
 * Here: the two files, the names and the target modules both directions share; ./peftExport.ts writes a run's
 * adapters, ./peftImport.ts reads a folder back.
 */
import type { GptConfig } from '../model/config';
import {
  LORA_TARGETS,
  loraParamShapes,
  trainsWithLora,
  type LoraSettings,
  type LoraTarget,
} from '../model/loraSettings';

export const PEFT_CONFIG_FILE = 'adapter_config.json';
export const PEFT_WEIGHTS_FILE = 'adapter_model.safetensors';
export const PEFT_PREFIX = 'base_model.model.transformer.';
export const LAYER_NORM_MODULES = ['ln_1', 'ln_2', 'ln_f'];

export class PeftAdapterError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'PeftAdapterError';
  }
}

/** peft's `target_modules` for our targets (suffixes of the module paths). */
export function peftTargetModules(targets: readonly LoraTarget[]): string[] {
  const out: string[] = [];
  if (targets.includes('attn.c_attn')) out.push('c_attn');
  const attnProj = targets.includes('attn.c_proj');
  const mlpProj = targets.includes('mlp.c_proj');
  if (attnProj && mlpProj) out.push('c_proj');
  else if (attnProj) out.push('attn.c_proj');
  else if (mlpProj) out.push('mlp.c_proj');
  if (targets.includes('mlp.c_fc')) out.push('c_fc');
  return out;
}

/** Our parameter name → the adapter file's name, for every tensor the adapter holds. */
export function adapterNames(config: GptConfig, lora: LoraSettings): [ours: string, peft: string][] {
  const out: [string, string][] = loraParamShapes(config, lora).map(([n]) => [n, PEFT_PREFIX + n]);
  const extras: string[] = [];
  for (let i = 0; i < config.layers; i++) {
    for (const ln of ['ln_1', 'ln_2']) extras.push(`h.${i}.${ln}.weight`, `h.${i}.${ln}.bias`);
    for (const m of LORA_TARGETS) extras.push(`h.${i}.${m}.bias`);
  }
  extras.push('ln_f.weight', 'ln_f.bias');
  for (const name of extras) {
    if (!trainsWithLora(name, lora)) continue;
    const module = name.slice(0, -'.bias'.length);
    const targeted = name.endsWith('.bias') && (lora.targets as string[]).includes(module.replace(/^h\.\d+\./, ''));
    out.push([name, PEFT_PREFIX + (targeted ? `${module}.base_layer.bias` : name)]);
  }
  return out;
}

/** peft's `target_modules` for our targets on GPT-Neo. */
export function neoTargetModules(targets: readonly LoraTarget[]): string[] {
  const out: string[] = [];
  if (targets.includes('attn.c_attn')) out.push('q_proj', 'k_proj', 'v_proj');
  if (targets.includes('attn.c_proj')) out.push('out_proj');
  if (targets.includes('mlp.c_fc')) out.push('c_fc');
  if (targets.includes('mlp.c_proj')) out.push('c_proj');
  return out;
}
