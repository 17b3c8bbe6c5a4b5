import { describe, expect, it } from 'vitest';
import { accumulationWeights } from './accumulationWeights';

describe('accumulationWeights', () => {
  it('turns the mean of micro-batch means into the token-weighted mean', () => {
    const tokens = [3, 1, 4];
    const means = [0.5, 2, 1.25]; // each micro-batch's loss over its own tokens
    const w = accumulationWeights(tokens);
    const averaged = means.reduce((s, m, i) => s + w[i]! * m, 0) / means.length;
    const tokenWeighted = (3 * 0.5 + 1 * 2 + 4 * 1.25) / 8;
    expect(averaged).toBeCloseTo(tokenWeighted, 12);
  });

  it('is 1 for a single micro-batch and for micro-batches without masked tokens', () => {
    expect(accumulationWeights([7])).toEqual([1]);
    expect(accumulationWeights([0, 0])).toEqual([1, 1]);
    expect(accumulationWeights([0, 5])).toEqual([0, 2]);
  });
});
