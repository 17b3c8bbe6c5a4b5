import { describe, expect, it } from 'vitest';
import {
  formatSummary,
  incompleteBeta,
  lnGamma,
  pairedDifference,
  studentTCdf,
  studentTQuantile,
  summarize,
} from './stats';

describe('Student t', () => {
  it('has the textbook 97.5% quantiles', () => {
    // Any t table: t(0.975, df).
    const table: [number, number][] = [
      [1, 12.7062],
      [2, 4.3027],
      [3, 3.1824],
      [4, 2.7764],
      [5, 2.5706],
      [9, 2.2622],
      [29, 2.0452],
      [120, 1.9799],
    ];
    for (const [df, t] of table) expect(studentTQuantile(0.975, df)).toBeCloseTo(t, 4);
  });

  it('has a CDF that is exact where it is known in closed form', () => {
    // df = 1 is the Cauchy distribution: F(t) = 1/2 + atan(t)/π.
    for (const t of [-3, -0.5, 0, 0.7, 2, 10]) expect(studentTCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 12);
    // df = 2: F(t) = 1/2 + t / (2√(2 + t²)).
    for (const t of [-2, 0.3, 1, 4]) expect(studentTCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), 12);
    expect(studentTQuantile(0.025, 4)).toBeCloseTo(-studentTQuantile(0.975, 4), 10);
  });

  it('builds on a correct ln Γ and incomplete beta', () => {
    expect(lnGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(lnGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
    // I_x(1, 1) = x; I_x(2, 1) = x²; I_0.5(a, a) = 0.5.
    expect(incompleteBeta(1, 1, 0.3)).toBeCloseTo(0.3, 12);
    expect(incompleteBeta(2, 1, 0.6)).toBeCloseTo(0.36, 12);
    expect(incompleteBeta(3.5, 3.5, 0.5)).toBeCloseTo(0.5, 12);
  });
});

describe('summarize', () => {
  it('gives mean ± t·s/√n, computed by hand for three seeds', () => {
    // [1, 2, 3]: mean 2, s = 1, se = 1/√3 = 0.577350, t(0.975, 2) = 4.302653 → half-width 2.484138.
    const s = summarize([1, 2, 3]);
    expect(s.n).toBe(3);
    expect(s.mean).toBe(2);
    expect(s.sd).toBeCloseTo(1, 12);
    expect(s.se).toBeCloseTo(0.57735027, 8);
    expect(s.halfWidth).toBeCloseTo(2.484138, 5);
    expect(s.lo).toBeCloseTo(2 - 2.484138, 5);
    expect(s.hi).toBeCloseTo(2 + 2.484138, 5);
  });

  it('by hand for five rates', () => {
    // [0.40, 0.45, 0.50, 0.38, 0.42]: mean 0.43, s² = (0.0009+0.0004+0.0049+0.0025+0.0001)/4 = 0.0022,
    // s = 0.0469042, se = 0.0209762, t(0.975, 4) = 2.776445 → half-width 0.0582395.
    const s = summarize([0.4, 0.45, 0.5, 0.38, 0.42]);
    expect(s.mean).toBeCloseTo(0.43, 12);
    expect(s.sd).toBeCloseTo(0.0469042, 6);
    expect(s.halfWidth).toBeCloseTo(0.0582395, 6);
    // A 90% interval is narrower: t(0.95, 4) = 2.131847 → 0.0447182.
    expect(summarize([0.4, 0.45, 0.5, 0.38, 0.42], 0.9).halfWidth).toBeCloseTo(0.0447182, 6);
  });

  it('has no interval for one seed, and zero width when all seeds agree', () => {
    const one = summarize([0.7]);
    expect(one.mean).toBe(0.7);
    expect(one.halfWidth).toBeNaN();
    expect(formatSummary(one, { scale: 100, digits: 1 })).toBe('70.0 (n = 1)');
    expect(summarize([0.5, 0.5, 0.5]).halfWidth).toBe(0);
    expect(summarize([]).mean).toBeNaN();
    expect(() => summarize([1, NaN])).toThrow(/finite/);
  });
});

describe('pairedDifference', () => {
  it('subtracts the baseline seed by seed, then takes the t-interval of the differences', () => {
    // Differences [2, 3, 1] → mean 2, half-width 2.484138 (as [1, 2, 3] above).
    const d = pairedDifference(
      new Map([
        [1, 3],
        [2, 5],
        [3, 4],
      ]),
      new Map([
        [1, 1],
        [2, 2],
        [3, 3],
      ]),
    );
    expect(d.seeds).toEqual([1, 2, 3]);
    expect(d.diffs).toEqual([2, 3, 1]);
    expect(d.mean).toBe(2);
    expect(d.halfWidth).toBeCloseTo(2.484138, 5);
  });

  it('is narrower than the unpaired comparison when seeds move both arms together', () => {
    const base = { 1: 0.2, 2: 0.5, 3: 0.8 };
    const arm = { 1: 0.25, 2: 0.56, 3: 0.84 };
    const d = pairedDifference(arm, base);
    // Differences [0.05, 0.06, 0.04]: mean 0.05, s = 0.01, half-width 4.302653 · 0.01/√3 = 0.0248414.
    expect(d.mean).toBeCloseTo(0.05, 12);
    expect(d.halfWidth).toBeCloseTo(0.0248414, 6);
    expect(d.lo).toBeGreaterThan(0);
    expect(summarize(Object.values(arm)).halfWidth).toBeGreaterThan(0.5);
  });

  it('uses only seeds both arms have', () => {
    const d = pairedDifference({ 1: 1, 2: 2, 5: 9 }, { 2: 1, 1: 0, 7: 3 });
    expect(d.seeds).toEqual([1, 2]);
    expect(d.diffs).toEqual([1, 1]);
    expect(formatSummary(d, { digits: 2, signed: true })).toBe('+1.00 ± 0.00');
  });
});
