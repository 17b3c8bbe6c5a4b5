import { describe, expect, it } from 'vitest';
import { assertEqualBudgets, budgetReport, buildArm, shareOfEachPhase, stageOrder, type ArmSpec } from './arms';
import { rec } from '../text/testing/toyData';

// Phase sizes 5 / 3 / 2 like the paper's 30.3K / 14.7K / 6.8K, ids carry their phase.
const phases = [5, 3, 2].map((n, p) =>
  Array.from({ length: n }, (_, i) => rec(`p${p + 1}-${i}`, `q${i}`, `a${i}`, '', p + 1)),
);
const o = { epochsPerPhase: 2, replayFraction: 0, seed: 7 };
const phaseOf = (id: string) => Number(id[1]);
const specs: ArmSpec[] = [
  { kind: 'one-off' },
  { kind: 'easy-to-hard' },
  { kind: 'hard-to-easy' },
  { kind: 'random-stages' },
  { kind: 'custom', order: [2, 1, 3] },
];

describe('buildArm', () => {
  it('orders phases easy→hard, hard→easy and custom, with the right records per stage', () => {
    const e2h = buildArm(phases, { kind: 'easy-to-hard' }, o);
    expect(e2h.stages.map((s) => s.records.length)).toEqual([5, 3, 2]);
    expect(e2h.stages.map((s) => [...new Set(s.records.map((r) => phaseOf(r.id)))])).toEqual([[1], [2], [3]]);
    const h2e = buildArm(phases, { kind: 'hard-to-easy' }, o);
    expect(h2e.stages.map((s) => s.sourcePhases)).toEqual([[3], [2], [1]]);
    expect(h2e.stages.map((s) => s.records.length)).toEqual([2, 3, 5]);
    const c = buildArm(phases, { kind: 'custom', order: [2, 1, 3] }, o);
    expect(c.stages.map((s) => s.records.every((r) => phaseOf(r.id) === s.sourcePhases[0]))).toEqual([
      true,
      true,
      true,
    ]);
    expect(c.stages.map((s) => s.sourcePhases[0])).toEqual([2, 1, 3]);
    expect(c.label).toBe('Custom 2-1-3');
  });

  it('one-off is one shuffled stage of everything; random stages keep the sizes but mix the phases', () => {
    const one = buildArm(phases, { kind: 'one-off' }, o);
    expect(one.stages).toHaveLength(1);
    expect(one.stages[0]!.records.map((r) => r.id).sort()).toEqual(
      phases
        .flat()
        .map((r) => r.id)
        .sort(),
    );
    expect(one.stages[0]!.records.map((r) => r.id)).not.toEqual(phases.flat().map((r) => r.id));
    const rnd = buildArm(phases, { kind: 'random-stages' }, o);
    expect(rnd.stages.map((s) => s.records.length)).toEqual([5, 3, 2]);
    expect(rnd.stages.flatMap((s) => s.records.map((r) => r.id)).sort()).toEqual(
      phases
        .flat()
        .map((r) => r.id)
        .sort(),
    );
    expect(rnd.stages.some((s) => new Set(s.records.map((r) => phaseOf(r.id))).size > 1)).toBe(true);
    // Same seed, same membership; another seed, another.
    expect(buildArm(phases, { kind: 'random-stages' }, o).stages[0]!.records).toEqual(rnd.stages[0]!.records);
    expect(buildArm(phases, { kind: 'random-stages' }, { ...o, seed: 8 }).stages[0]!.records).not.toEqual(
      rnd.stages[0]!.records,
    );
  });

  it('gives every arm the same budget (records × epochs) and says when they differ', () => {
    const arms = specs.map((s) => buildArm(phases, s, o));
    expect(arms.map((a) => a.budget)).toEqual([20, 20, 20, 20, 20]);
    expect(() => assertEqualBudgets(arms)).not.toThrow();
    const alone3 = buildArm(phases, { kind: 'custom', order: [3] }, o);
    expect(alone3.budget).toBe(4);
    expect(alone3.notes.join(' ')).toMatch(/leaves out phase\(s\) 1, 2/);
    expect(() => assertEqualBudgets([...arms, alone3])).toThrow(/Custom 3 4/);
    expect(budgetReport([arms[0]!, alone3]).equal).toBe(false);
  });

  it('replays a fraction of earlier stages by seed, adding to the budget', () => {
    const r = buildArm(phases, { kind: 'easy-to-hard' }, { ...o, replayFraction: 0.5 });
    // Stage 2 gets round(0.5 × 5) = 3 phase-1 records; stage 3 round(0.5 × 8) = 4 from phases 1–2.
    expect(r.stages.map((s) => [s.ownCount, s.replayCount])).toEqual([
      [5, 0],
      [3, 3],
      [2, 4],
    ]);
    expect(r.stages[1]!.records.filter((x) => phaseOf(x.id) === 1)).toHaveLength(3);
    expect(r.stages[2]!.records.filter((x) => phaseOf(x.id) < 3)).toHaveLength(4);
    expect(r.budget).toBe(2 * (5 + 6 + 6));
    expect(() => assertEqualBudgets([buildArm(phases, { kind: 'one-off' }, o), r])).toThrow(/different budgets/);
  });

  it('skips empty phases with a note and rejects bad orders', () => {
    const withEmpty = [phases[0]!, [], phases[2]!];
    const a = buildArm(withEmpty, { kind: 'easy-to-hard' }, o);
    expect(a.stages.map((s) => s.sourcePhases[0])).toEqual([1, 3]);
    expect(a.notes[0]).toMatch(/Phase 2 has no records/);
    expect(() => buildArm(phases, { kind: 'custom', order: [1, 1] }, o)).toThrow(/appears twice/);
    expect(() => buildArm(phases, { kind: 'custom', order: [4] }, o)).toThrow(/numbered 1 to 3/);
    expect(() => buildArm(phases, { kind: 'easy-to-hard' }, { ...o, epochsPerPhase: 0 })).toThrow(/epochsPerPhase/);
  });
});

