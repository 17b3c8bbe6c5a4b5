/**
 * A LoRA run as a `peft` adapter folder: `adapter_config.json` + `adapter_model.safetensors`, with the names and
 * fields `peft` (0.21) writes, so `PeftModel.from_pretrained(base, folder)` loads it onto the base model unchanged.
 * Checked by generating one with peft (python/lora_golden.py) and by loading ours there (lora.interop.test.ts,
 * loraFamilies.interop.test.ts).
 *
 * Names: `base_model.model.` + the module's path in the transformers model + `.lora_A.weight` ([r, in]) and
 * `.lora_B.weight` ([out, r]) — our own layout, so nothing is transposed. Each family's module paths are one table,
 * {@link PEFT_LAYOUTS}, read both ways:
 * - GPT-2: `transformer.h.<i>.attn.c_attn` …, the same paths as ours. Conv1D, so `fan_in_fan_out` is true. peft
 *   matches `target_modules` as name suffixes: both `c_proj`s are `"c_proj"`, one of them alone is `"attn.c_proj"`
 *   or `"mlp.c_proj"`.
 * - GPT-Neo (nn.Linear, so `fan_in_fan_out` false): peft adapts its separate `attn.attention.q_proj`, `k_proj`,
 *   `v_proj`; our fused c_attn adapter is exactly three adapters sharing A, each with its third of B's rows. The
 *   attention output is `out_proj`, the MLP `c_fc` / `c_proj`. Trainable biases are not written for GPT-Neo (it has
 *   no q/k/v bias for a trained fused one to go to): export such a run merged.
 * - Llama, Qwen2, Qwen3 (nn.Linear): `model.layers.<i>.self_attn.q_proj` … `o_proj`, `mlp.gate_proj` … `down_proj`,
 *   whose last names are peft's target modules; the norms are `input_layernorm`, `post_attention_layernorm`,
 *   `model.norm` and (Qwen3) `self_attn.q_norm` / `k_norm`.
 * Trainable biases are peft's `bias: "all"` (every bias, LayerNorms' included; a targeted module's under
 * `base_layer.bias`); trainable norms are `modules_to_save` (suffix-matched: Llama's `"norm"` takes q_norm and k_norm).
 *
 * Here: the two files, the names and the target modules both directions share; ./peftExport.ts writes a run's
 * adapters, ./peftImport.ts reads a folder back.
 */
import { architecture, gptParamShapes, type GptConfig } from '../model/config';
import {
  LORA_TARGETS,
  loraParamShapes,
  trainsWithLora,
  type LoraSettings,
  type LoraTarget,
} from '../model/loraSettings';

export const PEFT_CONFIG_FILE = 'adapter_config.json';
export const PEFT_WEIGHTS_FILE = 'adapter_model.safetensors';
/** GPT-2's and GPT-Neo's tensor prefix (Llama's is `base_model.model.model.`). */
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

/** How one family's transformers model names the modules our parameters belong to. */
export interface PeftLayout {
  /** The module path of the blocks' list in transformers (`transformer.h`, `model.layers`), without the dot. */
  blocks: string;
  /** Where the modules outside the blocks live (`transformer.`, `model.`). */
  top: string;
  /**
   * Our module (under `h.<i>.`, or `ln_f`) → theirs under the block (or under `top`); several: our module is theirs
   * side by side along the outputs, in this order (GPT-Neo's q, k, v in our c_attn), each adapter sharing A.
   */
  modules: Readonly<Record<string, string | readonly string[]>>;
  fanInFanOut: boolean;
  /** peft's `modules_to_save` when the norms train. */
  normModules: readonly string[];
  /** Trained biases cannot be written as an adapter (say so, and export merged). */
  noBiases?: boolean;
}

const GPT2_LAYOUT: PeftLayout = {
  blocks: 'transformer.h',
  top: 'transformer.',
  modules: Object.fromEntries(
    ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj', 'ln_1', 'ln_2', 'ln_f'].map((m) => [m, m]),
  ),
  fanInFanOut: true,
  normModules: LAYER_NORM_MODULES,
};

const GPT_NEO_LAYOUT: PeftLayout = {
  ...GPT2_LAYOUT,
  modules: {
    ...GPT2_LAYOUT.modules,
    'attn.c_attn': ['attn.attention.q_proj', 'attn.attention.k_proj', 'attn.attention.v_proj'],
    'attn.c_proj': 'attn.attention.out_proj',
  },
  fanInFanOut: false,
  noBiases: true,
};

