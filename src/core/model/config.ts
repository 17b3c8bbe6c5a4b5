/**
 * The shape of a GPT: everything needed to create its parameters and run its forward pass.
 * The same config describes our own small models and imported GPT-2 / GPT-Neo checkpoints.
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
  if (widthOk && headsOk && (c.width as number) % (c.heads as number) !== 0) {
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
  return problems;
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

export function headWidth(config: GptConfig): number {
  return config.width / config.heads;
}

export function mlpWidth(config: GptConfig): number {
  return Math.round(config.mlpRatio * config.width);
}

/** Parameter names in a fixed order (embeddings, blocks in order, final norm), with their shapes. */
export function gptParamShapes(config: GptConfig): [name: string, shape: number[]][] {
  const { vocabSize: V, contextLength: T, width: C } = config;
  const F = mlpWidth(config);
  const shapes: [string, number[]][] = [
    ['wte', [V, C]],
    ['wpe', [T, C]],
  ];
  for (let i = 0; i < config.layers; i++) {
    const p = `h.${i}.`;
    shapes.push(
      [`${p}ln_1.weight`, [C]],
      [`${p}ln_1.bias`, [C]],
      [`${p}attn.c_attn.weight`, [C, 3 * C]],
      ...(hasQkvBias(config) ? [[`${p}attn.c_attn.bias`, [3 * C]] as [string, number[]]] : []),
      [`${p}attn.c_proj.weight`, [C, C]],
      [`${p}attn.c_proj.bias`, [C]],
      [`${p}ln_2.weight`, [C]],
      [`${p}ln_2.bias`, [C]],
      [`${p}mlp.c_fc.weight`, [C, F]],
      [`${p}mlp.c_fc.bias`, [F]],
      [`${p}mlp.c_proj.weight`, [F, C]],
      [`${p}mlp.c_proj.bias`, [C]],
    );
  }
  shapes.push(['ln_f.weight', [C]], ['ln_f.bias', [C]]);
  return shapes;
}

/** Number of scalars in the model (the head is tied to `wte`, so it adds none). */
export function countGptParams(config: GptConfig): number {
  return gptParamShapes(config).reduce((n, [, shape]) => n + shape.reduce((a, b) => a * b, 1), 0);
}
