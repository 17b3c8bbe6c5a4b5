import { beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import { wasmBatchMatMulInstalled } from '../kernels/wasm/batchMatMul';
import { GPT_PRESETS } from '../model/config';
import { benchInterleaved } from './stepBench';

beforeAll(async () => {
  await setNodeBackend('wasm');
});

describe('benchInterleaved with a wasm matmul switch', () => {
  it('runs each variant on its own BatchMatMul, alternated, and puts the installed one back', async () => {
    const config = { ...GPT_PRESETS.micro, vocabSize: 16, contextLength: 8 };
    expect(wasmBatchMatMulInstalled()).toBe(true);
    const seen: boolean[] = [];
    const r = await benchInterleaved(
      { config, batchSize: 2 },
      [
        { label: 'ours', options: { wasmMatMul: 'fast' } },
        { label: 'stock', options: { wasmMatMul: 'stock' } },
      ],
      2,
      () => seen.push(wasmBatchMatMulInstalled()),
    );
    expect(r.variants.map((v) => [v.label, v.wasmMatMul])).toEqual([
      ['ours', 'fast'],
      ['stock', 'stock'],
    ]);
    // Progress comes after each round, whose last step ran on the stock kernel.
    expect(seen).toEqual([false, false]);
    expect(r.variants.every((v) => v.runMsPerStep.length === 2 && Number.isFinite(v.lastLoss))).toBe(true);
    // Same model, same batch, same seed: the two kernels train alike.
    expect(r.variants[1]!.lastLoss).toBeCloseTo(r.variants[0]!.lastLoss, 4);
    expect(r.tensorsLeft).toBe(0);
    expect(wasmBatchMatMulInstalled()).toBe(true);
  });
});
