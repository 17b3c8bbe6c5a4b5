/**
 * What Llama, Qwen2 and Qwen3 share (transformers' LlamaForCausalLM and its descendants): RMSNorm, rotary positions,
 * a SwiGLU MLP, grouped q/k/v/o projections stored as nn.Linear [out, in] under `model.layers.<i>.`, and a head
 * that is either the token table (tie_word_embeddings) or its own `lm_head.weight`. Each family file says how its
 * biases and norms differ. Every config field the studio's forward does not compute is refused by name: a model
 * that would run differently from transformers must not load quietly.
 */
import type { GptConfig, Llama3RopeScaling, RopeSpec } from '../../model/config';
import { CONFIG_FILE, HfImportError } from '../files';
import type { WeightRule, HfWeightMap } from '../weightMap';
import type { ConfigNumber } from './family';

/** The spec choices a family fixes or reads from its own fields. */
export interface LlamaLikeChoices {
  qkvBias: boolean;
  attnOutBias: boolean;
  mlpBias: boolean;
  qkNorm: boolean;
  /** head_dim when config.json has none: Qwen3Config's 128; absent: hidden_size / num_attention_heads. */
  headDim?: number;
}

/** transformers' class defaults of the sizes (LlamaConfig; Qwen2Config and Qwen3Config differ in vocabulary and MLP). */
export function llamaLikeDefaults(vocab: number, mlp: number, context: number): Record<string, unknown> {
  return {
    vocab_size: vocab,
    hidden_size: 4096,
    intermediate_size: mlp,
    num_hidden_layers: 32,
    num_attention_heads: 32,
    max_position_embeddings: context,
    rms_norm_eps: 1e-6,
  };
}

const refuse = (message: string): never => {
  throw new HfImportError(CONFIG_FILE, message);
};

/** Fields that, set to anything but these values, make a model the studio does not compute. */
function refuseUnsupported(cfg: Record<string, unknown>, label: string): void {
  const act = cfg.hidden_act ?? 'silu';
  if (act !== 'silu')
    refuse(`hidden_act ${JSON.stringify(act)} is not supported: the studio's gated MLP computes silu (SwiGLU).`);
  if (cfg.use_sliding_window === true)
    refuse(
      `use_sliding_window is true (sliding_window ${JSON.stringify(cfg.sliding_window)}): sliding-window attention is not supported.`,
    );
  if (Array.isArray(cfg.layer_types)) {
    const other = (cfg.layer_types as unknown[]).find((t) => t !== 'full_attention');
    if (other !== undefined)
      refuse(`layer_types lists ${JSON.stringify(other)}: only "full_attention" layers are supported.`);
  }
  for (const key of ['num_experts', 'num_local_experts', 'num_experts_per_tok', 'moe_intermediate_size'])
    if (cfg[key] !== undefined && cfg[key] !== null && cfg[key] !== 0)
      refuse(`${key} is set: ${label} mixture-of-experts models are not supported.`);
  const partial =
    cfg.partial_rotary_factor ?? (cfg.rope_parameters as Record<string, unknown> | undefined)?.partial_rotary_factor;
  if (partial !== undefined && partial !== null && partial !== 1)
    refuse(`partial_rotary_factor ${JSON.stringify(partial)} is not supported: the rotation covers the whole head.`);
  for (const key of ['attn_logit_softcapping', 'final_logit_softcapping'])
    if (cfg[key] !== undefined && cfg[key] !== null) refuse(`${key} is set: logit soft-capping is not supported.`);
  if (typeof cfg.pretraining_tp === 'number' && cfg.pretraining_tp !== 1)
    refuse(`pretraining_tp ${cfg.pretraining_tp} is not supported (1 only).`);
}

/**
 * The rotary settings, from transformers 5's `rope_parameters` ({rope_type, rope_theta, …}) or the older
 * `rope_theta` + `rope_scaling` ({rope_type or type, …}); 'default' and 'llama3' are computed, every other type
 * (linear, dynamic, yarn, longrope, …) is refused by name.
 */
