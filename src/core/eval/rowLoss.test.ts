import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import { gptConfigFromPreset } from '../model/config';
import { disposeGptParams, gptLogits, gptLoss, initGptParams, type GptParams } from '../model/gpt';
import { mulberry32 } from '../util/random';
import { rowLossSums } from './rowLoss';

const config = gptConfigFromPreset('micro', 23, { contextLength: 16 });
const B = 3;
const T = 12;

/** A batch with a different mask per row: a prompt-like prefix masked out, a padded tail, and one all-zero row. */
function batch(seed: number): { ids: Int32Array; targets: Int32Array; mask: Float32Array } {
  const next = mulberry32(seed);
  const ids = Int32Array.from({ length: B * T }, () => Math.floor(next() * config.vocabSize));
  const targets = Int32Array.from({ length: B * T }, () => Math.floor(next() * config.vocabSize));
  const mask = new Float32Array(B * T);
  for (let t = 3; t < 10; t++) mask[t] = 1; // row 0: positions 3..9
  for (let t = 0; t < T; t++) mask[T + t] = 1; // row 1: every position
  return { ids, targets, mask }; // row 2: nothing scored
}

/** Σ mask · (log Σ exp(z) − z[target]) per row, in Float64 from the model's own logits. */
function float64RowSums(params: GptParams, b: ReturnType<typeof batch>): number[] {
  const logits = tf.tidy(() => gptLogits(config, params, tf.tensor2d(b.ids, [B, T], 'int32')).dataSync());
  const V = config.vocabSize;
  const out: number[] = [];
  for (let r = 0; r < B; r++) {
    let sum = 0;
    for (let t = 0; t < T; t++) {
      const p = r * T + t;
      if (b.mask[p] === 0) continue;
      const row = Array.from(logits.subarray(p * V, (p + 1) * V), Number);
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((a, z) => a + Math.exp(z - max), 0));
      sum += b.mask[p]! * (lse - row[b.targets[p]!]!);
    }
    out.push(sum);
  }
  return out;
}

describe('rowLossSums', () => {
  let params: GptParams;
  beforeAll(async () => {
    await setNodeBackend('cpu');
    params = initGptParams(config, 4);
  });
  afterAll(() => disposeGptParams(params));

  it('is each row’s masked cross-entropy sum, as a Float64 reference computes it from the logits', () => {
    const b = batch(7);
    const want = float64RowSums(params, b); // also lets the model cache its causal mask for T
    const before = tf.memory().numTensors;
    const got = tf.tidy(() => Array.from(rowLossSums({ config, params }, b, B, T).dataSync()));
    expect(tf.memory().numTensors).toBe(before);
    expect(got).toHaveLength(B);
    for (let r = 0; r < B; r++)
      expect(Math.abs(got[r]! - want[r]!), `row ${r}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(want[r]!)));
    expect(got[2]).toBe(0);
    expect(want[0]).toBeGreaterThan(0);
  });

  it('adds up to the training loss (gptLoss) times the scored tokens', () => {
    const b = batch(8);
    const sums = tf.tidy(() => Array.from(rowLossSums({ config, params }, b, B, T).dataSync()));
    const mean = tf.tidy(
      () =>
        gptLoss(
          config,
          params,
          tf.tensor2d(b.ids, [B, T], 'int32'),
          tf.tensor2d(b.targets, [B, T], 'int32'),
          tf.tensor2d(b.mask, [B, T]),
        ).dataSync()[0]!,
    );
    const count = b.mask.reduce((a, m) => a + m, 0);
    expect(sums.reduce((a, s) => a + s, 0) / count).toBeCloseTo(mean, 5);
  });
});
