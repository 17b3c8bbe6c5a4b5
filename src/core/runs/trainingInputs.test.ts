import { describe, expect, it } from 'vitest';
import type { PhasePlan } from '../phases/plan';
import { EVAL_SUBSET_MIN_PER_BUCKET } from '../eval/evalSubset';
import { trainingInputs } from './trainingInputs';

const record = (id: string) => ({ id, instruction: `do ${id}`, input: '', output: id, meta: {} });
const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
// The demo's shape: 60 / 120 / 120 held out per phase.
const plan = {
  scorerId: 'field',
  cutoffs: [1.5, 3.5],
  phases: [
    { index: 1, range: [1, 1.5], recordIds: ids('t1-', 540), heldOutIds: ids('h1-', 60) },
    { index: 2, range: [1.5, 3.5], recordIds: ids('t2-', 1080), heldOutIds: ids('h2-', 120) },
    { index: 3, range: [3.5, 5], recordIds: ids('t3-', 1080), heldOutIds: ids('h3-', 120) },
  ],
  heldOut: { fraction: 0.1, seed: 0, recordIds: [...ids('h1-', 60), ...ids('h2-', 120), ...ids('h3-', 120)] },
} as unknown as PhasePlan;
const records = plan.phases.flatMap((p) => [...p.recordIds, ...p.heldOutIds]).map(record);
const perBucket = (inputs: ReturnType<typeof trainingInputs>) =>
  ['1', '2', '3'].map((b) => inputs.heldOut.filter((h) => h.bucket === b).length);

describe('trainingInputs: the evaluation shrinks with the share', () => {
  it('evaluates on the whole held-out split at share 1, on the share s of each bucket (at least the minimum) below', () => {
    expect(perBucket(trainingInputs(plan, records, 1))).toEqual([60, 120, 120]);
    expect(perBucket(trainingInputs(plan, records, 0.5))).toEqual([30, 60, 60]);
    const m = EVAL_SUBSET_MIN_PER_BUCKET;
    expect(perBucket(trainingInputs(plan, records, 0.02))).toEqual([m, m, m]);
    // Every record evaluated is a held-out record of its own phase, never a training one.
    const held = new Map(plan.phases.flatMap((p) => p.heldOutIds.map((id) => [id, String(p.index)] as const)));
    for (const h of trainingInputs(plan, records, 0.3).heldOut) expect(held.get(h.record.id)).toBe(h.bucket);
  });

  it('the same subset for every run at a share: it depends on neither the arm nor the order records are stored in', () => {
    const a = trainingInputs(plan, records, 0.1).heldOut.map((h) => h.record.id);
    const b = trainingInputs(plan, [...records].reverse(), 0.1).heldOut.map((h) => h.record.id);
    expect(b).toEqual(a);
    // Not simply the first records of each phase's split.
    expect(a).not.toEqual([...ids('h1-', 20), ...ids('h2-', 20), ...ids('h3-', 20)]);
  });
});
