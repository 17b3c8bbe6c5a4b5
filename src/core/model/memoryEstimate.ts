/**
 * Will a training step fit? Bytes for weights, gradients, AdamW moments, activations and AdamW's update at a batch B
 * and context T, set against a budget and the WebGPU adapter's limits — before anything is loaded. All float32.
 *
 * With P parameters (Pt of them trainable: gradients and moments), L layers, width C, MLP width F, H heads,
 * vocabulary V (counts in floats, ×4 for bytes), a step's peak is
 *   weights + moments + max(backward, update)
 *   weights      P
 *   moments      2·Pt                                  (AdamW's m and v; +Pt for a gradient-accumulation buffer)
 *   backward     gradients + activations + logits (+ lora)   (the forward's tape and the backward's own tensors)
 *     gradients    Pt, and in full fine-tuning + E·V·C (the tied table's head and embedding gradients and their
 *                  sum) + W·L·Wb (the blocks' weight gradients' own temporaries and reshaped copies; Wb a layer's
 *                  projection tables, blockMatmulWeights: 4C² + 2CF in GPT-2)
 *     activations  L · (A1·B·T·C + Aq·B·T·H·D + Akv·B·T·KV·D + Ar·B·T·H·D·[KV < H] + A2·B·T·F + A3·B·H·T²) + A5·B·T·C
 *                  (H query heads and KV key/value heads of width D; the Aq, Akv, Ar terms are 0 in GPT-2's fit)
 *     logits       A4 · B·T·V
 *     lora         with a frozen base (Pt < P): Ef·V·C + Wf·L·Wb (the backward's copies of the frozen
 *                  table and weights it multiplies the activations' gradients by) + D·L·B·T·S, S = Σ (in + out) over
 *                  a layer's adapted projections (the adapters' own activations and gradients)
 *   update       Pt + K·G                              (the gradients, and K copies of AdamW's largest flat group G)
 * tfjs keeps every tensor the backward pass creates until it ends (the activations' gradients too), so the
 * activation coefficients are much larger than a PyTorch estimate: they are least-squares fits to `tf.profile`'s
 * peak bytes of the whole step of our gpt.ts + optimizer.ts (train/stepMemory.ts, wasm), over 18 shapes L 1–4,
 * C 32–768, F 4C–8C, H 2–12, T 16–128, B 1–12, V 50–12 000: every backward within 6 % (most within 2 %), the
 * update's K the largest ratio seen. tf.profile counts a reshaped view as its own bytes and never sees a kernel's
 * internal buffers, so at GPT-2's shapes the wasm heap was −1 … +11 % off its peak (memoryBudget.ts keeps a margin).
 * Re-fit with `npx tsx cli/calibrate-memory-estimate.ts wasm` after changing the graph; memoryEstimate.test.ts
 * re-measures three shapes, `npm run bench:memory` GPT-2's and distilgpt2's (docs/BENCHMARKS.md, "Memory").
 * The LoRA coefficients are a least-squares fit of the same kind over 7 shapes (L 1–3, C 32–256, T 16–64, V 200–8 000,
 * rank 8 on all four projections; memoryEstimate.test.ts re-measures two). Under LoRA the weights term also holds the
 * adapters' own weights.
 * Each family's graph has its own coefficients (stepCoefficients): GPT-2's (and GPT-Neo's) below, the Llama
 * family's (RMSNorm, RoPE, SwiGLU, grouped attention) at LLAMA_STEP_COEFFICIENTS, and their LoRA steps' likewise
 * (LORA_STEP_COEFFICIENTS, LLAMA_LORA_STEP_COEFFICIENTS; the Llama fit scales the activations and logits of a
 * frozen-base step too).
 * The forward alone and AdamW's clip (the global norm) stay below the backward and the update.
 *
 * A WebGPU buffer larger than `maxBufferSize` cannot be created, and one larger than `maxStorageBufferBindingSize`
 * cannot be bound to a shader: the largest single tensor must stay under both.
 */
import { architecture, countGptParams, gptParamShapes, mlpWidth, type GptConfig } from './config';
import { loraParamShapes, targetShape, type LoraSettings } from './loraSettings';

const F32 = 4;
/** AdamW's flat groups are at most this many floats (train/optimizer.ts MAX_GROUP_ELEMENTS; a test keeps them equal). */
export const ADAMW_GROUP_ELEMENTS = 1 << 22;

