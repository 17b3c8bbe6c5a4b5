/**
 * How much memory a run may take on the backend it trains on, and the refusal when a step would not fit — checked
 * before the optimizer, the batches or any step's tensors exist, so an oversized batch never reaches the backend
 * (a batch of 100 000 on wasm used to abort it with "memory access out of bounds", and every later run with it).
 *
 *   wasm    one linear memory of at most 4 294 901 760 bytes (tfjs-backend-wasm 4.22's heap maximum), less the
 *           tensors already in it. The heap never shrinks, and a fragmented heap cannot always reuse freed
 *           space: measured on GPT-2's shape, the heap grew to 1.10 × tf.profile's peak (npm run bench:memory),
 *           so the estimate must fit with a margin (WASM_USABLE_FRACTION).
 *   webgpu  the device's maxStorageBufferBindingSize and maxBufferSize for the largest single tensor; WebGPU does
 *           not expose the GPU's memory, so there is no total budget.
 *   cpu, webgl  no limit tfjs can read: a sane cap of 4 GiB in all (a browser tab's usual ceiling) and 2 GiB for
 *           one tensor (a typed array or texture past it fails in some browsers).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GptConfig } from './config';
import {
  checkTrainingMemory,
  formatBytes,
  type AdapterLimits,
  type MemoryVerdict,
  type TrainingShape,
} from './memoryEstimate';

const GiB = 1024 ** 3;
/** tfjs-backend-wasm 4.22's `getHeapMax()`: 4 GiB less one 64 KiB page. */
export const WASM_HEAP_MAX = 4_294_901_760;
/** Share of the wasm heap a step's estimate may fill (the rest absorbs fragmentation and tfjs's own buffers). */
export const WASM_USABLE_FRACTION = 0.85;
/** The cap for backends that expose no limit (cpu, webgl). */
export const HOST_BUDGET = { total: 4 * GiB, single: 2 * GiB };

export interface MemoryBudget {
  backend: string;
  /** Largest single tensor. */
  limits: AdapterLimits;
  /** Bytes a step may use in all (weights included); undefined where none is known (webgpu). */
  budgetBytes?: number;
  /** Where the budget comes from, for the message. */
  source: string;
}

/**
 * The budget on `backend` with `inUseBytes` already allocated by other tensors (not the model being checked).
 * `deviceLimits`: the WebGPU device's limits (webgpu only).
 */
export function memoryBudget(backend: string, inUseBytes: number, deviceLimits?: AdapterLimits): MemoryBudget {
  const inUse = Math.max(0, inUseBytes);
  switch (backend) {
    case 'wasm': {
      const usable = Math.floor(WASM_HEAP_MAX * WASM_USABLE_FRACTION);
      return {
        backend,
        limits: { maxStorageBufferBindingSize: usable, maxBufferSize: usable },
        budgetBytes: Math.max(0, usable - inUse),
        source: `wasm's ${formatBytes(WASM_HEAP_MAX)} heap (${Math.round(WASM_USABLE_FRACTION * 100)} % usable${inUse > 0 ? `, ${formatBytes(inUse)} already in use` : ''})`,
      };
    }
    case 'webgpu':
      if (!deviceLimits) throw new Error('memoryBudget: webgpu needs the device limits.');
      return { backend, limits: deviceLimits, source: "this GPU's buffer limits" };
    default:
      return {
        backend,
        limits: { maxStorageBufferBindingSize: HOST_BUDGET.single, maxBufferSize: HOST_BUDGET.single },
        budgetBytes: Math.max(0, HOST_BUDGET.total - inUse),
        source: `the ${formatBytes(HOST_BUDGET.total)} cap for ${backend}${inUse > 0 ? ` (${formatBytes(inUse)} already in use)` : ''}`,
      };
  }
}

/** The budget of the active tfjs backend; `countedBytes` are tensors already allocated that the estimate counts too (the model's weights). */
export function activeMemoryBudget(countedBytes = 0): MemoryBudget {
  const backend = tf.getBackend();
  const inUse = tf.memory().numBytes - countedBytes;
  if (backend === 'webgpu') {
    const limits = (tf.backend() as unknown as { device?: { limits: AdapterLimits } }).device?.limits;
    if (limits)
      return memoryBudget(backend, inUse, {
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxBufferSize: limits.maxBufferSize,
      });
    return memoryBudget('cpu', inUse);
  }
  return memoryBudget(backend, inUse);
}

/** A training step that cannot fit, with what would. */
export class MemoryFitError extends Error {
  constructor(
    message: string,
    readonly verdict: MemoryVerdict,
  ) {
    super(message);
    this.name = 'MemoryFitError';
  }
}

/** What to change so it fits, in words: the largest batch (or context) that does, or the token table's limit. */
export function fitAdvice(verdict: MemoryVerdict, shape: TrainingShape): string {
  const s = verdict.suggestion;
  if (s) {
    if (s.batchSize < shape.batchSize && s.contextLength === shape.contextLength) {
      return `The largest batch that fits at context ${shape.contextLength} is ${s.batchSize}; raise gradient accumulation to keep the effective batch.`;
    }
    return `It fits at batch ${s.batchSize} with a context of at most ${s.contextLength} tokens.`;
  }
  if (verdict.maxVocabRows !== undefined)
    return `The token table alone is too large: prune the vocabulary to at most ${verdict.maxVocabRows.toLocaleString('en')} rows.`;
  return 'No smaller batch or context fits either: the weights and AdamW state alone are too large here.';
}

/** Throws a `MemoryFitError` (what, where, what to do) when a step of `config` at `shape` does not fit `budget`. */
export function assertTrainingFits(config: GptConfig, shape: TrainingShape, budget: MemoryBudget): void {
  const verdict = checkTrainingMemory(config, shape, budget.limits, { budgetBytes: budget.budgetBytes });
  if (verdict.fits) return;
  throw new MemoryFitError(
    `A training step at batch ${shape.batchSize}, context ${shape.contextLength} does not fit on ${budget.backend} ` +
      `(${budget.source}): ${verdict.reasons.join(' ')} ${fitAdvice(verdict, shape)}`,
    verdict,
  );
}
