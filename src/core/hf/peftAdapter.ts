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
 */
import { mlpWidth, type GptConfig } from '../model/config';
import { LORA_TARGETS, loraParamShapes, trainsWithLora, validateLora, type LoraSettings, type LoraTarget } from '../model/loraSettings';
import { parseSafetensors, writeSafetensors, type TensorToWrite } from '../model/safetensors';

export const PEFT_CONFIG_FILE = 'adapter_config.json';
export const PEFT_WEIGHTS_FILE = 'adapter_model.safetensors';
const PREFIX = 'base_model.model.transformer.';
const LAYER_NORM_MODULES = ['ln_1', 'ln_2', 'ln_f'];

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

/** Our targets that peft's `target_modules` select on a GPT-2 block (`transformer.h.0.` + target). */
function targetsFromPeft(modules: readonly string[]): LoraTarget[] {
  return LORA_TARGETS.filter((t) => modules.some((m) => `transformer.h.0.${t}` === m || `transformer.h.0.${t}`.endsWith(`.${m}`)));
}

/** Our parameter name → the adapter file's name, for every tensor the adapter holds. */
function adapterNames(config: GptConfig, lora: LoraSettings): [ours: string, peft: string][] {
  const out: [string, string][] = loraParamShapes(config, lora).map(([n]) => [n, PREFIX + n]);
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
    out.push([name, PREFIX + (targeted ? `${module}.base_layer.bias` : name)]);
  }
  return out;
}

export interface PeftAdapterInput {
  config: GptConfig;
  /** Our names and layout, adapters included (a LoRA run's checkpoint read as arrays). */
  params: Readonly<Record<string, Float32Array>>;
  lora: LoraSettings;
  architecture?: 'gpt2' | 'gpt_neo';
  /** `base_model_name_or_path`: the model the adapter goes onto (null when unknown, as peft writes it). */
  baseModel?: string | null;
}

/** The adapter folder's two files. */
export function exportPeftAdapter(input: PeftAdapterInput): Record<string, Uint8Array | string> {
  const { config, params } = input;
  const lora = validateLora(input.lora);
  const neo = input.architecture === 'gpt_neo';
  if (neo && lora.biases) {
    throw new PeftAdapterError(PEFT_CONFIG_FILE, 'GPT-Neo has no q/k/v bias for the trained attention bias to go to in a peft adapter; export this run merged instead.');
  }
  const tensors: Record<string, TensorToWrite> = {};
  const shapes = new Map(loraParamShapes(config, lora));
  const C = config.width;
  const F = mlpWidth(config);
  const biasSize = (name: string) => (name.includes('c_attn') ? 3 * C : name.includes('c_fc') ? F : C);
  for (const [ours, peft] of adapterNames(config, lora)) {
    const data = params[ours];
    const shape = shapes.get(ours) ?? [biasSize(ours)];
    if (data === undefined || data.length !== shape.reduce((a, b) => a * b, 1)) {
      throw new PeftAdapterError(PEFT_WEIGHTS_FILE, `parameter "${ours}" is missing or not [${shape.join(', ')}]: these are not this run's adapters.`);
    }
    if (!neo) tensors[peft] = { dtype: 'F32', shape, data };
    else Object.assign(tensors, neoTensors(ours, shape, data, C));
  }
  const adapterConfig = {
    alpha_pattern: {},
    auto_mapping: null,
    base_model_name_or_path: input.baseModel ?? null,
    bias: lora.biases ? 'all' : 'none',
    fan_in_fan_out: !neo,
    inference_mode: true,
    init_lora_weights: true,
    layers_pattern: null,
    layers_to_transform: null,
    lora_alpha: lora.alpha,
    lora_dropout: 0.0,
    modules_to_save: lora.layerNorms ? LAYER_NORM_MODULES : null,
    peft_type: 'LORA',
    r: lora.rank,
    rank_pattern: {},
    revision: null,
    target_modules: neo ? neoTargetModules(lora.targets) : peftTargetModules(lora.targets),
    task_type: 'CAUSAL_LM',
    use_dora: false,
    use_rslora: false,
  };
  return {
    [PEFT_CONFIG_FILE]: JSON.stringify(adapterConfig, null, 2) + '\n',
    [PEFT_WEIGHTS_FILE]: writeSafetensors(tensors, { format: 'pt' }),
  };
}

const NEO_MODULE: Record<string, string> = { 'attn.c_proj': 'attn.attention.out_proj', 'mlp.c_fc': 'mlp.c_fc', 'mlp.c_proj': 'mlp.c_proj' };