/**
 * Fitted coefficients (floats), see the formula above. Aq, Akv and Ar price the attention's own widths where they
 * are not the residual width: q (and what it becomes: rotated, merged) H·D, k and v KV·D, and the k and v repeated
 * to the H query heads when KV < H (model/attention.ts materialises them with a gather). GPT-2's q, k and v are each
 * C wide, so its fit folds them into A1 and these are 0.
 */
export interface StepCoefficients {
  A1: number;
  Aq: number;
  Akv: number;
  Ar: number;
  A2: number;
  A3: number;
  A4: number;
  A5: number;
  E: number;
  W: number;
  K: number;
}
export const STEP_COEFFICIENTS: Readonly<StepCoefficients> = {
  A1: 76.9,
  Aq: 0,
  Akv: 0,
  Ar: 0,
  A2: 32.2,
  A3: 7.6,
  A4: 2.85,
  A5: 12,
  E: 2.9,
  W: 3.1,
  K: 3.25,
};
/**
 * The step of the Llama family (RMSNorm, RoPE, SwiGLU, grouped attention; model/attention.ts repeats k and v with a
 * gather): a least-squares fit of the same kind over 18 Llama-shaped models (L 1–4, C 32–576, H 3–9, KV 1–4 incl.
 * KV = H, D 8–64 incl. D ≠ C/H, F 64–1 536, T 16–96, B 1–12, V 300–8 192, no biases, tied head), every backward within
 * 3.5 %; K the largest update ratio seen (`npx tsx cli/calibrate-memory-estimate.ts cpu llama`). Per token and layer
 * the norms, residuals and projections' inputs keep ~36·C floats against GPT-2's ~77·C (RMSNorm has no centring and
 * no bias), the SwiGLU MLP (gate, up, silu, product and their gradients) ~11·F against the GELU MLP's ~32·F. Configs
 * that mix the two families' choices (say RMSNorm with learned positions) are estimated with these too, unfitted.
 */
export const LLAMA_STEP_COEFFICIENTS: Readonly<StepCoefficients> = {
  A1: 36.4,
  Aq: 21.6,
  Akv: 16.1,
  Ar: 6.3,
  A2: 11.45,
  A3: 6.76,
  A4: 3.23,
  A5: 0,
  E: 2.96,
  W: 1.03,
  K: 4,
};

/** The coefficients of `config`'s graph: GPT-2's (GPT-Neo's too) or the Llama family's. */
export function stepCoefficients(config: GptConfig): Readonly<StepCoefficients> {
  const a = architecture(config);
  const gpt2Graph = a.norm === 'layerNorm' && a.positions === 'learned' && a.mlp === 'gelu' && a.attention === 'fused';
  return gpt2Graph ? STEP_COEFFICIENTS : LLAMA_STEP_COEFFICIENTS;
}

/** Floats of one block's projection tables (every weight a matmul multiplies by): 4C² + 2CF in GPT-2. */
export function blockMatmulWeights(config: GptConfig): number {
  return gptParamShapes({ ...config, layers: 1 })
    .filter(([name, shape]) => name.startsWith('h.0.') && shape.length === 2)
    .reduce((n, [, [rows, cols]]) => n + rows! * cols!, 0);
}
/** Fitted coefficients (floats) of a step with a frozen base and LoRA adapters, see the formula above. */
export const LORA_STEP_COEFFICIENTS: Readonly<LoraCoefficients> = { D: 4.1, Ef: 1.2, Wf: 2.7, Sa: 1, Sl: 1 };
/**
 * The Llama family's LoRA step (frozen RMSNorm/RoPE/SwiGLU base), fitted by `npx tsx cli/calibrate-memory-estimate.ts
 * cpu llama-lora` on 9 shapes (L 1–2, C 32–576, T 16–64, V 500–8 192, rank 8 on q/v or all seven projections):
 * every step's peak within −2.9 … +4.2 %. Its activations and logits are scaled too (Sa, Sl): with GPT-2's LoRA terms the estimate
 * was up to 35 % high (32 % at SmolLM2-135M).
 */
export const LLAMA_LORA_STEP_COEFFICIENTS: Readonly<LoraCoefficients> = {
  D: 3.7,
  Ef: 1.05,
  Wf: 0.98,
  Sa: 0.97,
  Sl: 1.35,
};