export function readRope(cfg: Record<string, unknown>, defaultTheta: number): RopeSpec {
  const params = cfg.rope_parameters as Record<string, unknown> | null | undefined;
  const legacy = cfg.rope_scaling as Record<string, unknown> | null | undefined;
  const from = params ?? legacy ?? {};
  if (typeof from !== 'object' || Array.isArray(from))
    refuse(`rope_parameters / rope_scaling must be an object, got ${JSON.stringify(from)}.`);
  const theta = from.rope_theta ?? cfg.rope_theta ?? defaultTheta;
  if (typeof theta !== 'number' || !(theta > 1))
    refuse(`rope_theta must be a number above 1, got ${JSON.stringify(theta)}.`);
  const type = from.rope_type ?? from.type ?? 'default';
  if (type === 'default') return { theta: theta as number };
  if (type !== 'llama3')
    refuse(
      `rope_scaling type ${JSON.stringify(type)} is not supported: the studio computes rotary positions without scaling ("default") or with Llama 3's ("llama3").`,
    );
  const need = (key: string): number => {
    const v = from[key];
    if (typeof v !== 'number' || !(v > 0))
      refuse(`rope_scaling ${key} must be a positive number, got ${JSON.stringify(v)}.`);
    return v as number;
  };
  const scaling: Llama3RopeScaling = {
    type: 'llama3',
    factor: need('factor'),
    lowFreqFactor: need('low_freq_factor'),
    highFreqFactor: need('high_freq_factor'),
    originalContext: need('original_max_position_embeddings'),
  };
  if (from.attention_factor !== undefined && from.attention_factor !== null && from.attention_factor !== 1)
    refuse(`rope_scaling attention_factor ${JSON.stringify(from.attention_factor)} is not supported (llama3 uses 1).`);
  return { theta: theta as number, scaling };
}

/** config.json of a Llama-like family → our config. */
export function readLlamaLike(
  cfg: Record<string, unknown>,
  num: ConfigNumber,
  label: string,
  choices: LlamaLikeChoices,
): { config: GptConfig; positions: number } {
  refuseUnsupported(cfg, label);
  const width = num('hidden_size', 'residual width');
  const heads = num('num_attention_heads', 'attention heads');
  const kvHeads =
    cfg.num_key_value_heads === undefined || cfg.num_key_value_heads === null
      ? heads
      : num('num_key_value_heads', 'key/value heads');
  const headDim =
    cfg.head_dim === undefined || cfg.head_dim === null
      ? (choices.headDim ?? width / heads)
      : num('head_dim', 'head width');
  if (!Number.isInteger(headDim))
    refuse(`head_dim is needed: hidden_size ${width} is not divisible by ${heads} heads.`);
  const mlpHidden = num('intermediate_size', 'MLP width');
  const positions = num('max_position_embeddings', 'context');
  const tie = cfg.tie_word_embeddings ?? false;
  if (typeof tie !== 'boolean') refuse(`tie_word_embeddings must be true or false, got ${JSON.stringify(tie)}.`);
  const config: GptConfig = {
    vocabSize: num('vocab_size', 'vocabulary'),
    contextLength: positions,
    layers: num('num_hidden_layers', 'layers'),
    width,
    heads,
    mlpRatio: mlpHidden / width,
    layerNormEps: num('rms_norm_eps', 'RMSNorm epsilon', false),
    attentionScale: 'sqrt',
    qkvBias: choices.qkvBias,
    norm: 'rmsNorm',
    positions: 'rope',
    rope: readRope(cfg, 10000),
    mlp: 'swiglu',
    mlpHidden,
    attention: 'grouped',
    kvHeads,
    headDim,
    qkNorm: choices.qkNorm,
    attnOutBias: choices.attnOutBias,
    mlpBias: choices.mlpBias,
    head: tie ? 'tied' : 'untied',
  };
  return { config, positions };
}

/** A boolean field with its default, refused when it is something else. */
export function readFlag(cfg: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const v = cfg[key] ?? fallback;
  if (typeof v !== 'boolean') refuse(`${key} must be true or false, got ${JSON.stringify(v)}.`);
  return v as boolean;
}

const proj = (ours: string, theirs: string): WeightRule[] => [
  { ours: `${ours}.weight`, from: `${theirs}.weight`, transpose: true },
  { ours: `${ours}.bias`, from: `${theirs}.bias`, optional: true },
];

/** The checkpoint names of every Llama-like family (biases and q/k norms only where the config has them). */
export const LLAMA_WEIGHTS: HfWeightMap = {
  prefixes: ['model.', ''],
  embeddings: [{ ours: 'wte', from: 'embed_tokens.weight' }],
  blockPath: 'layers.',
  block: [
    { ours: 'ln_1.weight', from: 'input_layernorm.weight' },
    ...proj('attn.q_proj', 'self_attn.q_proj'),
    ...proj('attn.k_proj', 'self_attn.k_proj'),
    ...proj('attn.v_proj', 'self_attn.v_proj'),
    ...proj('attn.o_proj', 'self_attn.o_proj'),
    { ours: 'attn.q_norm.weight', from: 'self_attn.q_norm.weight', optional: true },
    { ours: 'attn.k_norm.weight', from: 'self_attn.k_norm.weight', optional: true },
    { ours: 'ln_2.weight', from: 'post_attention_layernorm.weight' },
    ...proj('mlp.gate_proj', 'mlp.gate_proj'),
    ...proj('mlp.up_proj', 'mlp.up_proj'),
    ...proj('mlp.down_proj', 'mlp.down_proj'),
  ],
  final: [{ ours: 'ln_f.weight', from: 'norm.weight' }],
  head: [{ ours: 'lm_head.weight', from: 'lm_head.weight', optional: true }],
};