/** peft's `target_modules` for our targets on GPT-Neo. */
export function neoTargetModules(targets: readonly LoraTarget[]): string[] {
  const out: string[] = [];
  if (targets.includes('attn.c_attn')) out.push('q_proj', 'k_proj', 'v_proj');
  if (targets.includes('attn.c_proj')) out.push('out_proj');
  if (targets.includes('mlp.c_fc')) out.push('c_fc');
  if (targets.includes('mlp.c_proj')) out.push('c_proj');
  return out;
}

/** One of our tensors (our names, GPT-2 layout of adapters) as GPT-Neo's peft tensors. */
function neoTensors(ours: string, shape: number[], data: Float32Array, C: number): Record<string, TensorToWrite> {
  const m = /^h\.(\d+)\.(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.(lora_A\.weight|lora_B\.weight)$/.exec(ours);
  if (m === null) return { [PREFIX + ours]: { dtype: 'F32', shape, data } }; // LayerNorms: same names
  const [, layer, target, which] = m;
  const at = `${PREFIX}h.${layer}.`;
  if (target !== 'attn.c_attn') return { [`${at}${NEO_MODULE[target!]}.${which}`]: { dtype: 'F32', shape, data } };
  const out: Record<string, TensorToWrite> = {};
  ['q_proj', 'k_proj', 'v_proj'].forEach((proj, j) => {
    const name = `${at}attn.attention.${proj}.${which}`;
    // A is shared; B's rows j·C … (j+1)·C are this projection's outputs.
    out[name] = which === 'lora_A.weight' ? { dtype: 'F32', shape, data } : { dtype: 'F32', shape: [C, shape[1]!], data: data.slice(j * C * shape[1]!, (j + 1) * C * shape[1]!) };
  });
  return out;
}

/** Our LoRA settings from a peft `adapter_config.json`; refuses what the studio's LoRA does not compute. */
export function loraFromPeftConfig(json: Record<string, unknown>): LoraSettings {
  const refuse = (why: string) => {
    throw new PeftAdapterError(PEFT_CONFIG_FILE, why);
  };
  if (json.peft_type !== 'LORA') refuse(`peft_type ${JSON.stringify(json.peft_type)}: only LoRA adapters can be read.`);
  for (const key of ['use_dora', 'use_rslora'] as const) if (json[key] === true) refuse(`${key} is true; the studio computes plain LoRA (alpha / r).`);
  for (const key of ['rank_pattern', 'alpha_pattern'] as const) {
    if (json[key] && Object.keys(json[key] as object).length > 0) refuse(`${key} is set; the studio uses one rank and alpha for every module.`);
  }
  if (json.layers_to_transform != null) refuse('layers_to_transform is set; the studio adapts every layer.');
  const modules = Array.isArray(json.target_modules) ? (json.target_modules as unknown[]).map(String) : refuse('target_modules must be a list of module names.');
  const saved = json.modules_to_save == null ? [] : (json.modules_to_save as unknown[]).map(String);
  const layerNorms = LAYER_NORM_MODULES.every((m) => saved.includes(m));
  if (saved.length > 0 && (!layerNorms || saved.length !== LAYER_NORM_MODULES.length)) refuse(`modules_to_save ${JSON.stringify(saved)}: only ["ln_1", "ln_2", "ln_f"] can be read.`);
  if (json.bias !== 'none' && json.bias !== 'all') refuse(`bias ${JSON.stringify(json.bias)}: "none" or "all" can be read.`);
  return validateLora({ rank: json.r, alpha: json.lora_alpha, targets: targetsFromPeft(modules!), biases: json.bias === 'all', layerNorms });
}

/** A peft adapter folder as our settings and tensors (our names), to put onto a base model's parameters. */
export function importPeftAdapter(config: GptConfig, files: { config: string; weights: Uint8Array }): { lora: LoraSettings; params: Record<string, Float32Array> } {
  const lora = loraFromPeftConfig(JSON.parse(files.config) as Record<string, unknown>);
  const file = parseSafetensors(files.weights);
  const params: Record<string, Float32Array> = {};
  for (const [ours, peft] of adapterNames(config, lora)) {
    if (!file.has(peft)) throw new PeftAdapterError(PEFT_WEIGHTS_FILE, `missing tensor "${peft}" that ${PEFT_CONFIG_FILE} implies.`);
    params[ours] = Float32Array.from(file.read(peft).data);
  }
  return { lora, params };
}
