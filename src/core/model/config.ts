/**
 * The shape of a GPT: everything needed to create its parameters and run its forward pass.
 * The same config describes our own small models and imported GPT-2, GPT-Neo, Llama (SmolLM2, Llama 3.2) and Qwen
 * checkpoints: the fields after `qkvBias` are the family spec, each absent on a GPT-2 (and on every config written
 * before they existed), so one forward serves every family without asking which family it is.
 */
export interface GptConfig {
  vocabSize: number;
  /** Longest sequence the model sees: the number of learned position embeddings. */
  contextLength: number;
  layers: number;
  /** Residual stream width (GPT-2's n_embd). */
  width: number;
  heads: number;
  /** MLP hidden width = mlpRatio · width (4 in GPT-2 and GPT-Neo). */
  mlpRatio: number;
  layerNormEps: number;
  /** `'sqrt'`: scores divided by √(head width) as in GPT-2; `'none'`: GPT-Neo, which does not scale. */
  attentionScale: 'sqrt' | 'none';
  /**
   * Whether the attention's q/k/v projection (`c_attn`) has a bias, as nanoGPT's `bias` switch but for q/k/v only:
   * GPT-2 has one; GPT-Neo's q_proj, k_proj and v_proj have none (its out_proj does, so `attn.c_proj.bias` stays).
   * `false`: the parameter `attn.c_attn.bias` does not exist, so training cannot move a bias the architecture
   * lacks. Absent means true (configs and checkpoints written before the switch).
   */
  qkvBias?: boolean;

  // ── the family spec: absent means GPT-2's choice ──
  /** 'layerNorm' (GPT-2: weight and bias) or 'rmsNorm' (Llama, Qwen: weight only, no centring); eps `layerNormEps`. */
  norm?: NormKind;
  /** 'learned' (a `wpe` table of contextLength rows, GPT-2) or 'rope' (rotary, applied to q and k: Llama, Qwen). */
  positions?: PositionKind;
  /** Rotary settings; required when positions is 'rope'. */
  rope?: RopeSpec;
  /** 'gelu' (c_fc → gelu_new → c_proj) or 'swiglu' (down_proj(silu(gate_proj(x)) · up_proj(x))). */
  mlp?: MlpKind;
  /** MLP hidden width, when mlpRatio · width would not be exact (SmolLM2: 1 536 over 576). Wins over mlpRatio. */
  mlpHidden?: number;
  /**
   * 'fused' (GPT-2: one c_attn [C, 3C] then c_proj) or 'grouped' (Llama, Qwen: q_proj, k_proj, v_proj, o_proj, with
   * `kvHeads` key/value heads shared by heads / kvHeads query heads each).
   */
  attention?: AttentionKind;
  /** Key/value heads of grouped attention; absent: `heads`. Must divide `heads`. */
  kvHeads?: number;
  /** Channels per head; absent: width / heads. Qwen3 sets its own (q_proj is then [C, heads · headDim]). */
  headDim?: number;
  /** Qwen3: an RMSNorm (q_norm, k_norm, weight [headDim]) over each head of q and of k, before the rotation. */
  qkNorm?: boolean;
  /** Whether the attention's output projection (c_proj / o_proj) has a bias; absent: true. */
  attnOutBias?: boolean;
  /** Whether the MLP's projections have biases; absent: true. */
  mlpBias?: boolean;
  /** 'tied' (logits against `wte`, GPT-2, SmolLM2, Llama 3.2 1B) or 'untied' (its own `lm_head.weight` [V, C]). */
  head?: HeadKind;
}

export type NormKind = 'layerNorm' | 'rmsNorm';
export type PositionKind = 'learned' | 'rope';
export type MlpKind = 'gelu' | 'swiglu';
export type AttentionKind = 'fused' | 'grouped';
export type HeadKind = 'tied' | 'untied';

/** Rotary position embeddings as transformers computes them (rotate_half: channel j pairs with j + D/2). */
export interface RopeSpec {
  /** rope_theta: inverse frequencies θ^(−2j/D). */
  theta: number;
  /** rope_scaling of type 'llama3' (Llama 3.1 / 3.2); absent: none ('default'). */
  scaling?: Llama3RopeScaling;
}

