import { describe, expect, it } from 'vitest';
import type { PhasePlan } from '../phases/plan';
import { dataKeyOf, sameData } from './run';
import { trainingInputs } from './trainingInputs';

const record = (id: string) => ({ id, instruction: `do ${id}`, input: '', output: id, meta: {} });
const plan = {
  scorerId: 'field',
  cutoffs: [3],
  phases: [
    { index: 1, range: [1, 3], recordIds: ['a', 'b', 'c', 'd'], heldOutIds: ['x'] },
    { index: 2, range: [3, 5], recordIds: ['e', 'f'], heldOutIds: ['y'] },
  ],
  heldOut: { fraction: 0.2, seed: 7, recordIds: ['x', 'y'] },
} as unknown as PhasePlan;
const records = ['a', 'b', 'c', 'd', 'e', 'f', 'x', 'y'].map(record);

describe('run data', () => {
  it('keys a run by its file, scorer, cut-offs and held-out split', () => {
    const key = dataKeyOf(plan, { fileName: 'd.json', contentHash: 'h1' });
    expect(key).toEqual({
      fileName: 'd.json',
      contentHash: 'h1',
      scorerId: 'field',
      cutoffs: [3],
      heldOutFraction: 0.2,
      heldOutSeed: 7,
      trainRecords: 6,
      heldOutRecords: 2,
    });
    expect(sameData(key, { ...key, trainRecords: 5 })).toBe(true);
    expect(sameData(key, { ...key, contentHash: 'h2' })).toBe(false);
    expect(sameData(key, { ...key, cutoffs: [2.5] })).toBe(false);
    expect(sameData(key, { ...key, heldOutSeed: 8 })).toBe(false);
  });

  it('feeds each phase its records (a share of them) and holds out the same records whatever the share', () => {
    const all = trainingInputs(plan, records);
    expect(all.phases.map((p) => p.map((r) => r.id))).toEqual([
      ['a', 'b', 'c', 'd'],
      ['e', 'f'],
    ]);
    expect(all.heldOut.map((h) => [h.record.id, h.bucket])).toEqual([
      ['x', '1'],
      ['y', '2'],
    ]);
    const half = trainingInputs(plan, records, 0.5);
    expect(half.phases.map((p) => p.map((r) => r.id))).toEqual([['a', 'b'], ['e']]);
    expect(half.heldOut).toEqual(all.heldOut);
  });
});
