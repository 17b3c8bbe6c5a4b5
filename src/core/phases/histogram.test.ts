import { describe, expect, it } from 'vitest';
import { scoreHistogram } from './histogram';

describe('scoreHistogram', () => {
  it('has 16 quarter-wide bins over [1, 5] by default', () => {
    const h = scoreHistogram([]);
    expect(h.bins).toHaveLength(16);
    expect(h.bins[0]).toEqual({ lo: 1, hi: 1.25, count: 0 });
    expect(h.bins[15]).toEqual({ lo: 4.75, hi: 5, count: 0 });
  });

  it('counts lower-inclusive, closes the last bin at 5, and tallies under/over/unscored', () => {
    const h = scoreHistogram([1, 1.24, 1.25, 3.5, 5, 0.9, 5.1, Number.NaN]);
    expect(h.bins[0]!.count).toBe(2); // 1, 1.24
    expect(h.bins[1]!.count).toBe(1); // 1.25
    expect(h.bins[10]!.count).toBe(1); // 3.5 starts bin 10 = [3.5, 3.75)
    expect(h.bins[15]!.count).toBe(1); // 5
    expect([h.under, h.over, h.unscored, h.total]).toEqual([1, 1, 1, 8]);
    expect(h.bins.reduce((s, b) => s + b.count, 0)).toBe(5);
  });

  it('puts a score on an edge in the bin that starts there even with inexact widths', () => {
    // (1.3 − 1) / 0.1 is 2.9999999999999996 in floating point; 1.3 still belongs to [1.3, 1.4)
    const h = scoreHistogram([1.3], { binWidth: 0.1 });
    expect(h.bins).toHaveLength(40);
    const bin = h.bins.findIndex((b) => b.count === 1);
    expect(h.bins[bin]!.lo).toBeLessThanOrEqual(1.3);
    expect(h.bins[bin]!.hi).toBeGreaterThan(1.3);
    expect(bin).toBe(3);
  });

  it('rejects a width that does not divide the range', () => {
    expect(() => scoreHistogram([], { binWidth: 0.3 })).toThrow(/whole bins/);
    expect(() => scoreHistogram([], { binWidth: 0 })).toThrow(/whole bins/);
  });
});
