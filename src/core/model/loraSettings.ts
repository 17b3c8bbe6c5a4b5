/**
 * What a LoRA run is made of — rank, alpha, the projections the adapters sit on, which extras train with them — and
 * the names, shapes and counts that follow, without any tensor (the page reads this; the tensors are in lora.ts).
 */
import { architecture, gptParamShapes, mlpWidth, type GptConfig } from './config';

/** GPT-2's projections (and GPT-Neo's, whose q/k/v we hold fused): by the path under `h.<i>.`. */
export const FUSED_ATTENTION_TARGETS = ['attn.c_attn', 'attn.c_proj'] as const;
export const GELU_MLP_TARGETS = ['mlp.c_fc', 'mlp.c_proj'] as const;
/** Llama's and Qwen's, by peft's names (q_proj, …, down_proj) under our `attn.` / `mlp.`. */
export const GROUPED_ATTENTION_TARGETS = ['attn.q_proj', 'attn.k_proj', 'attn.v_proj', 'attn.o_proj'] as const;
export const SWIGLU_MLP_TARGETS = ['mlp.gate_proj', 'mlp.up_proj', 'mlp.down_proj'] as const;

/**
 * Every projection an adapter can sit on, attention before MLP (the order adapters are listed in). A model has the
 * attention targets of its attention kind and the MLP targets of its MLP kind: `modelLoraTargets`.
 */
export const LORA_TARGETS = [
  ...FUSED_ATTENTION_TARGETS,
  ...GROUPED_ATTENTION_TARGETS,
  ...GELU_MLP_TARGETS,
  ...SWIGLU_MLP_TARGETS,
] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];

export interface LoraSettings {
  /** r: the adapters' inner width. */
  rank: number;
  /** The update is scaled by alpha / r (peft's `lora_alpha`). */
  alpha: number;
  targets: LoraTarget[];
  /** Every bias of the model trains too (linear and LayerNorm biases: peft's `bias: "all"`). */
  biases: boolean;
  /**
   * The norms' weights (and LayerNorm biases) train too: ln_1, ln_2, ln_f, and Qwen3's q_norm / k_norm (peft's
   * `modules_to_save`: ["ln_1", "ln_2", "ln_f"] on GPT-2, ["input_layernorm", "post_attention_layernorm", "norm"] on
   * Llama and Qwen, whose suffix match takes q_norm and k_norm too).
   */
  layerNorms: boolean;
}

/** GPT-2's settings (peft's default target for gpt2 is c_attn); `defaultLora` gives every family's. */
export const DEFAULT_LORA: Readonly<LoraSettings> = {
  rank: 8,
  alpha: 16,
  targets: ['attn.c_attn'],
  biases: false,
  layerNorms: false,
};

/** The projections `config`'s model has, in LORA_TARGETS order. */
export function modelLoraTargets(config: GptConfig): LoraTarget[] {
  const a = architecture(config);
  return [
    ...(a.attention === 'fused' ? FUSED_ATTENTION_TARGETS : GROUPED_ATTENTION_TARGETS),
    ...(a.mlp === 'gelu' ? GELU_MLP_TARGETS : SWIGLU_MLP_TARGETS),
  ];
}

/** DEFAULT_LORA with the family's default targets: c_attn (GPT-2, GPT-Neo), q_proj + v_proj (peft's for Llama, Qwen). */
export function defaultLora(config: GptConfig): LoraSettings {
  const grouped = architecture(config).attention === 'grouped';
  return { ...DEFAULT_LORA, targets: grouped ? ['attn.q_proj', 'attn.v_proj'] : ['attn.c_attn'] };
}

/** The largest rank the form and files accept: beyond it LoRA stops saving anything on the studio's models. */
export const MAX_LORA_RANK = 256;

/** [in, out] of a target in layer i's terms; throws (with the targets it has) for one the model does not have. */
export function targetShape(config: GptConfig, target: LoraTarget): [number, number] {
  const a = architecture(config);
  const C = config.width;
  const F = mlpWidth(config);
  const q = config.heads * a.headDim;
  const kv = a.kvHeads * a.headDim;
  const shapes: Partial<Record<LoraTarget, [number, number]>> =
    a.attention === 'fused'
      ? { 'attn.c_attn': [C, 3 * C], 'attn.c_proj': [C, C] }
      : { 'attn.q_proj': [C, q], 'attn.k_proj': [C, kv], 'attn.v_proj': [C, kv], 'attn.o_proj': [q, C] };
  Object.assign(
    shapes,
    a.mlp === 'gelu'
      ? { 'mlp.c_fc': [C, F], 'mlp.c_proj': [F, C] }
      : { 'mlp.gate_proj': [C, F], 'mlp.up_proj': [C, F], 'mlp.down_proj': [F, C] },
  );
  const shape = shapes[target];
  if (shape === undefined) throw new RangeError(missingTargetSentence(config, target));
  return shape;
}

