import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EVAL_SUBSET_MIN_PER_BUCKET, evaluationCost, evaluationSubset } from './evalSubset';

const heldOut = (perBucket: Record<string, number>) =>
  Object.entries(perBucket).flatMap(([bucket, n]) =>
    Array.from({ length: n }, (_, i) => ({ record: { id: `${bucket}-${i}` }, bucket })),
  );

describe('evaluationSubset', () => {
  const all = heldOut({ '1': 60, '2': 120, '3': 120 });

  it('keeps the share of each bucket, at least the minimum, all at share 1', () => {
    const count = (xs: { bucket: string }[], b: string) => xs.filter((x) => x.bucket === b).length;
    const half = evaluationSubset(all, 0.5);
    expect([count(half, '1'), count(half, '2'), count(half, '3')]).toEqual([30, 60, 60]);
    // 2 % of 60 is 1.2: the minimum per bucket keeps the estimate worth reading.
    const few = evaluationSubset(all, 0.02);
    expect([count(few, '1'), count(few, '2'), count(few, '3')]).toEqual([
      EVAL_SUBSET_MIN_PER_BUCKET,
      EVAL_SUBSET_MIN_PER_BUCKET,
      EVAL_SUBSET_MIN_PER_BUCKET,
    ]);
    expect(evaluationSubset(all, 1)).toEqual(all);
    // A bucket smaller than the minimum is kept whole.
    expect(evaluationSubset(heldOut({ a: 5, b: 100 }), 0.1, 20).filter((x) => x.bucket === 'a')).toHaveLength(5);
  });

  it('is a subset in the split’s own order', () => {
    const sub = evaluationSubset(all, 0.3);
    const positions = sub.map((x) => all.indexOf(x));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('depends on the ids alone: the same records whatever order the split arrives in (every arm, every seed)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 1, noNaN: true }), fc.integer(), (share, seed) => {
        const shuffled = [...all].sort(
          (a, b) =>
            ((a.record.id.length * 31 + seed) % 7) - ((b.record.id.length * 31 + seed) % 7) ||
            (a.record.id < b.record.id ? 1 : -1),
        );
        const ids = (xs: { record: { id: string } }[]) => xs.map((x) => x.record.id).sort();
        expect(ids(evaluationSubset(shuffled, share))).toEqual(ids(evaluationSubset(all, share)));
      }),
      { numRuns: 50 },
    );
  });

  it('nests: a smaller share evaluates on part of what a larger one does', () => {
    const small = new Set(evaluationSubset(all, 0.25).map((x) => x.record.id));
    const large = new Set(evaluationSubset(all, 0.6).map((x) => x.record.id));
    for (const id of small) expect(large.has(id)).toBe(true);
  });

  it('spreads over the bucket rather than taking its first records', () => {
    // ids 0–59 in bucket 1: a hash choice of 30 is not the first 30 (nor the last).
    const chosen = evaluationSubset(all, 0.5)
      .filter((x) => x.bucket === '1')
      .map((x) => Number(x.record.id.split('-')[1]));
    expect(chosen.some((i) => i >= 30)).toBe(true);
    expect(chosen.some((i) => i < 30)).toBe(true);
  });

  it('refuses a share outside (0, 1]', () => {
    expect(() => evaluationSubset(all, 0)).toThrow(RangeError);
    expect(() => evaluationSubset(all, 1.5)).toThrow(RangeError);
  });
});

describe('evaluationCost', () => {
  it('counts held-out batches per bucket, the fixed prompts (4 per bucket) and the exact-match records (at most 300)', () => {
    const cost = evaluationCost(heldOut({ '1': 60, '2': 120, '3': 120 }), 16);
    // 60 / 16 → 4 batches, 120 / 16 → 8 each.
    expect(cost).toEqual({
      lossRecords: 300,
      lossBatches: 20,
      samplePrompts: 12,
      sampleTokens: 48,
      exactMatchRecords: 300,
    });
    expect(evaluationCost(heldOut({ '1': 2, '2': 30 }), 8)).toEqual({
      lossRecords: 32,
      lossBatches: 5,
      samplePrompts: 6,
      sampleTokens: 48,
      exactMatchRecords: 32,
    });
    expect(evaluationCost(heldOut({ '1': 400 }), 32).exactMatchRecords).toBe(300);
  });
});
