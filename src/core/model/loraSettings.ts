/**
 * What a LoRA run is made of — rank, alpha, the projections the adapters sit on, which extras train with them — and
 * the names, shapes and counts that follow, without any tensor (the page reads this; the tensors are in lora.ts).
 */
import { mlpWidth, type GptConfig } from './config';

/** The projections an adapter can sit on, by the path under `h.<i>.` (peft matches `attn.c_proj` as a suffix). */
export const LORA_TARGETS = ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];

export interface LoraSettings {
  /** r: the adapters' inner width. */
  rank: number;
  /** The update is scaled by alpha / r (peft's `lora_alpha`). */
  alpha: number;
  targets: LoraTarget[];
  /** Every bias of the model trains too (linear and LayerNorm biases: peft's `bias: "all"`). */
  biases: boolean;
  /** The LayerNorms' weights and biases train too (peft's `modules_to_save: ["ln_1", "ln_2", "ln_f"]`). */
  layerNorms: boolean;
}

export const DEFAULT_LORA: Readonly<LoraSettings> = {
  rank: 8,
  alpha: 16,
  targets: ['attn.c_attn'],
  biases: false,
  layerNorms: false,
};

/** The largest rank the form and files accept: beyond it LoRA stops saving anything on the studio's models. */
export const MAX_LORA_RANK = 256;

/** [in, out] of a target in layer i's terms. */
export function targetShape(config: GptConfig, target: LoraTarget): [number, number] {
  const C = config.width;
  const F = mlpWidth(config);
  switch (target) {
    case 'attn.c_attn':
      return [C, 3 * C];
    case 'attn.c_proj':
      return [C, C];
    case 'mlp.c_fc':
      return [C, F];
    case 'mlp.c_proj':
      return [F, C];
  }
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

const isLayerNorm = (name: string) => /(^|\.)ln_(\d|f)\./.test(name);

/** Whether base parameter `name` trains beside the adapters (the chosen biases and LayerNorms). */
export function trainsWithLora(name: string, lora: LoraSettings): boolean {
  if (name.includes('.lora_')) return true;
  if (lora.layerNorms && isLayerNorm(name)) return true;
  return lora.biases && name.endsWith('.bias');
}

/** Floats that get gradients and AdamW moments under `lora`: adapters, plus the chosen biases and LayerNorms. */
export function loraParameterCount(config: GptConfig, lora: LoraSettings): number {
  const C = config.width;
  const F = mlpWidth(config);
  let n = 0;
  for (const [, shape] of loraParamShapes(config, lora)) n += shape[0]! * shape[1]!;
  const lnFloats = (2 * config.layers + 1) * 2 * C; // ln_1, ln_2 per layer and ln_f, weight + bias each
  const lnBiases = (2 * config.layers + 1) * C;
  const linearBiases = config.layers * (3 * C + C + F + C);
  if (lora.layerNorms) n += lnFloats;
  if (lora.biases) n += linearBiases + (lora.layerNorms ? 0 : lnBiases);
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