/** A LoRA step's terms (formula above); Sa and Sl scale the activations and logits of a frozen-base step. */
export interface LoraCoefficients {
  D: number;
  Ef: number;
  Wf: number;
  Sa: number;
  Sl: number;
}
/**
 * Greedy cached generation (eval/generate.ts), above the weights: the prefill's forward over the p prompt columns
 * (one tidy, so all of it at once) and the key/value cache of p + n columns (the old and the new one while a column
 * is appended): G1·L·B·p·C + G2·L·B·p·F + G3·L·B·H·p² + G4·L·B·(p+n)·KV·D + G5·B·V (KV·D = C in GPT-2; fitted on
 * GPT-2's graph only: for the other families the cache term is exact by shape, the prefill's an approximation).
 */
export const GENERATION_COEFFICIENTS = { G1: 7.8, G2: 12.4, G3: 5.1, G4: 4, G5: 1.8 };

export interface TrainingShape {
  batchSize: number;
  contextLength: number;
  /** Gradient accumulation over micro-batches keeps one more trainable-sized buffer. */
  accumulation?: boolean;
  /**
   * Floats that get gradients and AdamW moments (LoRA: the adapters and any extras); default all parameters. When
   * it is less than all, the token table counts as frozen.
   */
  trainableParameters?: number;
  /** The LoRA adapters the step trains (their weights and activations count too); none for full fine-tuning. */
  lora?: Pick<LoraSettings, 'rank' | 'targets'>;
}

/** The two limits of a GPUAdapter that decide whether a tensor can live on the GPU (`adapter.limits`). */
export interface AdapterLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
}

export interface BufferSize {
  what: string;
  bytes: number;
}

export interface MemoryEstimate {
  params: number;
  trainableParams: number;
  /** All in bytes. */
  weights: number;
  /** The gradients at the end of the backward pass. */
  gradients: number;
  /** AdamW's m and v (and the accumulation buffer when asked). */
  adam: number;
  activations: number;
  logits: number;
  /** With a frozen base: the backward's copies of the frozen weights and the adapters' activations; else 0. */
  lora: number;
  /** The backward pass's peak above weights and moments: gradients + activations + logits + lora. */
  backward: number;
  /** AdamW's update's peak above weights and moments: the gradients and its temporaries. */
  update: number;
  /** weights + adam + max(backward, update). */
  total: number;
  /** The largest single tensor of a step, and the others that were compared. */
  largestBuffer: BufferSize;
  buffers: BufferSize[];
}

