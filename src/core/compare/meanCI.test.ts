import { describe, expect, it } from 'vitest';
import { meanCI, pairedDifference, t95 } from './meanCI';

describe('meanCI', () => {
  it('matches a hand computation for three seeds', () => {
    // mean 2, sample sd 1, se 1/√3, t(2) = 4.303 → half-width 2.4843
    const ci = meanCI([1, 2, 3]);
    expect(ci.mean).toBe(2);
    expect(ci.half).toBeCloseTo(4.303 / Math.sqrt(3), 10);
    expect(ci.lo).toBeCloseTo(2 - 2.48434, 4);
  });
  it('gives no interval for one value', () => {
    const ci = meanCI([5]);
    expect(ci.mean).toBe(5);
    expect(Number.isNaN(ci.half)).toBe(true);
  });
  it('uses the normal quantile beyond 30 degrees of freedom', () => {
    expect(t95(1)).toBe(12.706);
    expect(t95(31)).toBe(1.96);
  });
});

describe('pairedDifference', () => {
  it('pairs by position: a constant shift has zero spread', () => {
    const d = pairedDifference([3, 4, 5], [2, 3, 4]);
    expect(d.mean).toBe(1);
    expect(d.half).toBe(0);
  });
  it('refuses unpaired samples', () => {
    expect(() => pairedDifference([1, 2], [1])).toThrow(/equal lengths/);
  });
});