/** transformers' `_compute_llama3_parameters`: long wavelengths divided by `factor`, a smooth blend between. */
export interface Llama3RopeScaling {
  type: 'llama3';
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  /** original_max_position_embeddings. */
  originalContext: number;
}

/** Every choice of the family spec, defaults filled in: what the forward, the parameter list and the estimate read. */
export interface Architecture {
  norm: NormKind;
  positions: PositionKind;
  mlp: MlpKind;
  attention: AttentionKind;
  head: HeadKind;
  kvHeads: number;
  headDim: number;
  qkNorm: boolean;
  qkvBias: boolean;
  attnOutBias: boolean;
  mlpBias: boolean;
}

/** The family spec of `config` with GPT-2's defaults for what it does not say. */
export function architecture(config: GptConfig): Architecture {
  return {
    norm: config.norm ?? 'layerNorm',
    positions: config.positions ?? 'learned',
    mlp: config.mlp ?? 'gelu',
    attention: config.attention ?? 'fused',
    head: config.head ?? 'tied',
    kvHeads: config.kvHeads ?? config.heads,
    headDim: config.headDim ?? config.width / config.heads,
    qkNorm: config.qkNorm ?? false,
    qkvBias: config.qkvBias !== false,
    attnOutBias: config.attnOutBias !== false,
    mlpBias: config.mlpBias !== false,
  };
}

export type GptPresetName = 'micro' | 'tiny' | 'small';

/** Sizes without the vocabulary, which comes from the tokenizer. */
export type GptShape = Omit<GptConfig, 'vocabSize'>;

export const GPT_PRESETS: Readonly<Record<GptPresetName, Readonly<GptShape>>> = {
  /** For tests and WebGPU smoke runs on a software adapter. */
  micro: { contextLength: 32, layers: 2, width: 32, heads: 2, mlpRatio: 4, layerNormEps: 1e-5, attentionScale: 'sqrt' },
  /** The configuration measured in ENVIRONMENT.md (~0.1M parameters without the embeddings). */
  tiny: { contextLength: 64, layers: 2, width: 64, heads: 4, mlpRatio: 4, layerNormEps: 1e-5, attentionScale: 'sqrt' },
  small: {
    contextLength: 128,
    layers: 4,
    width: 128,
    heads: 4,
    mlpRatio: 4,
    layerNormEps: 1e-5,
    attentionScale: 'sqrt',
  },
};

export class GptConfigError extends Error {
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(message);
    this.name = 'GptConfigError';
  }
}

/** Upper bounds for a config read from a file: generous for every real small model (GPT-2 XL is 48 × 1 600). */
export const MAX_CONFIG = {
  vocabSize: 1 << 20,
  contextLength: 1 << 17,
  layers: 256,
  width: 1 << 14,
  heads: 1 << 10,
} as const;

