import { describe, expect, it } from 'vitest';
import { compareScorers } from './compare';
import { spearman } from './spearman';

describe('compareScorers', () => {
  it('gives ρ, the confusion table, per-record phases and agreement on a hand-checked case', () => {
    const a = [1.2, 2.0, 3.0, 4.0, 4.8, Number.NaN, 2.5];
    const b = [1.0, 1.4, 3.6, 3.0, 5.0, 2.0, Number.NaN];
    const c = compareScorers(
      { id: 'judge', scores: a, cutoffs: [1.5, 3.5] },
      { id: 'ifd', scores: b, cutoffs: [1.5, 3.5] },
    );
    expect(c).toMatchObject({ a: 'judge', b: 'ifd', records: 7, both: 5, onlyA: 1, onlyB: 1, neither: 0 });
    expect(Array.from(c.phasesA)).toEqual([0, 1, 1, 2, 2, -1, 1]);
    expect(Array.from(c.phasesB)).toEqual([0, 0, 2, 1, 2, 1, -1]);
    // rows: phase under judge; columns: phase under ifd
    expect(c.confusion).toEqual([
      [1, 0, 0],
      [1, 0, 1],
      [0, 1, 1],
    ]);
    expect(c.samePhase).toBeCloseTo(2 / 5, 12);
    expect(c.withinOnePhase).toBeCloseTo(5 / 5, 12);
    expect(c.spearman).toBeCloseTo(spearman([1.2, 2, 3, 4, 4.8], [1, 1.4, 3.6, 3, 5]), 12);
    expect(c.spearman).toBeCloseTo(0.9, 12);
    expect(c.scatter).toEqual([
      { index: 0, a: 1.2, b: 1.0 },
      { index: 1, a: 2.0, b: 1.4 },
      { index: 2, a: 3.0, b: 3.6 },
      { index: 3, a: 4.0, b: 3.0 },
      { index: 4, a: 4.8, b: 5.0 },
    ]);
    expect(c.scatterSampled).toBe(false);
  });

  it('lets each side keep its own cut-offs, even a different number of phases', () => {
    const a = [1, 2, 3, 4, 5];
    const c = compareScorers({ id: 'a', scores: a, cutoffs: [2.5] }, { id: 'b', scores: a, cutoffs: [1.5, 3.5, 4.5] });
    expect(c.confusion).toEqual([
      [1, 1, 0, 0],
      [0, 1, 1, 1],
    ]);
    expect(c.samePhase).toBeNaN();
    expect(c.spearman).toBe(1);
  });

  it('caps the scatter with a seeded uniform sample in dataset order', () => {
    const n = 10_000;
    const a = Array.from({ length: n }, (_, i) => 1 + (4 * i) / n);
    const b = a.map((x, i) => (i % 3 === 0 ? Number.NaN : 6 - x));
    const c = compareScorers(
      { id: 'a', scores: a, cutoffs: [3] },
      { id: 'b', scores: b, cutoffs: [3] },
      { maxPoints: 500 },
    );
    expect(c.both).toBe(n - Math.ceil(n / 3));
    expect(c.scatter).toHaveLength(500);
    expect(c.scatterSampled).toBe(true);
    expect(c.scatter.every((p, i) => i === 0 || p.index > c.scatter[i - 1]!.index)).toBe(true);
    expect(c.scatter.every((p) => p.index % 3 !== 0)).toBe(true);
    // spread over the whole dataset, not its start
    expect(c.scatter.at(-1)!.index).toBeGreaterThan(0.9 * n);
    expect(
      compareScorers({ id: 'a', scores: a, cutoffs: [3] }, { id: 'b', scores: b, cutoffs: [3] }, { maxPoints: 500 })
        .scatter,
    ).toEqual(c.scatter);
    expect(c.spearman).toBe(-1);
    expect(c.samePhase).toBeLessThan(0.001); // only the record at exactly 3 lands in phase 2 either way
  });

  it('refuses scores of different datasets and invalid cut-offs', () => {
    expect(() =>
      compareScorers({ id: 'a', scores: [1, 2], cutoffs: [2] }, { id: 'b', scores: [1], cutoffs: [2] }),
    ).toThrow(/same dataset/);
    expect(() => compareScorers({ id: 'a', scores: [1], cutoffs: [] }, { id: 'b', scores: [1], cutoffs: [2] })).toThrow(
      /phase/,
    );
  });
});
