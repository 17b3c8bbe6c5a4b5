import { describe, expect, it } from 'vitest';
import { GPT2_SMALL, type GptConfig } from './config';
import {
  assertTrainingFits,
  HOST_BUDGET,
  memoryBudget,
  MemoryFitError,
  WASM_HEAP_MAX,
  WASM_USABLE_FRACTION,
} from './memoryBudget';
import { estimateTrainingMemory } from './memoryEstimate';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const MICRO: GptConfig = {
  vocabSize: 96,
  contextLength: 64,
  layers: 2,
  width: 32,
  heads: 2,
  mlpRatio: 4,
  layerNormEps: 1e-5,
  attentionScale: 'sqrt',
};
const GPT2 = GPT2_SMALL;

describe('memoryBudget per backend', () => {
  it('wasm: 85 % of the 4 GiB heap, less what is in use', () => {
    const b = memoryBudget('wasm', 100 * MiB);
    expect(WASM_HEAP_MAX).toBe(4 * GiB - 65536);
    expect(b.budgetBytes).toBe(Math.floor(WASM_HEAP_MAX * WASM_USABLE_FRACTION) - 100 * MiB);
    expect(b.source).toBe("wasm's 4.00 GiB heap (85 % usable, 100.0 MiB already in use)");
  });

  it('webgpu: the device limits, no total budget; cpu and webgl: the host cap', () => {
    const limits = { maxStorageBufferBindingSize: 128 * MiB, maxBufferSize: 256 * MiB };
    expect(memoryBudget('webgpu', 0, limits)).toEqual({
      backend: 'webgpu',
      limits,
      source: "this GPU's buffer limits",
    });
    expect(() => memoryBudget('webgpu', 0)).toThrow(/device limits/);
    const cpu = memoryBudget('cpu', 0);
    expect(cpu.budgetBytes).toBe(HOST_BUDGET.total);
    expect(cpu.limits.maxBufferSize).toBe(HOST_BUDGET.single);
    expect(memoryBudget('webgl', GiB).budgetBytes).toBe(3 * GiB);
  });
});

describe('assertTrainingFits', () => {
  it('passes what fits and refuses a batch of 100 000 with the largest batch that does', () => {
    const budget = memoryBudget('wasm', 0);
    expect(() => assertTrainingFits(MICRO, { batchSize: 8, contextLength: 64 }, budget)).not.toThrow();
    let error: MemoryFitError | undefined;
    try {
      assertTrainingFits(MICRO, { batchSize: 100_000, contextLength: 64 }, budget);
    } catch (e) {
      error = e as MemoryFitError;
    }
    expect(error).toBeInstanceOf(MemoryFitError);
    const best = error!.verdict.suggestion!.batchSize;
    // The largest: it fits, one more does not.
    expect(estimateTrainingMemory(MICRO, { batchSize: best, contextLength: 64 }).total).toBeLessThanOrEqual(
      budget.budgetBytes!,
    );
    expect(estimateTrainingMemory(MICRO, { batchSize: best + 1, contextLength: 64 }).total).toBeGreaterThan(
      budget.budgetBytes!,
    );
    expect(error!.message).toContain(
      `The largest batch that fits at context 64 is ${best}; raise gradient accumulation to keep the effective batch.`,
    );
    expect(error!.message).toMatch(
      /^A training step at batch 100000, context 64 does not fit on wasm \(wasm's 4\.00 GiB heap \(85 % usable\)\): A step needs about [\d.]+ GiB in all/,
    );
  });

  it('GPT-2 124M full fine-tuning on wasm: even batch 1 at context 16 is too much when the heap is mostly used', () => {
    const e = estimateTrainingMemory(GPT2, { batchSize: 1, contextLength: 16 });
    expect(() => assertTrainingFits(GPT2, { batchSize: 2, contextLength: 128 }, memoryBudget('wasm', 3 * GiB))).toThrow(
      /No smaller batch or context fits either: the weights and AdamW state alone are too large here\./,
    );
    expect(e.weights + e.adam).toBeGreaterThan(WASM_HEAP_MAX * WASM_USABLE_FRACTION - 3 * GiB);
  });
});