/** Every problem with `config`, each a sentence saying which field and what would be valid; [] when usable. */
export function gptConfigProblems(config: unknown): string[] {
  if (typeof config !== 'object' || config === null) return ['The model config must be an object.'];
  const c = config as Record<string, unknown>;
  const problems: string[] = [];
  const positiveInt = (key: keyof GptConfig, what: string) => {
    const v = c[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      problems.push(`${key} (${what}) must be a positive integer, got ${JSON.stringify(v)}.`);
      return false;
    }
    // Far beyond any model a browser can hold; a file claiming more is damaged or hostile, and is refused before
    // anything is sized from it.
    if (v > MAX_CONFIG[key as keyof typeof MAX_CONFIG]) {
      problems.push(`${key} (${what}) must be at most ${MAX_CONFIG[key as keyof typeof MAX_CONFIG]}, got ${v}.`);
      return false;
    }
    return true;
  };
  positiveInt('vocabSize', 'number of token ids');
  positiveInt('contextLength', 'longest sequence');
  positiveInt('layers', 'number of transformer blocks');
  const widthOk = positiveInt('width', 'residual width');
  const headsOk = positiveInt('heads', 'attention heads');
  if (widthOk && headsOk && c.attention !== 'grouped' && (c.width as number) % (c.heads as number) !== 0) {
    problems.push(
      `width ${c.width as number} is not divisible by heads ${c.heads as number}: each head needs width / heads channels.`,
    );
  }
  if (
    typeof c.mlpRatio !== 'number' ||
    !(c.mlpRatio > 0) ||
    c.mlpRatio > 64 ||
    !Number.isInteger((c.mlpRatio as number) * ((c.width as number) || 1))
  ) {
    problems.push(
      `mlpRatio must be a positive number giving an integer MLP width (mlpRatio · width), got ${JSON.stringify(c.mlpRatio)}.`,
    );
  }
  if (typeof c.layerNormEps !== 'number' || !(c.layerNormEps > 0) || !Number.isFinite(c.layerNormEps)) {
    problems.push(
      `layerNormEps must be a small positive number (GPT-2 uses 1e-5), got ${JSON.stringify(c.layerNormEps)}.`,
    );
  }
  if (c.attentionScale !== 'sqrt' && c.attentionScale !== 'none') {
    problems.push(
      `attentionScale must be "sqrt" (GPT-2) or "none" (GPT-Neo), got ${JSON.stringify(c.attentionScale)}.`,
    );
  }
  if (c.qkvBias !== undefined && typeof c.qkvBias !== 'boolean') {
    problems.push(`qkvBias must be true (GPT-2) or false (GPT-Neo: no q/k/v bias), got ${JSON.stringify(c.qkvBias)}.`);
  }
  problems.push(...familySpecProblems(c));
  return problems;
}

const KINDS: Record<string, readonly string[]> = {
  norm: ['layerNorm', 'rmsNorm'],
  positions: ['learned', 'rope'],
  mlp: ['gelu', 'swiglu'],
  attention: ['fused', 'grouped'],
  head: ['tied', 'untied'],
};

/** The problems of the family-spec fields (each optional; when present, well formed and consistent). */
function familySpecProblems(c: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [key, allowed] of Object.entries(KINDS)) {
    if (c[key] !== undefined && !allowed.includes(c[key] as string))
      problems.push(`${key} must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${JSON.stringify(c[key])}.`);
  }
  for (const key of ['qkNorm', 'attnOutBias', 'mlpBias'] as const) {
    if (c[key] !== undefined && typeof c[key] !== 'boolean')
      problems.push(`${key} must be true or false, got ${JSON.stringify(c[key])}.`);
  }
  const optionalInt = (key: string, max: number) => {
    const v = c[key];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max)
      problems.push(`${key} must be a whole number from 1 to ${max}, got ${JSON.stringify(v)}.`);
  };
  optionalInt('kvHeads', MAX_CONFIG.heads);
  optionalInt('headDim', MAX_CONFIG.width);
  optionalInt('mlpHidden', 1 << 16);
  const grouped = c.attention === 'grouped';
  if (!grouped) {
    for (const key of ['kvHeads', 'headDim', 'qkNorm'] as const)
      if (c[key] !== undefined) problems.push(`${key} needs attention "grouped" (q_proj, k_proj, v_proj, o_proj).`);
  }
  if (grouped) {
    const heads = c.heads as number;
    const kv = c.kvHeads;
    if (typeof kv === 'number' && Number.isInteger(heads) && heads % kv !== 0)
      problems.push(
        `kvHeads ${kv} must divide heads ${heads}: each key/value head serves heads / kvHeads query heads.`,
      );
    if (c.headDim === undefined && Number.isInteger(heads) && (c.width as number) % heads !== 0)
      problems.push(`headDim is needed: width ${c.width as number} is not divisible by heads ${heads}.`);
  }
  const rope = c.positions === 'rope';
  if (rope) {
    const problem = ropeProblem(c.rope, c.headDim ?? (c.width as number) / (c.heads as number));
    if (problem !== null) problems.push(problem);
  } else if (c.rope !== undefined) problems.push('rope settings need positions "rope".');
  return problems;
}

