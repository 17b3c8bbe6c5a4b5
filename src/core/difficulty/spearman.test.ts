import { describe, expect, it } from 'vitest';
import { averageRanks, pearson, spearman } from './spearman';

describe('averageRanks', () => {
  it('averages the ranks of ties', () => {
    expect(Array.from(averageRanks([3, 1, 4, 1, 5]))).toEqual([3, 1.5, 4, 1.5, 5]);
    // three-way tie on ranks 2, 3, 4 → 3
    expect(Array.from(averageRanks([0, 7, 7, 7, 9]))).toEqual([1, 3, 3, 3, 5]);
    expect(Array.from(averageRanks([2, 2, 2]))).toEqual([2, 2, 2]);
  });

  it('leaves NaN unranked and does not let it take a rank', () => {
    const r = Array.from(averageRanks([5, Number.NaN, 1]));
    expect(r[0]).toBe(2);
    expect(r[1]).toBeNaN();
    expect(r[2]).toBe(1);
  });
});

describe('pearson', () => {
  it('matches a hand computation', () => {
    // x = 1..4, y = 2,4,5,9: dx = -1.5,-.5,.5,1.5; dy = -3,-1,0,4 → Σdxdy = 4.5+.5+0+6 = 11, Σdx² = 5, Σdy² = 26
    expect(pearson([1, 2, 3, 4], [2, 4, 5, 9])).toBeCloseTo(11 / Math.sqrt(5 * 26), 12);
  });

  it('is NaN for a constant side or fewer than two points', () => {
    expect(pearson([1, 2, 3], [4, 4, 4])).toBeNaN();
    expect(pearson([1], [2])).toBeNaN();
  });
});

describe('spearman', () => {
  it('is ±1 for monotone relations, whatever their shape', () => {
    expect(spearman([1, 2, 3, 4], [1, 8, 27, 64])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [10, 5, 0, -100])).toBeCloseTo(-1, 12);
  });

  it('matches the no-ties formula 1 − 6Σd²/(n(n²−1))', () => {
    // d = -1, 1, -1, 1, 0 → Σd² = 4 → 1 − 24/120 = 0.8
    expect(spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])).toBeCloseTo(0.8, 12);
  });

  it('matches a hand computation with ties', () => {
    // y = 5,6,7,8,7 → ranks 1,2,3.5,5,3.5; x ranks 1..5.
    // dx = -2..2, dy = -2,-1,.5,2,.5 → Σdxdy = 8, Σdx² = 10, Σdy² = 9.5 → ρ = 8/√95
    expect(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])).toBeCloseTo(8 / Math.sqrt(95), 12);
  });

  it('drops pairs with a NaN on either side', () => {
    expect(spearman([1, 2, Number.NaN, 3], [1, 2, 5, 3])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, Number.NaN, 2, 1])).toBeCloseTo(-1, 12);
  });

  it('is NaN when nothing varies and throws on mismatched lengths', () => {
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(() => spearman([1, 2], [1])).toThrow(/lengths differ/);
  });
});
