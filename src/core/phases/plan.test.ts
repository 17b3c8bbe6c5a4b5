import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CUTOFFS,
  phaseOf,
  phaseRanges,
  PhasePlanError,
  planByCutoffs,
  planByQuantiles,
  quantileCutoffs,
  validateCutoffs,
} from './plan';
import { makeRecord, makeRecords } from './testing/records';

const opts = { scorerId: 'field', heldOut: { fraction: 0 } };

describe('validateCutoffs', () => {
  it('accepts the paper’s cut-offs and 1 to 5 cut-offs inside (1, 5)', () => {
    expect(() => validateCutoffs(DEFAULT_CUTOFFS)).not.toThrow();
    expect(() => validateCutoffs([3])).not.toThrow();
    expect(() => validateCutoffs([1.5, 2, 2.5, 3, 4])).not.toThrow();
  });

  it.each([
    [[], /make 1 phase/],
    [[1.5, 2, 2.5, 3, 3.5, 4], /make 7 phases/],
    [[3.5, 1.5], /strictly increase.*cut-off 2 \(1.5\)/],
    [[2, 2], /strictly increase/],
    [[1, 3], /outside the open range/],
    [[3, 5], /outside the open range/],
    [[0.5], /outside/],
    [[Number.NaN], /not a number/],
  ])('rejects %j with a clear message', (cutoffs, message) => {
    expect(() => validateCutoffs(cutoffs)).toThrow(message);
    expect(() => validateCutoffs(cutoffs)).toThrow(PhasePlanError);
  });

  it('carries a hint of what to do', () => {
    try {
      validateCutoffs([4, 2]);
      expect.unreachable();
    } catch (e) {
      expect((e as PhasePlanError).hint).toMatch(/easiest to hardest/);
    }
  });
});

describe('phase assignment', () => {
  it('is lower-inclusive with the last phase closed at the top', () => {
    const c = [1.5, 3.5];
    expect([1, 1.49, 1.5, 3.49, 3.5, 5].map((s) => phaseOf(s, c))).toEqual([0, 0, 1, 1, 2, 2]);
    expect(phaseRanges(c)).toEqual([
      [1, 1.5],
      [1.5, 3.5],
      [3.5, 5],
    ]);
  });

  it('splits records by score; exactly 3.5 is phase 3', () => {
    const records = makeRecords(6);
    const plan = planByCutoffs(records, [1, 1.4999, 1.5, 3.4999, 3.5, 5], DEFAULT_CUTOFFS, opts);
    expect(plan.phases.map((p) => p.recordIds)).toEqual([
      ['0', '1'],
      ['2', '3'],
      ['4', '5'],
    ]);
    expect(plan.phases.map((p) => p.index)).toEqual([1, 2, 3]);
    expect(plan.phases[2]!.range).toEqual([3.5, 5]);
    expect(plan.scorerId).toBe('field');
    expect(plan.cutoffs).toEqual([1.5, 3.5]);
  });

  it('puts NaN scores in unscored, never in a phase', () => {
    const plan = planByCutoffs(makeRecords(3), [2, Number.NaN, 4], DEFAULT_CUTOFFS, opts);
    expect(plan.unscored).toEqual(['1']);
    expect(plan.phases.flatMap((p) => p.recordIds).sort()).toEqual(['0', '2']);
    expect(plan.scoredRecords).toBe(2);
    expect(plan.totalRecords).toBe(3);
  });

  it('puts scores below 1 in phase 1 and above 5 in the last, listing them', () => {
    const plan = planByCutoffs(makeRecords(4), [0.5, 2, 7, 5], DEFAULT_CUTOFFS, opts);
    expect(plan.phases[0]!.recordIds).toEqual(['0']);
    expect(plan.phases[2]!.recordIds).toEqual(['2', '3']);
    expect(plan.outOfRange).toEqual([
      { id: '0', score: 0.5, phase: 1 },
      { id: '2', score: 7, phase: 3 },
    ]);
    // kept as they are: the last phase's mean uses 7, not 5 → (7 + 5) / 2
    expect(plan.phases[2]!.stats.meanScore).toBe(6);
  });

  it('keeps empty phases in the plan', () => {
    const plan = planByCutoffs(makeRecords(2), [1, 1.2], [2, 3, 4], opts);
    expect(plan.phases.map((p) => p.stats.count)).toEqual([2, 0, 0, 0]);
    expect(plan.phases[1]!.stats.meanScore).toBeNaN();
  });

  it('refuses mismatched lengths and duplicate ids', () => {
    expect(() => planByCutoffs(makeRecords(2), [1], DEFAULT_CUTOFFS, opts)).toThrow(/2 records but 1 scores/);
    expect(() => planByCutoffs([makeRecord('a'), makeRecord('a')], [1, 2], DEFAULT_CUTOFFS, opts)).toThrow(
      /share the id "a"/,
    );
  });
});

describe('quantileCutoffs', () => {
  it('makes equal phases from distinct scores', () => {
    // 100 scores evenly spread over [1, 5] → 4 phases of 25
    const scores = Array.from({ length: 100 }, (_, i) => 1 + (4 * i) / 99);
    const plan = planByQuantiles(makeRecords(100), scores, 4, opts);
    expect(plan.phases.map((p) => p.stats.count)).toEqual([25, 25, 25, 25]);
  });

  it('puts cut-offs half-way between integer levels', () => {
    const scores = [...Array<number>(10).fill(1), ...Array<number>(10).fill(2), ...Array<number>(10).fill(3)];
    expect(quantileCutoffs(scores, 3)).toEqual([1.5, 2.5]);
    expect(quantileCutoffs([1, 2, 3, 4, 5], 5)).toEqual([1.5, 2.5, 3.5, 4.5]);
  });

  it('never splits a block of equal scores, choosing the side nearer the target', () => {
    // 8 scores, target 4 below the cut: cutting above the six 1s leaves 6 below (|6−4| = 2),
    // cutting above the 2 leaves 7 below (3) → the cut goes between 1 and 2
    expect(quantileCutoffs([1, 1, 1, 1, 1, 1, 2, 3], 2)).toEqual([1.5]);
    // 10 scores: 2,2 | 3×6 | 4,4 with k = 3 → targets 3.33 and 6.67: below-counts are 2 (cut before 3) and 8 (before 4)
    expect(quantileCutoffs([2, 2, 3, 3, 3, 3, 3, 3, 4, 4], 3)).toEqual([2.5, 3.5]);
  });

  it('uses the shortest decimal between neighbouring real-valued scores', () => {
    // sorted: 3.5625, 3.6 → split between them at 3.58
    expect(quantileCutoffs([3.6, 3.5625], 2)).toEqual([3.58]);
  });

  it('ignores NaN and counts out-of-range scores as 1 or 5', () => {
    expect(quantileCutoffs([Number.NaN, 0.2, 1, 9, 5], 2)).toEqual([3]);
  });

  it('refuses when there are fewer distinct scores than phases, or a bad k', () => {
    expect(() => quantileCutoffs([2, 2, 2, 3], 3)).toThrow(/only 2 distinct values.*3 non-empty phases/);
    expect(() => quantileCutoffs([2, 2, 2], 2)).toThrow(PhasePlanError);
    expect(() => quantileCutoffs([1, 2, 3], 1)).toThrow(/Cannot make 1 phases/);
    expect(() => quantileCutoffs([1, 2, 3], 7)).toThrow(/Cannot make 7/);
  });
});
