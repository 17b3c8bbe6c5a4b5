import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compactNumber, dataEndAxis, durationTick, linearAxis, logAxis, lrTick } from './chartAxis';

const isNiceStep = (step: number) => {
  const m = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
  return [1, 2, 5, 10].some((n) => Math.abs(m - n) < 1e-6);
};

describe('linearAxis', () => {
  it('puts one loss in a narrow band around itself, with round ticks', () => {
    const { domain, ticks } = linearAxis([2.31]);
    expect(ticks).toEqual([2, 2.2, 2.4, 2.6]);
    expect(domain).toEqual([2, 2.6]);
  });

  it('gives zero, one equal value repeated and nothing a usable axis; zero pins the low end', () => {
    expect(linearAxis([0]).domain[0]).toBeLessThan(0);
    expect(linearAxis([0]).domain[1]).toBeGreaterThan(0);
    expect(linearAxis([5, 5, 5]).domain).toEqual([4.5, 5.5]);
    expect(linearAxis([]).domain).toEqual([0, 1]);
    expect(linearAxis([NaN, Infinity]).domain).toEqual([0, 1]);
    expect(linearAxis([1e-3, 1e-4], { zero: true })).toEqual({ domain: [0, 1e-3], ticks: [0, 5e-4, 1e-3] });
    expect(linearAxis([1e-3], { zero: true }).domain).toEqual([0, 1e-3]);
  });

  it('covers every value with evenly spaced 1-2-5 ticks ending on the domain (any values)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 20 }),
        (values) => {
          const { domain, ticks } = linearAxis(values);
          const step = ticks[1]! - ticks[0]!;
          expect(domain).toEqual([ticks[0], ticks.at(-1)]);
          // Within a billionth of a tick step of a tick counts as on it.
          expect(Math.min(...values)).toBeGreaterThanOrEqual(domain[0] - 1e-8 * step);
          expect(Math.max(...values)).toBeLessThanOrEqual(domain[1] + 1e-8 * step);
          expect(isNiceStep(step)).toBe(true);
          for (let i = 1; i < ticks.length; i++) expect(ticks[i]! - ticks[i - 1]!).toBeCloseTo(step, 6);
          expect(ticks.length).toBeGreaterThanOrEqual(2);
          expect(ticks.length).toBeLessThanOrEqual(11);
        },
      ),
    );
  });
});

describe('dataEndAxis', () => {
  it('ends at the last value with round ticks up to it, and falls back to a padded axis for one value', () => {
    expect(dataEndAxis([0, 252, 1504], { zero: true, ticks: 6 })).toEqual({
      domain: [0, 1504],
      ticks: [0, 500, 1000, 1500],
    });
    expect(dataEndAxis([3, 7])).toEqual({ domain: [3, 7], ticks: [3, 4, 5, 6, 7] });
    expect(dataEndAxis([5])).toEqual(linearAxis([5]));
  });
});

describe('logAxis', () => {
  it('spans the 1-2-5 steps around the positive values, ticks inside', () => {
    expect(logAxis([0.7, 3.2])).toEqual({ domain: [0.5, 5], ticks: [0.5, 1, 2, 5] });
    // A narrow range gets every whole multiple inside it, not just its two ends.
    expect(logAxis([2.31])).toEqual({ domain: [2, 5], ticks: [2, 3, 4, 5] });
    expect(logAxis([2])).toEqual({ domain: [2, 5], ticks: [2, 3, 4, 5] });
    expect(logAxis([3.3, 4.1])).toEqual({ domain: [2, 5], ticks: [2, 3, 4, 5] });
  });

  it('leaves out zero and negatives (a log scale cannot show them) and thins ticks to decades over a wide range', () => {
    expect(logAxis([0, -1, 0.3, 4]).domain).toEqual([0.2, 5]);
    expect(logAxis([0, -1]).domain).toEqual([0.1, 10]);
    expect(logAxis([0.003, 40])).toEqual({ domain: [0.002, 50], ticks: [0.002, 0.01, 0.1, 1, 10, 50] });
  });
});

describe('tick labels', () => {
  it('shows as many digits as the spacing needs, with k and M', () => {
    expect([1000, 1250, 1500].map((t) => compactNumber(t, 250))).toEqual(['1.00k', '1.25k', '1.50k']);
    expect([0, 20000, 40000].map((t) => compactNumber(t, 20000))).toEqual(['0', '20k', '40k']);
    expect([1000, 1500].map((t) => compactNumber(t, 500))).toEqual(['1.0k', '1.5k']);
    expect(compactNumber(2_500_000, 500_000)).toBe('2.5M');
    expect(compactNumber(12)).toBe('12');
    expect(compactNumber(0.25, 0.05)).toBe('0.25');
  });

  it('writes durations and learning rates in their units', () => {
    expect(durationTick(45_000)).toBe('45 s');
    expect(durationTick(750_000)).toBe('12.5 min');
    expect(durationTick(3 * 3600_000)).toBe('3 h');
    expect(lrTick(1e-3)).toBe('1e-3');
    expect(lrTick(2.5e-4)).toBe('2.5e-4');
    expect(lrTick(0)).toBe('0');
  });
});