function positiveInt(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${what} must be a positive integer, got ${v}.`);
}

/**
 * Floats of AdamW's largest flat group (train/optimizer.ts), bounded without knowing the decay mask: a parameter
 * above the cap (a BPE token table) is a group of its own and then the largest; otherwise no group exceeds the cap
 * or the trainable count.
 */
export function adamwLargestGroup(config: GptConfig, trainable = countGptParams(config)): number {
  const P = countGptParams(config);
  if (trainable < P) return Math.min(trainable, ADAMW_GROUP_ELEMENTS);
  const largest = Math.max(...gptParamShapes(config).map(([, shape]) => shape.reduce((a, b) => a * b, 1)));
  return largest > ADAMW_GROUP_ELEMENTS ? largest : Math.min(P, ADAMW_GROUP_ELEMENTS);
}

/** Bytes of one training step of `config` at `shape` (formula above). */
export function estimateTrainingMemory(config: GptConfig, shape: TrainingShape): MemoryEstimate {
  const { batchSize: B, contextLength: T } = shape;
  positiveInt(B, 'batchSize');
  positiveInt(T, 'contextLength');
  if (T > config.contextLength)
    throw new Error(`contextLength ${T} is longer than the model's ${config.contextLength} positions.`);
  const { width: C, heads: H, layers: L, vocabSize: V } = config;
  const F = mlpWidth(config);
  const { kvHeads: KV, headDim: D } = architecture(config);
  const { A1, Aq, Akv, Ar, A2, A3, A4, A5, E, W, K } = stepCoefficients(config);
  const Wb = blockMatmulWeights(config);
  const perLayer =
    A1 * B * T * C +
    Aq * B * T * H * D +
    Akv * B * T * KV * D +
    (KV < H ? Ar * B * T * H * D : 0) +
    A2 * B * T * F +
    A3 * B * H * T * T;
  const P = countGptParams(config);
  const Pt = shape.trainableParameters ?? P;
  if (!Number.isInteger(Pt) || Pt < 0 || Pt > P)
    throw new Error(`trainableParameters must be an integer in [0, ${P}], got ${Pt}.`);
  const frozen = Pt < P;
  const loraTerms =
    stepCoefficients(config) === STEP_COEFFICIENTS ? LORA_STEP_COEFFICIENTS : LLAMA_LORA_STEP_COEFFICIENTS;
  const activations = Math.round((frozen ? loraTerms.Sa : 1) * (L * perLayer + A5 * B * T * C)) * F32;
  const logits = Math.round((frozen ? loraTerms.Sl : 1) * A4 * B * T * V) * F32;
  const adapterFloats = shape.lora
    ? loraParamShapes(config, { ...shape.lora, alpha: 1, biases: false, layerNorms: false }).reduce(
        (n, [, s]) => n + s[0]! * s[1]!,
        0,
      )
    : 0;
  const weights = (P + adapterFloats) * F32;
  const adam = (shape.accumulation ? 3 : 2) * Pt * F32;
  const gradients = Math.round(Pt + (Pt === P ? E * V * C + W * L * Wb : 0)) * F32;
  const adapted = shape.lora
    ? shape.lora.targets.reduce((n, t) => n + targetShape(config, t)[0] + targetShape(config, t)[1], 0)
    : 0;
  const { Ef, Wf, D: Dl } = loraTerms;
  const lora = frozen ? Math.round(Ef * V * C + Wf * L * Wb + Dl * L * B * T * adapted) * F32 : 0;
  const backward = gradients + activations + logits + lora;
  const update = Math.round(Pt + (Pt > 0 ? K * adamwLargestGroup(config, Pt) : 0)) * F32;
  const buffers: BufferSize[] = [
    { what: `token table wte [${V}, ${C}] (and its gradient and Adam moments)`, bytes: V * C * F32 },
    { what: `logits [${B * T}, ${V}]`, bytes: B * T * V * F32 },
    { what: `attention scores [${B}, ${H}, ${T}, ${T}]`, bytes: B * H * T * T * F32 },
    { what: `MLP hidden [${B * T}, ${F}]`, bytes: B * T * F * F32 },
    { what: 'AdamW flat parameter group', bytes: Math.min(P - V * C, ADAMW_GROUP_ELEMENTS) * F32 },
  ];
  const largestBuffer = buffers.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  return {
    params: P,
    trainableParams: Pt,
    weights,
    gradients,
    adam,
    activations,
    logits,
    lora,
    backward,
    update,
    total: weights + adam + Math.max(backward, update),
    largestBuffer,
    buffers,
  };
}

export interface GenerationShape {
  batchSize: number;
  promptLength: number;
  newTokens: number;
}

export interface GenerationEstimate {
  weights: number;
  /** The key/value cache at its longest (bytes, both copies while a column is appended). */
  cache: number;
  /** The prefill's forward over the prompt columns. */
  prefill: number;
  total: number;
}

/** Bytes of greedy cached generation (eval/generate.ts) of `config` at `shape` (formula at GENERATION_COEFFICIENTS). */
export function estimateGenerationMemory(config: GptConfig, shape: GenerationShape): GenerationEstimate {
  const { batchSize: B, promptLength: p, newTokens: n } = shape;
  positiveInt(B, 'batchSize');
  positiveInt(p, 'promptLength');
  if (!Number.isInteger(n) || n < 0) throw new Error(`newTokens must be an integer ≥ 0, got ${n}.`);
  const { width: C, heads: H, layers: L, vocabSize: V } = config;
  const F = mlpWidth(config);
  const { G1, G2, G3, G4, G5 } = GENERATION_COEFFICIENTS;
  const prefill = Math.round(L * (G1 * B * p * C + G2 * B * p * F + G3 * B * H * p * p) + G5 * B * V) * F32;
  const { kvHeads, headDim } = architecture(config);
  const cache = Math.round(G4 * L * B * (p + n) * kvHeads * headDim) * F32;
  const weights = countGptParams(config) * F32;
  return { weights, cache, prefill, total: weights + prefill + cache };
}

export interface MemoryCheckOptions {
  /** Bytes the step may use in all (the GPU's memory is not exposed to WebGPU: the caller's estimate). */
  budgetBytes?: number;
}