function ropeProblem(rope: unknown, headDim: unknown): string | null {
  if (typeof headDim === 'number' && headDim % 2 !== 0)
    return `Rotary positions need an even head width, got ${headDim}.`;
  if (typeof rope !== 'object' || rope === null) return 'positions "rope" needs rope: {theta, scaling?}.';
  const r = rope as Record<string, unknown>;
  if (typeof r.theta !== 'number' || !(r.theta > 1) || !Number.isFinite(r.theta))
    return `rope.theta must be a number above 1 (Llama 3: 500000), got ${JSON.stringify(r.theta)}.`;
  if (r.scaling === undefined) return null;
  const s = r.scaling as Record<string, unknown> | null;
  if (typeof s !== 'object' || s === null || s.type !== 'llama3')
    return `rope.scaling must be {type: "llama3", …}, got ${JSON.stringify(r.scaling)}.`;
  for (const key of ['factor', 'lowFreqFactor', 'highFreqFactor', 'originalContext'] as const) {
    if (typeof s[key] !== 'number' || !(s[key] > 0) || !Number.isFinite(s[key]))
      return `rope.scaling.${key} must be a positive number, got ${JSON.stringify(s[key])}.`;
  }
  if ((s.highFreqFactor as number) <= (s.lowFreqFactor as number))
    return 'rope.scaling.highFreqFactor must exceed lowFreqFactor.';
  return null;
}

/** Whether `attn.c_attn.bias` exists (GPT-2: yes; GPT-Neo: no). */
export function hasQkvBias(config: GptConfig): boolean {
  return config.qkvBias !== false;
}

/** Throws a `GptConfigError` listing every problem; returns the config typed when it is valid. */
export function validateGptConfig(config: unknown): GptConfig {
  const problems = gptConfigProblems(config);
  if (problems.length > 0) {
    throw new GptConfigError(`Invalid model config: ${problems.join(' ')}`, problems);
  }
  return config as GptConfig;
}

/** GPT-2 124M's shape (distilgpt2 is it with 6 layers): what the memory estimate is checked and benchmarked at. */
export const GPT2_SMALL: Readonly<GptConfig> = {
  vocabSize: 50257,
  contextLength: 1024,
  layers: 12,
  width: 768,
  heads: 12,
  mlpRatio: 4,
  layerNormEps: 1e-5,
  attentionScale: 'sqrt',
};
/**
 * SmolLM2-135M's shape (HuggingFaceTB/SmolLM2-135M config.json, a `llama`): 30 × 576, 9 query and 3 key/value heads
 * of 64, SwiGLU 1 536, RMSNorm 1e-5, RoPE θ 100 000, 8 192 positions, tied head, no biases. 134 515 008 parameters
 * (LlamaForCausalLM(config).num_parameters() in transformers 5.18).
 */
export const SMOLLM2_135M: Readonly<GptConfig> = {
  vocabSize: 49152,
  contextLength: 8192,
  layers: 30,
  width: 576,
  heads: 9,
  mlpRatio: 1536 / 576,
  mlpHidden: 1536,
  layerNormEps: 1e-5,
  attentionScale: 'sqrt',
  qkvBias: false,
  norm: 'rmsNorm',
  positions: 'rope',
  rope: { theta: 100000 },
  mlp: 'swiglu',
  attention: 'grouped',
  kvHeads: 3,
  headDim: 64,
  attnOutBias: false,
  mlpBias: false,
  head: 'tied',
};
/** A validated config from a preset and the tokenizer's vocabulary size, with optional overrides. */
export function gptConfigFromPreset(
  name: GptPresetName,
  vocabSize: number,
  overrides: Partial<GptShape> = {},
): GptConfig {
  const preset = GPT_PRESETS[name];
  if (preset === undefined) {
    throw new GptConfigError(
      `Unknown model preset ${JSON.stringify(name)}; choose one of ${Object.keys(GPT_PRESETS).join(', ')}.`,
      [],
    );
  }
  return validateGptConfig({ ...preset, ...overrides, vocabSize });
}

