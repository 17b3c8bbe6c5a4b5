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
 *                  sum) + W·L·(4C² + 2CF) (the blocks' weight gradients' own temporaries and reshaped copies)
 *     activations  L · (A1·B·T·C + A2·B·T·F + A3·B·H·T²) + A5·B·T·C
 *     logits       A4 · B·T·V
 *     lora         with a frozen base (Pt < P): Ef·V·C + Wf·L·(4C² + 2CF) (the backward's copies of the frozen
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
 * The forward alone and AdamW's clip (the global norm) stay below the backward and the update.
 *
 * A WebGPU buffer larger than `maxBufferSize` cannot be created, and one larger than `maxStorageBufferBindingSize`
 * cannot be bound to a shader: the largest single tensor must stay under both.
 */
import { countGptParams, mlpWidth, type GptConfig } from './config';
import { loraParamShapes, targetShape, type LoraSettings } from './loraSettings';

const F32 = 4;
/** AdamW's flat groups are at most this many floats (train/optimizer.ts MAX_GROUP_ELEMENTS; a test keeps them equal). */
export const ADAMW_GROUP_ELEMENTS = 1 << 22;

/** Fitted coefficients (floats), see the formula above. */
export const STEP_COEFFICIENTS = { A1: 76.9, A2: 32.2, A3: 7.6, A4: 2.85, A5: 12, E: 2.9, W: 3.1, K: 3.25 };
/** Fitted coefficients (floats) of a step with a frozen base and LoRA adapters, see the formula above. */
export const LORA_STEP_COEFFICIENTS = { D: 4.1, Ef: 1.2, Wf: 2.7 };
/**
 * Greedy cached generation (eval/generate.ts), above the weights: the prefill's forward over the p prompt columns
 * (one tidy, so all of it at once) and the key/value cache of p + n columns (the old and the new one while a column
 * is appended): G1·L·B·p·C + G2·L·B·p·F + G3·L·B·H·p² + G4·L·B·(p+n)·C + G5·B·V.
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
  const largest = Math.max(
    config.vocabSize * config.width,
    config.contextLength * config.width,
    config.width * mlpWidth(config),
    3 * config.width * config.width,
  );
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
  const P = countGptParams(config);
  const Pt = shape.trainableParameters ?? P;
  if (!Number.isInteger(Pt) || Pt < 0 || Pt > P)
    throw new Error(`trainableParameters must be an integer in [0, ${P}], got ${Pt}.`);
  const { A1, A2, A3, A4, A5, E, W, K } = STEP_COEFFICIENTS;
  const activations = Math.round(L * (A1 * B * T * C + A2 * B * T * F + A3 * B * H * T * T) + A5 * B * T * C) * F32;
  const logits = Math.round(A4 * B * T * V) * F32;
  const adapterFloats = shape.lora
    ? loraParamShapes(config, { ...shape.lora, alpha: 1, biases: false, layerNorms: false }).reduce(
        (n, [, s]) => n + s[0]! * s[1]!,
        0,
      )
    : 0;
  const weights = (P + adapterFloats) * F32;
  const adam = (shape.accumulation ? 3 : 2) * Pt * F32;
  const gradients = Math.round(Pt + (Pt === P ? E * V * C + W * L * (4 * C * C + 2 * C * F) : 0)) * F32;
  const { D, Ef, Wf } = LORA_STEP_COEFFICIENTS;
  const adapted = shape.lora
    ? shape.lora.targets.reduce((n, t) => n + targetShape(config, t)[0] + targetShape(config, t)[1], 0)
    : 0;
  const lora = Pt === P ? 0 : Math.round(Ef * V * C + Wf * L * (4 * C * C + 2 * C * F) + D * L * B * T * adapted) * F32;
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
  const cache = Math.round(G4 * L * B * (p + n) * C) * F32;
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
 * blocks' 4C² + 2CF per layer and the tied head's V·C — plus attention's 12·L·B·T²·C (QKᵀ and A·V, full T×T).
 */
export function trainingFlops(config: GptConfig, batch: number, context: number): number {
  const { width: C, layers: L, vocabSize: V } = config;
  const F = mlpWidth(config);
  const tokens = batch * context;
  return 6 * tokens * (L * (4 * C * C + 2 * C * F) + V * C) + 12 * L * batch * context * context * C;
}