export interface MemoryVerdict {
  fits: boolean;
  estimate: MemoryEstimate;
  /** Why it does not fit, one sentence each; [] when it fits. */
  reasons: string[];
  /** When it does not fit: the largest batch at the same context that does, else the longest context at batch 1. */
  suggestion?: TrainingShape & { estimate: MemoryEstimate };
  /** When even B = 1 at the shortest context cannot fit because of the token table: the most rows that would. */
  maxVocabRows?: number;
}

const MiB = 1024 * 1024;
/** Bytes as "1.23 GiB" / "45.6 MiB" / "7.8 KiB". */
export const formatBytes = (bytes: number): string =>
  bytes >= 1024 * MiB
    ? `${(bytes / 1024 / MiB).toFixed(2)} GiB`
    : bytes >= MiB
      ? `${(bytes / MiB).toFixed(1)} MiB`
      : `${(bytes / 1024).toFixed(1)} KiB`;

function problems(e: MemoryEstimate, limits: AdapterLimits, options: MemoryCheckOptions): string[] {
  const out: string[] = [];
  const binding = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const which =
    limits.maxStorageBufferBindingSize <= limits.maxBufferSize ? 'maxStorageBufferBindingSize' : 'maxBufferSize';
  for (const b of e.buffers) {
    if (b.bytes > binding)
      out.push(
        `The ${b.what} takes ${formatBytes(b.bytes)}, more than this GPU's ${which} of ${formatBytes(binding)}.`,
      );
  }
  if (options.budgetBytes !== undefined && e.total > options.budgetBytes) {
    out.push(
      `A step needs about ${formatBytes(e.total)} in all, more than the ${formatBytes(options.budgetBytes)} budget.`,
    );
  }
  return out;
}

/** Smallest context the suggestion goes down to. */
const MIN_CONTEXT = 16;

/** The largest integer in [lo, hi] for which `fits` holds (monotone: true up to some point), or undefined. */
function largestFitting(lo: number, hi: number, fits: (x: number) => boolean): number | undefined {
  if (hi < lo || !fits(lo)) return undefined;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * The verdict for `shape`, and when it does not fit, the shape that does with the most of it kept: the largest
 * batch at the same context (gradient accumulation keeps the effective batch), else at batch 1 the longest context
 * (down to 16). The token table does not shrink with either: when it alone is too large, `maxVocabRows` says how
 * far a vocabulary pruning must go.
 */
export function checkTrainingMemory(
  config: GptConfig,
  shape: TrainingShape,
  limits: AdapterLimits,
  options: MemoryCheckOptions = {},
): MemoryVerdict {
  const estimate = estimateTrainingMemory(config, shape);
  const reasons = problems(estimate, limits, options);
  if (reasons.length === 0) return { fits: true, estimate, reasons };
  const T = shape.contextLength;
  const fitsAt = (B: number, t: number) =>
    problems(estimateTrainingMemory(config, { ...shape, batchSize: B, contextLength: t }), limits, options).length ===
    0;
  const B = largestFitting(1, shape.batchSize - 1, (b) => fitsAt(b, T));
  const t = B === undefined ? largestFitting(Math.min(MIN_CONTEXT, T), T - 1, (x) => fitsAt(1, x)) : T;
  if (t !== undefined) {
    const s = { ...shape, batchSize: B ?? 1, contextLength: t };
    return { fits: false, estimate, reasons, suggestion: { ...s, estimate: estimateTrainingMemory(config, s) } };
  }
  const binding = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const maxVocabRows = Math.floor(binding / (config.width * F32));
  return { fits: false, estimate, reasons, maxVocabRows: maxVocabRows < config.vocabSize ? maxVocabRows : undefined };
}

/**
 * Arithmetic of one training step (forward + backward ≈ 3× forward): 6 FLOPs per matmul weight per token — the
 * blocks' projections (4C² + 2CF per layer in GPT-2) and the head's V·C — plus attention's 12·L·B·T²·H·D (QKᵀ and
 * A·V, full T×T; H·D = C but in Qwen3).
 */
export function trainingFlops(config: GptConfig, batch: number, context: number): number {
  const { width: C, layers: L, vocabSize: V, heads: H } = config;
  const { headDim: D } = architecture(config);
  const tokens = batch * context;
  return 6 * tokens * (L * blockMatmulWeights(config) + V * C) + 12 * L * batch * context * context * H * D;
}
