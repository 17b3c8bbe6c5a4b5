import { describe, expect, it } from 'vitest';
import { createRng } from '../util/random';
import {
  balancedCutoffs,
  gaussianKde,
  phaseSizes,
  silvermanBandwidth,
  suggestCutoffs,
  valleyCutoffs,
} from './autoCutoffs';
import { planByCutoffs } from './plan';

/** n draws of N(mean, sd²), seeded (Box–Muller). */
function normal(n: number, mean: number, sd: number, seed: number): number[] {
  const rng = createRng(seed);
  return Array.from(
    { length: n },
    () => mean + sd * Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next()),
  );
}

/** The minimum of a known mixture density between two points, by a fine scan: the "true" valley. */
function mixtureValley(parts: [weight: number, mean: number, sd: number][], lo: number, hi: number): number {
  let best = lo;
  let bestY = Infinity;
  for (let x = lo; x <= hi; x += 1e-4) {
    const y = parts.reduce((s, [w, m, sd]) => s + (w / sd) * Math.exp(-0.5 * ((x - m) / sd) ** 2), 0);
    if (y < bestY) {
      bestY = y;
      best = x;
    }
  }
  return best;
}

describe('automatic cut-offs', () => {
  it('Silverman bandwidth follows the textbook rule', () => {
    const v = normal(1000, 3, 0.5, 1);
    const h = silvermanBandwidth(v);
    expect(h).toBeGreaterThan(0.9 * 0.45 * 1000 ** -0.2);
    expect(h).toBeLessThan(0.9 * 0.55 * 1000 ** -0.2);
    expect(silvermanBandwidth([2, 2, 2])).toBe(0);
    // more than half equal: IQR is 0, σ is used
    expect(silvermanBandwidth([1, 2, 2, 2, 2, 5])).toBeGreaterThan(0);
  });

  it('the binned density integrates to 1 and matches the direct sum', () => {
    const v = Float64Array.from(normal(300, 2.5, 0.6, 2)).sort();
    const h = 0.2;
    const { x, y } = gaussianKde(v, h, 512);
    const step = x[1]! - x[0]!;
    expect(y.reduce((s, d) => s + d * step, 0)).toBeCloseTo(1, 3);
    const at = (p: number) =>
      v.reduce((s, xi) => s + Math.exp(-0.5 * ((p - xi) / h) ** 2), 0) / (v.length * h * Math.sqrt(2 * Math.PI));
    for (const g of [100, 256, 400]) expect(y[g]!).toBeCloseTo(at(x[g]!), 2);
  });

  it('finds the valley of a bimodal distribution', () => {
    const parts: [number, number, number][] = [
      [600, 1.8, 0.3],
      [400, 3.8, 0.35],
    ];
    const scores = [...normal(600, 1.8, 0.3, 3), ...normal(400, 3.8, 0.35, 4)];
    const s = valleyCutoffs(scores, 2);
    expect(s.usable).toBe(true);
    expect(s.cutoffs).toHaveLength(1);
    expect(Math.abs(s.cutoffs[0]! - mixtureValley(parts, 2, 3.5))).toBeLessThan(0.15);
    expect(s.sizes.reduce((a, b) => a + b)).toBe(1000);
    expect(Math.abs(s.sizes[0]! - 600)).toBeLessThan(15);
    expect(s.reason).toMatch(/Silverman bandwidth h = 0\.\d{3}\) has 2 clear peaks/);
    expect(s.reason).toMatch(/sits at its deepest valley/);
    expect(s.density!.x.length).toBeGreaterThanOrEqual(512);
    // the cut-offs plug straight into the plan
    const records = scores.map((_, i) => ({ id: String(i), instruction: 'x', input: '', output: 'y', meta: {} }));
    expect(planByCutoffs(records, scores, s.cutoffs, { scorerId: 't' }).phases).toHaveLength(2);
  });

  it('finds both valleys of a trimodal distribution, and the deeper one when asked for two phases', () => {
    const parts: [number, number, number][] = [
      [500, 1.5, 0.2],
      [300, 3, 0.25],
      [200, 4.3, 0.2],
    ];
    const scores = parts.flatMap(([n, m, sd], i) => normal(n, m, sd, 10 + i));
    const three = valleyCutoffs(scores, 3);
    expect(three.cutoffs).toHaveLength(2);
    expect(Math.abs(three.cutoffs[0]! - mixtureValley(parts, 1.6, 2.9))).toBeLessThan(0.12);
    expect(Math.abs(three.cutoffs[1]! - mixtureValley(parts, 3.1, 4.2))).toBeLessThan(0.12);
    expect(three.sizes.map((x) => Math.round(x / 50) * 50)).toEqual([500, 300, 200]);
    expect(three.reason).toMatch(/has 3 clear peaks .* sit at its 2 deepest valleys/);
    expect(three.valleys!.filter((v) => v.chosen)).toHaveLength(2);

    // Two phases: the valley between the big first mode and the rest is the more prominent one.
    const two = valleyCutoffs(scores, 2);
    expect(two.cutoffs).toHaveLength(1);
    expect(Math.abs(two.cutoffs[0]! - three.cutoffs[0]!)).toBeLessThan(1e-9);

    // Four phases from three modes: says it can only suggest three.
    const four = valleyCutoffs(scores, 4);
    expect(four.cutoffs).toHaveLength(2);
    expect(four.reason).toMatch(
      /Only 2 valleys are deep enough .* suggests 3 phases instead of 4; use balanced sizes for exactly 4/,
    );
  });

  it('says there is no natural cut in a single-peaked distribution', () => {
    const s = valleyCutoffs(normal(800, 2.6, 0.5, 20), 3);
    expect(s.usable).toBe(false);
    expect(s.cutoffs).toEqual([]);
    expect(s.reason).toMatch(/has 1 clear peak .*no natural place to cut\. Use balanced sizes/);
    expect(valleyCutoffs([3, 3, 3, 3], 2).reason).toMatch(/same score/);
    expect(valleyCutoffs([3, Number.NaN], 2).reason).toMatch(/only 1 scored record/);
  });

  it('handles integer scores (a judge that answers 1…5) and clamps out-of-range ones', () => {
    const scores = [
      ...Array(300).fill(1),
      ...Array(40).fill(2),
      ...Array(30).fill(3),
      ...Array(200).fill(4),
      ...Array(250).fill(5),
      7,
      -1,
    ];
    const s = valleyCutoffs(scores, 2, { bandwidthScale: 0.5 });
    expect(s.usable).toBe(true);
    expect(s.cutoffs[0]).toBeGreaterThan(2);
    expect(s.cutoffs[0]).toBeLessThan(4);
    expect(s.reason).toMatch(/h = 0\.\d+, 0\.5 × Silverman's/);
  });

  it('balanced cut-offs give equal sizes and explain ties', () => {
    const scores = Array.from({ length: 900 }, (_, i) => 1 + (4 * i) / 899);
    const b = balancedCutoffs(scores, 3);
    expect(b.sizes).toEqual([300, 300, 300]);
    expect(b.reason).toMatch(/about 1\/3 of the 900 scored records in each phase \(300 \/ 300 \/ 300\)/);
    expect(b.reason).not.toMatch(/never split/);
    const tied = balancedCutoffs([1, 1, 1, 1, 1, 1, 1, 1, 2, 3, 4, 5], 2);
    expect(tied.usable).toBe(true);
    expect(tied.sizes).toEqual([8, 4]);
    expect(tied.reason).toMatch(/never split/);
    const few = balancedCutoffs([2, 2, 2], 3);
    expect(few).toMatchObject({ usable: false, cutoffs: [] });
    expect(few.reason).toMatch(/only 1 distinct value/);
  });

  it('suggests both, balanced first; sizes count scored records per phase', () => {
    const scores = [...normal(200, 1.6, 0.2, 30), ...normal(200, 4, 0.2, 31), Number.NaN];
    const [balanced, valleys] = suggestCutoffs(scores, 2);
    expect(balanced!.method).toBe('balanced');
    expect(valleys!.method).toBe('valleys');
    expect(balanced!.sizes).toEqual([200, 200]);
    expect(valleys!.sizes).toEqual([200, 200]);
    expect(phaseSizes([1, 2, 3, Number.NaN], [2.5])).toEqual([2, 1]);
  });

  it('is fast on an Alpaca-sized dataset', () => {
    const scores = [...normal(30000, 1.2, 0.3, 40), ...normal(15000, 2.4, 0.5, 41), ...normal(7000, 4.2, 0.4, 42)];
    const t = performance.now();
    const s = valleyCutoffs(scores, 3);
    expect(performance.now() - t).toBeLessThan(500);
    expect(s.cutoffs).toHaveLength(2);
  });
});
