import { describe, expect, it } from 'vitest';
import { hashUnit } from '../util/hash';
import { DEFAULT_HELD_OUT, heldOutQuota, pickHeldOut, resolveHeldOutOptions } from './heldOut';
import { planByCutoffs } from './plan';
import { makeRecords } from './testing/records';

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `r${i}`);

describe('heldOutQuota', () => {
  it('takes 5% by default, at least 1 from a phase of 2+, never all, capped at 500', () => {
    const o = DEFAULT_HELD_OUT;
    expect(heldOutQuota(100, o)).toBe(5);
    expect(heldOutQuota(30, o)).toBe(2); // 1.5 rounds to 2
    expect(heldOutQuota(2, o)).toBe(1);
    expect(heldOutQuota(1, o)).toBe(0);
    expect(heldOutQuota(0, o)).toBe(0);
    expect(heldOutQuota(20_000, o)).toBe(500);
    expect(heldOutQuota(2, { ...o, fraction: 0.5 })).toBe(1);
    expect(heldOutQuota(100, { ...o, fraction: 0 })).toBe(0);
  });

  it('validates its options', () => {
    expect(() => resolveHeldOutOptions({ fraction: 0.6 })).toThrow(/between 0 and 0.5/);
    expect(() => resolveHeldOutOptions({ seed: 1.5 })).toThrow(/integer/);
    expect(() => resolveHeldOutOptions({ maxPerPhase: -1 })).toThrow(/non-negative/);
    expect(resolveHeldOutOptions({ seed: 3 })).toEqual({ fraction: 0.05, seed: 3, maxPerPhase: 500 });
  });
});

describe('pickHeldOut', () => {
  it('holds out the ids with the smallest seeded hash, whatever their order', () => {
    const all = ids(200);
    const picked = pickHeldOut(all, DEFAULT_HELD_OUT);
    const expected = [...all].sort((a, b) => hashUnit(a, 0) - hashUnit(b, 0)).slice(0, 10);
    expect(picked).toEqual(expected);
    expect(pickHeldOut([...all].reverse(), DEFAULT_HELD_OUT)).toEqual(expected);
  });

  it('is deterministic by seed and differs between seeds', () => {
    const all = ids(1000);
    const a = pickHeldOut(all, { ...DEFAULT_HELD_OUT, seed: 1 });
    expect(pickHeldOut(all, { ...DEFAULT_HELD_OUT, seed: 1 })).toEqual(a);
    const b = pickHeldOut(all, { ...DEFAULT_HELD_OUT, seed: 2 });
    expect(b).toHaveLength(50);
    expect(b.filter((id) => a.includes(id)).length).toBeLessThan(15);
  });

  it('always equals a full sort by hash (including when the first threshold guess holds too few)', () => {
    for (let n = 1; n <= 60; n++) {
      for (let seed = 0; seed < 20; seed++) {
        const all = ids(n);
        const o = { fraction: 0.2, seed, maxPerPhase: 500 };
        const expected = [...all].sort((a, b) => hashUnit(a, seed) - hashUnit(b, seed)).slice(0, heldOutQuota(n, o));
        expect(pickHeldOut(all, o)).toEqual(expected);
      }
    }
  });
});

describe('held-out split in a plan', () => {
  const records = makeRecords(2000);
  // scores spread evenly 1 … 5
  const scores = records.map((_, i) => 1 + (4 * i) / 1999);

  it('draws from every phase, disjoint from training, covering each phase exactly', () => {
    const plan = planByCutoffs(records, scores, [1.5, 3.5], { scorerId: 'field' });
    for (const ph of plan.phases) {
      const n = ph.stats.count;
      expect(ph.heldOutIds).toHaveLength(Math.round(0.05 * n));
      expect(ph.heldOutIds.filter((id) => ph.recordIds.includes(id))).toEqual([]);
      expect(ph.heldOutIds.length + ph.recordIds.length).toBe(n);
      expect(ph.stats.heldOutCount).toBe(ph.heldOutIds.length);
      expect(ph.stats.trainCount).toBe(ph.recordIds.length);
    }
    expect(plan.heldOut.recordIds).toEqual(plan.phases.flatMap((p) => p.heldOutIds));
    expect(plan.heldOut).toMatchObject({ fraction: 0.05, seed: 0, maxPerPhase: 500 });
  });

  it('stays put when a cut-off moves: untouched phases keep the same held-out records', () => {
    const before = planByCutoffs(records, scores, [1.5, 3.5], { scorerId: 'field' });
    const after = planByCutoffs(records, scores, [1.5, 3.0], { scorerId: 'field' });
    expect(after.phases[0]!.heldOutIds).toEqual(before.phases[0]!.heldOutIds);
    const a = new Set(before.heldOut.recordIds);
    const b = new Set(after.heldOut.recordIds);
    const common = [...a].filter((id) => b.has(id)).length;
    // a positional split would share about 5% of its records; the hash split keeps most of them
    expect(common / Math.max(a.size, b.size)).toBeGreaterThan(0.8);
  });

  it('moves with the seed', () => {
    const a = planByCutoffs(records, scores, [1.5, 3.5], { scorerId: 'field', heldOut: { seed: 1 } });
    const b = planByCutoffs(records, scores, [1.5, 3.5], { scorerId: 'field', heldOut: { seed: 2 } });
    expect(a.heldOut.recordIds).not.toEqual(b.heldOut.recordIds);
    expect(a.heldOut.seed).toBe(1);
  });
});
