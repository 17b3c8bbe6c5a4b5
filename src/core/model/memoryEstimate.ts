/**
 * Will a training step fit? Bytes for weights, gradients, AdamW moments and activations at a batch B and context T,
 * set against the WebGPU adapter's limits — before anything is loaded. All tensors are float32 (4 bytes).
 *
 * With P parameters, L layers, width C, MLP width F, H heads, vocabulary V (counts in floats, ×4 for bytes):
 *   weights      P
 *   AdamW        2P                                    (m and v; +P more for a gradient-accumulation buffer)
 *   gradients    4P                                    (the gradients and their partial sums at the peak)
 *   activations  L · (80·B·T·C + 32·B·T·F + 8·B·H·T²) + 24·B·T·C
 *   logits       5 · B·T·V
 * tfjs keeps every tensor a step creates until the step's tidy ends (forward tape, then the backward pass's own
 * temporaries), so the coefficients are larger than a PyTorch estimate: they are the peak bytes of one
 * forward + backward of our gpt.ts measured with `tf.profile` (cpu backend: the same graph and tape as webgpu),
 * least-squares fitted over 13 shapes (L 1–4, C 32–64, F 4C–8C, H 2–8, T 32–128, B 2–12, V 50–8000; the fit was
 * 80.4, 32.1, 7.2, 5.0, 22.3, 3.9 and predicts every shape within 3%), then rounded. Re-fit with
 * `npx tsx cli/calibrate-memory-estimate.ts` after changing the graph; memoryEstimate.test.ts
 * re-measures three shapes. The logits term is the [B·T, V] logits and four same-size
 * tensors of the loss and its gradient; at BPE vocabularies it is usually the largest term. On webgpu the
 * embedding gradient may add a one-hot [B·T, V] of at most 16 MiB (ops/embedding.ts).
 *
 * A WebGPU buffer larger than `maxBufferSize` cannot be created, and one larger than `maxStorageBufferBindingSize`
 * cannot be bound to a shader: the largest single tensor must stay under both.
 */
import { countGptParams, mlpWidth, type GptConfig } from './config';

const F32 = 4;
/** AdamW's flat groups are at most this many floats (train/optimizer.ts MAX_GROUP_ELEMENTS; a test keeps them equal). */
export const ADAMW_GROUP_ELEMENTS = 1 << 22;

export interface TrainingShape {
  batchSize: number;
  contextLength: number;
  /** Gradient accumulation over micro-batches keeps one more parameter-sized buffer. */
  accumulation?: boolean;
  /**
   * Floats that get gradients and AdamW moments (LoRA: `loraParameterCount`); default all the parameters. The
   * adapters' own weights are left out of the weights term (they are at most this many floats).
   */
  trainableParameters?: number;
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
  /** All in bytes. */
  weights: number;
  /** Gradients at the step's peak (4 parameter-sized sets, measured). */
  gradients: number;
  /** AdamW's m and v (and the accumulation buffer when asked). */
  adam: number;
  activations: number;
  logits: number;
  total: number;
  /** The largest single tensor of a step, and the others that were compared. */
  largestBuffer: BufferSize;
  buffers: BufferSize[];
}

function positiveInt(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${what} must be a positive integer, got ${v}.`);
}

/** Bytes of one training step of `config` at `shape` (formula above). */
export function estimateTrainingMemory(config: GptConfig, shape: TrainingShape): MemoryEstimate {
  const { batchSize: B, contextLength: T } = shape;
  positiveInt(B, 'batchSize');
  positiveInt(T, 'contextLength');
  if (T > config.contextLength) throw new Error(`contextLength ${T} is longer than the model's ${config.contextLength} positions.`);
  const { width: C, heads: H, layers: L, vocabSize: V } = config;
  const F = mlpWidth(config);
  const P = countGptParams(config);
  const activations = (L * (80 * B * T * C + 32 * B * T * F + 8 * B * H * T * T) + 24 * B * T * C) * F32;
  const logits = 5 * B * T * V * F32;
  const weights = P * F32;
  const trainable = (shape.trainableParameters ?? P) * F32;
  const adam = (shape.accumulation ? 3 : 2) * trainable;
  const gradients = 4 * trainable;
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
    weights,
    gradients,
    adam,
    activations,
    logits,
    total: weights + gradients + adam + activations + logits,
    largestBuffer,
    buffers,
  };
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
  /** When it does not fit: the largest batch (then context) that does, halving B first, then T. */
  suggestion?: TrainingShape & { estimate: MemoryEstimate };
  /** When even B = 1 at the shortest context cannot fit because of the token table: the most rows that would. */
  maxVocabRows?: number;
}

const MiB = 1024 * 1024;
const fmt = (bytes: number): string =>
  bytes >= 1024 * MiB ? `${(bytes / 1024 / MiB).toFixed(2)} GiB` : bytes >= MiB ? `${(bytes / MiB).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;

function problems(e: MemoryEstimate, limits: AdapterLimits, options: MemoryCheckOptions): string[] {
  const out: string[] = [];
  const binding = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const which = limits.maxStorageBufferBindingSize <= limits.maxBufferSize ? 'maxStorageBufferBindingSize' : 'maxBufferSize';
  for (const b of e.buffers) {
    if (b.bytes > binding) out.push(`The ${b.what} takes ${fmt(b.bytes)}, more than this GPU's ${which} of ${fmt(binding)}.`);
  }
  if (options.budgetBytes !== undefined && e.total > options.budgetBytes) {
    out.push(`A step needs about ${fmt(e.total)} in all, more than the ${fmt(options.budgetBytes)} budget.`);
  }
  return out;
}

/** Smallest context the suggestion goes down to. */
const MIN_CONTEXT = 16;

/**
 * The verdict for `shape`, and when it does not fit, a smaller shape that does: the batch is halved first (gradient
 * accumulation keeps the effective batch), then the context. The token table does not shrink with either: when it
 * alone is too large, `maxVocabRows` says how far a vocabulary pruning must go.
 */
export function checkTrainingMemory(config: GptConfig, shape: TrainingShape, limits: AdapterLimits, options: MemoryCheckOptions = {}): MemoryVerdict {
  const estimate = estimateTrainingMemory(config, shape);
  const reasons = problems(estimate, limits, options);
  if (reasons.length === 0) return { fits: true, estimate, reasons };
  let B = shape.batchSize;
  let T = shape.contextLength;
  for (;;) {
    if (B > 1) B = Math.floor(B / 2);
    else if (T > MIN_CONTEXT) T = Math.max(MIN_CONTEXT, Math.floor(T / 2));
    else break;
    const e = estimateTrainingMemory(config, { ...shape, batchSize: B, contextLength: T });
    if (problems(e, limits, options).length === 0) return { fits: false, estimate, reasons, suggestion: { ...shape, batchSize: B, contextLength: T, estimate: e } };
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