const LLAMA_LAYOUT: PeftLayout = {
  blocks: 'model.layers',
  top: 'model.',
  modules: {
    'attn.q_proj': 'self_attn.q_proj',
    'attn.k_proj': 'self_attn.k_proj',
    'attn.v_proj': 'self_attn.v_proj',
    'attn.o_proj': 'self_attn.o_proj',
    'attn.q_norm': 'self_attn.q_norm',
    'attn.k_norm': 'self_attn.k_norm',
    'mlp.gate_proj': 'mlp.gate_proj',
    'mlp.up_proj': 'mlp.up_proj',
    'mlp.down_proj': 'mlp.down_proj',
    ln_1: 'input_layernorm',
    ln_2: 'post_attention_layernorm',
    ln_f: 'norm',
  },
  fanInFanOut: false,
  normModules: ['input_layernorm', 'post_attention_layernorm', 'norm'],
};

/** Module paths by config.json's `model_type`. */
export const PEFT_LAYOUTS: Readonly<Record<string, PeftLayout>> = {
  gpt2: GPT2_LAYOUT,
  gpt_neo: GPT_NEO_LAYOUT,
  llama: LLAMA_LAYOUT,
  qwen2: LLAMA_LAYOUT,
  qwen3: LLAMA_LAYOUT,
};

/**
 * The layout of `modelType` (config.json's), or without one the family `config` must be: grouped attention is
 * Llama's, fused GPT-2's. Refuses a model type it has no table for, and one that does not fit the config.
 */
export function peftLayoutFor(config: GptConfig, modelType?: string): PeftLayout {
  const grouped = architecture(config).attention === 'grouped';
  const type = modelType ?? (grouped ? 'llama' : 'gpt2');
  const layout = PEFT_LAYOUTS[type];
  if (layout === undefined)
    throw new PeftAdapterError(
      PEFT_CONFIG_FILE,
      `no peft module names for model_type "${type}" (known: ${Object.keys(PEFT_LAYOUTS).join(', ')}).`,
    );
  if ((layout === LLAMA_LAYOUT) !== grouped)
    throw new PeftAdapterError(
      PEFT_CONFIG_FILE,
      `model_type "${type}" does not match this model's ${grouped ? 'grouped' : 'fused'} attention.`,
    );
  return layout;
}

/** The transformers module path(s) of our module `h.<i>.<module>` or top-level `ln_f`, without `base_model.model.`. */
export function peftModulePaths(layout: PeftLayout, ours: string): string[] {
  const block = /^h\.(\d+)\.(.+)$/.exec(ours);
  const module = block ? block[2]! : ours;
  const theirs = layout.modules[module];
  if (theirs === undefined)
    throw new PeftAdapterError(
      PEFT_WEIGHTS_FILE,
      `the studio's module "${ours}" has no place in this family's adapter.`,
    );
  const at = block ? `${layout.blocks}.${block[1]}.` : layout.top;
  return (typeof theirs === 'string' ? [theirs] : theirs).map((m) => at + m);
}

/** peft's `target_modules` for our targets (suffixes of the module paths). */
export function peftTargetModules(targets: readonly LoraTarget[], layout: PeftLayout = GPT2_LAYOUT): string[] {
  if (layout === GPT2_LAYOUT) {
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
  // Every other family's projections have last names of their own (q_proj, out_proj, c_fc, gate_proj, …).
  return LORA_TARGETS.filter((t) => targets.includes(t)).flatMap((t) =>
    peftModulePaths(layout, `h.0.${t}`).map((path) => path.slice(path.lastIndexOf('.') + 1)),
  );
}

/** peft's `target_modules` for our targets on GPT-Neo. */
export function neoTargetModules(targets: readonly LoraTarget[]): string[] {
  return peftTargetModules(targets, GPT_NEO_LAYOUT);
}

/** One tensor of the adapter file: its name, and (for a fused module of ours) which of the pieces it is. */
export interface PeftTensorName {
  name: string;
  /** Piece j of `of` side by side along the outputs: B's rows j·out/of …; A is shared. */
  piece: number;
  of: number;
}

/**
 * Our parameter name → the adapter file's tensors, for every tensor the adapter holds: the adapters, then the
 * trained norms and biases of the model's own parameter list.
 */
export function adapterNames(config: GptConfig, lora: LoraSettings, layout: PeftLayout = peftLayoutFor(config)) {
  const out: [ours: string, peft: PeftTensorName[]][] = [];
  const tensors = (module: string, rest: string) => {
    const paths = peftModulePaths(layout, module);
    return paths.map((p, piece) => ({ name: `base_model.model.${p}.${rest}`, piece, of: paths.length }));
  };
  for (const [name] of loraParamShapes(config, lora)) {
    const [, module, rest] = /^(.+)\.(lora_[AB]\.weight)$/.exec(name)!;
    out.push([name, tensors(module!, rest!)]);
  }
  for (const [name] of gptParamShapes(config)) {
    if (name.includes('.lora_') || !trainsWithLora(name, lora)) continue;
    const [, module, rest] = /^(.+)\.(weight|bias)$/.exec(name)!;
    const targeted = rest === 'bias' && (lora.targets as string[]).includes(module!.replace(/^h\.\d+\./, ''));
    out.push([name, tensors(module!, targeted ? 'base_layer.bias' : rest!)]);
  }
  return out;
}