describe('stageOrder', () => {
  it('visits every record once per epoch, reshuffled each epoch, deterministically', () => {
    const s = buildArm(phases, { kind: 'one-off' }, { ...o, epochsPerPhase: 3 }).stages[0]!;
    const order = stageOrder(s, 7);
    expect(order).toHaveLength(30);
    for (let e = 0; e < 3; e++)
      expect(Array.from(order.slice(e * 10, e * 10 + 10)).sort((a, b) => a - b)).toEqual([
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
      ]);
    expect(Array.from(order.slice(0, 10))).not.toEqual(Array.from(order.slice(10, 20)));
    expect(stageOrder(s, 7)).toEqual(order);
    expect(stageOrder(s, 8)).not.toEqual(order);
  });
});

describe('shareOfEachPhase', () => {
  const phases = [Array.from({ length: 10 }, (_, i) => `a${i}`), ['b0', 'b1', 'b2'], []];

  it('keeps the first share of every phase, at least one record of a phase that has any', () => {
    expect(shareOfEachPhase(phases, 0.2)).toEqual([['a0', 'a1'], ['b0'], []]);
    expect(shareOfEachPhase(phases, 0.01)).toEqual([['a0'], ['b0'], []]);
    expect(shareOfEachPhase(phases, 1)).toEqual(phases);
  });

  it('leaves every arm built from the shortened phases with the same budget', () => {
    const short = shareOfEachPhase(phases, 0.5).map((p, i) =>
      p.map((id) => rec(id, `task of phase ${i + 1}`, 'answer')),
    );
    const arms = (['one-off', 'easy-to-hard', 'hard-to-easy', 'random-stages'] as const).map((kind) =>
      buildArm(short, { kind }, { epochsPerPhase: 2, replayFraction: 0, seed: 3 }),
    );
    expect(() => assertEqualBudgets(arms)).not.toThrow();
    expect(budgetReport(arms).budgets[0]!.budget).toBe((5 + 2) * 2);
  });

  it('refuses a share outside (0, 1]', () => {
    for (const bad of [0, -0.5, 1.5, Number.NaN]) expect(() => shareOfEachPhase(phases, bad)).toThrow(RangeError);
  });
});