function missingTargetSentence(config: GptConfig, target: string): string {
  const a = architecture(config);
  const kind = target.startsWith('attn.')
    ? `its attention is ${a.attention === 'fused' ? "GPT-2's fused c_attn" : 'grouped q/k/v/o'}`
    : `its MLP is ${a.mlp === 'gelu' ? "GPT-2's c_fc / c_proj" : 'SwiGLU gate/up/down'}`;
  return `This model has no ${target} for a LoRA adapter (${kind}); choose from ${modelLoraTargets(config).join(', ')}.`;
}

/** Every problem with `lora`, one sentence each; [] when usable. */
export function loraProblems(lora: unknown): string[] {
  if (typeof lora !== 'object' || lora === null)
    return ['lora must be an object {rank, alpha, targets, biases, layerNorms}.'];
  const l = lora as Record<string, unknown>;
  const out: string[] = [];
  if (typeof l.rank !== 'number' || !Number.isInteger(l.rank) || l.rank < 1 || l.rank > MAX_LORA_RANK) {
    out.push(`lora.rank must be a whole number from 1 to ${MAX_LORA_RANK}, got ${JSON.stringify(l.rank)}.`);
  }
  if (typeof l.alpha !== 'number' || !(l.alpha > 0) || !Number.isFinite(l.alpha))
    out.push(`lora.alpha must be a number above 0, got ${JSON.stringify(l.alpha)}.`);
  const targets = l.targets;
  if (
    !Array.isArray(targets) ||
    targets.length === 0 ||
    !targets.every((t) => (LORA_TARGETS as readonly unknown[]).includes(t)) ||
    new Set(targets).size !== targets.length
  ) {
    out.push(
      `lora.targets must list one or more of ${LORA_TARGETS.join(', ')} once each, got ${JSON.stringify(targets)}.`,
    );
  }
  if (typeof l.biases !== 'boolean') out.push(`lora.biases must be true or false, got ${JSON.stringify(l.biases)}.`);
  if (typeof l.layerNorms !== 'boolean')
    out.push(`lora.layerNorms must be true or false, got ${JSON.stringify(l.layerNorms)}.`);
  return out;
}

export function validateLora(lora: unknown): LoraSettings {
  const problems = loraProblems(lora);
  if (problems.length > 0) throw new RangeError(`Invalid LoRA settings: ${problems.join(' ')}`);
  return lora as LoraSettings;
}

/** `loraProblems` and, for a usable `lora`, each target `config`'s model does not have (one sentence each). */
export function loraProblemsFor(config: GptConfig, lora: unknown): string[] {
  const problems = loraProblems(lora);
  if (problems.length > 0) return problems;
  const have = modelLoraTargets(config);
  return (lora as LoraSettings).targets.filter((t) => !have.includes(t)).map((t) => missingTargetSentence(config, t));
}

/** `validateLora`, and every target is one of `config`'s projections. */
export function validateLoraFor(config: GptConfig, lora: unknown): LoraSettings {
  const problems = loraProblemsFor(config, lora);
  if (problems.length > 0) throw new RangeError(`Invalid LoRA settings: ${problems.join(' ')}`);
  return lora as LoraSettings;
}

/** Adapter names and shapes in a fixed order: per layer, per target, A then B. */
export function loraParamShapes(config: GptConfig, lora: LoraSettings): [name: string, shape: number[]][] {
  const out: [string, number[]][] = [];
  for (let i = 0; i < config.layers; i++) {
    for (const target of LORA_TARGETS) {
      if (!lora.targets.includes(target)) continue;
      const [inputs, outputs] = targetShape(config, target);
      out.push(
        [`h.${i}.${target}.lora_A.weight`, [lora.rank, inputs]],
        [`h.${i}.${target}.lora_B.weight`, [outputs, lora.rank]],
      );
    }
  }
  return out;
}

/** LayerNorms and RMSNorms: ln_1, ln_2, ln_f, and q_norm / k_norm (Qwen3's per-head norms of q and k). */
const isNorm = (name: string) => /(^|\.)ln_(\d|f)\./.test(name) || /\.attn\.[qk]_norm\./.test(name);

/** Whether base parameter `name` trains beside the adapters (the chosen biases and norms). */
export function trainsWithLora(name: string, lora: LoraSettings): boolean {
  if (name.includes('.lora_')) return true;
  if (lora.layerNorms && isNorm(name)) return true;
  return lora.biases && name.endsWith('.bias');
}

/**
 * Floats that get gradients and AdamW moments under `lora`: adapters, plus the chosen biases and norms of the
 * model's own parameter list (so a model without biases, or with RMSNorms' weights only, counts what it has).
 */
export function loraParameterCount(config: GptConfig, lora: LoraSettings): number {
  let n = 0;
  for (const [, shape] of loraParamShapes(config, lora)) n += shape[0]! * shape[1]!;
  for (const [name, shape] of gptParamShapes(config))
    if (trainsWithLora(name, lora)) n += shape.reduce((x, y) => x * y, 1);
  return n;
}

/** Same rank, alpha, targets (in any order) and extras. */
export function sameLora(a: LoraSettings | undefined, b: LoraSettings | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const targets = (l: LoraSettings) => [...l.targets].sort().join(',');
  return (
    a.rank === b.rank &&
    a.alpha === b.alpha &&
    targets(a) === targets(b) &&
    a.biases === b.biases &&
    a.layerNorms === b.layerNorms
  );
}