/** Channels per attention head. */
export function headWidth(config: GptConfig): number {
  return config.headDim ?? config.width / config.heads;
}

export function mlpWidth(config: GptConfig): number {
  return config.mlpHidden ?? Math.round(config.mlpRatio * config.width);
}

/**
 * Parameter names in a fixed order (embeddings, blocks in order, final norm, head), with their shapes. Every
 * projection is stored [in, out] (GPT-2's Conv1D layout; nn.Linear checkpoints are transposed on import). Names:
 *   wte [V, C]; wpe [T, C] (learned positions only)
 *   h.<i>.ln_1 / ln_2 / ln_f: .weight [C], .bias [C] (LayerNorm only)
 *   fused attention:   attn.c_attn [C, 3C] (+ bias if qkvBias), attn.c_proj [C, C] (+ bias if attnOutBias)
 *   grouped attention: attn.q_proj [C, H·D], attn.k_proj / v_proj [C, KV·D] (+ biases if qkvBias),
 *                      attn.o_proj [H·D, C] (+ bias if attnOutBias), attn.q_norm / k_norm .weight [D] (qkNorm)
 *   gelu MLP:   mlp.c_fc [C, F], mlp.c_proj [F, C];  swiglu MLP: mlp.gate_proj / up_proj [C, F], mlp.down_proj [F, C]
 *               (+ biases if mlpBias)
 *   lm_head.weight [V, C] (untied head only; the layout of wte, so both heads are hidden · tableᵀ)
 */
export function gptParamShapes(config: GptConfig): [name: string, shape: number[]][] {
  const { vocabSize: V, contextLength: T, width: C } = config;
  const F = mlpWidth(config);
  const a = architecture(config);
  const D = a.headDim;
  const shapes: [string, number[]][] = [['wte', [V, C]]];
  if (a.positions === 'learned') shapes.push(['wpe', [T, C]]);
  const norm = (name: string) => {
    shapes.push([`${name}.weight`, [C]]);
    if (a.norm === 'layerNorm') shapes.push([`${name}.bias`, [C]]);
  };
  const proj = (name: string, inputs: number, outputs: number, bias: boolean) => {
    shapes.push([`${name}.weight`, [inputs, outputs]]);
    if (bias) shapes.push([`${name}.bias`, [outputs]]);
  };
  for (let i = 0; i < config.layers; i++) {
    const p = `h.${i}.`;
    norm(`${p}ln_1`);
    if (a.attention === 'fused') {
      proj(`${p}attn.c_attn`, C, 3 * C, a.qkvBias);
      proj(`${p}attn.c_proj`, C, C, a.attnOutBias);
    } else {
      proj(`${p}attn.q_proj`, C, config.heads * D, a.qkvBias);
      proj(`${p}attn.k_proj`, C, a.kvHeads * D, a.qkvBias);
      proj(`${p}attn.v_proj`, C, a.kvHeads * D, a.qkvBias);
      proj(`${p}attn.o_proj`, config.heads * D, C, a.attnOutBias);
      if (a.qkNorm) shapes.push([`${p}attn.q_norm.weight`, [D]], [`${p}attn.k_norm.weight`, [D]]);
    }
    norm(`${p}ln_2`);
    if (a.mlp === 'gelu') {
      proj(`${p}mlp.c_fc`, C, F, a.mlpBias);
      proj(`${p}mlp.c_proj`, F, C, a.mlpBias);
    } else {
      proj(`${p}mlp.gate_proj`, C, F, a.mlpBias);
      proj(`${p}mlp.up_proj`, C, F, a.mlpBias);
      proj(`${p}mlp.down_proj`, F, C, a.mlpBias);
    }
  }
  norm('ln_f');
  if (a.head === 'untied') shapes.push(['lm_head.weight', [V, C]]);
  return shapes;
}

/** Number of scalars in the model (a tied head adds none). */
export function countGptParams(config: GptConfig): number {
  return gptParamShapes(config).reduce((n, [, shape]) => n + shape.reduce((a, b) => a * b, 1), 0);
}
