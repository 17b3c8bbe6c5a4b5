import { describe, expect, it } from 'vitest';
import { LossSpikeDetector, SPIKE_FACTOR } from './lossSpike';

/** Feeds windows of `size` losses; the index of the first window that trips, or -1. */
function firstSpike(losses: number[], size: number, vocabSize = 40): number {
  const d = new LossSpikeDetector(vocabSize);
  for (let w = 0; w * size < losses.length; w++) if (d.observe(losses.slice(w * size, (w + 1) * size))) return w;
  return -1;
}

/** A deterministic pseudo-random stream in [0, 1) (an LCG: the test needs noise, not quality). */
function noise(seed: number): () => number {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

describe('LossSpikeDetector', () => {
  it('compares a window mean with the higher of ln(vocab) and the run’s first loss', () => {
    const d = new LossSpikeDetector(30); // ln 30 ≈ 3.40: the first loss is the higher
    expect(d.reference).toBeNull();
    expect(d.observe([])).toBeNull();
    expect(d.observe([3.6, 3.5])).toBeNull();
    expect(d.reference).toBe(3.6);
    expect(d.observe([36, 36])).toBeNull(); // exactly 10× is not over it
    expect(d.observe([36.1, 36.1])).toEqual({ mean: 36.1, reference: 3.6 });
    // A pretrained model starting low: the uniform guess is the floor.
    const low = new LossSpikeDetector(50257);
    expect(low.observe([1.2])).toBeNull();
    expect(low.reference).toBeCloseTo(Math.log(50257), 12);
    expect(low.observe([Math.log(50257) * SPIKE_FACTOR * 0.99])).toBeNull();
  });

  it('catches the measured blow-ups: LR 1e3 at its first window, LR 1 at its second', () => {
    // Per-step losses measured on the micro GPT (wasm, batch 2, log every 2).
    expect(firstSpike([3.58, 1.41e7, 2.28e7, 9.81e7], 2)).toBe(0);
    expect(firstSpike([3.58, 23.6, 27.1, 50.9, 40.5, 48.7], 2)).toBe(1);
    // Logged every step, the first window is the first loss alone and cannot trip; the second does.
    expect(firstSpike([3.58, 1.41e7], 1)).toBe(1);
  });

  it('never trips on healthy runs: noisy descent, a phase change after overfitting, a jump to a harder phase', () => {
    const rand = noise(7);
    // 2 000 steps from ln(40) down to ~0.05 with ±60 % multiplicative noise, logged every step and every 10.
    const noisy = Array.from({ length: 2000 }, (_, i) => (0.05 + 3.6 * Math.exp(-i / 300)) * (0.4 + 1.2 * rand()));
    expect(firstSpike(noisy, 1)).toBe(-1);
    expect(firstSpike(noisy, 10)).toBe(-1);
    // Measured (micro GPT, batch 1, LR 3e-2 unclipped): phase 1 overfit to ~0.002, phase 2 starts at 12.7.
    const phased = [3.63, 3.42, 3.26, ...Array(300).fill(0.002), 12.7, 12.7, 6.92, 12.3, 6.02, 11.5, 7.56, 3.06];
    expect(firstSpike(phased, 1)).toBe(-1);
    // A pretrained start at 2.0 whose hard phase sits at 9 (GPT-2 vocabulary).
    expect(firstSpike([2.0, 1.8, 1.5, 1.4, 9, 8.5, 8], 1, 50257)).toBe(-1);
  });
});
