import { describe, expect, it } from 'vitest';
import { buildArm } from './arms';
import { PAPER_HYPER } from './hyper';
import type { RunConfig } from './runConfig';
import { planStages, stepRows } from './stagePlan';
import { rec, ToyTokenizer } from '../text/testing/toyData';

const tok = new ToyTokenizer();
const phases = [
  Array.from({ length: 5 }, (_, i) => rec(`a${i}`, `a${i}`, 'x')),
  Array.from({ length: 3 }, (_, i) => rec(`b${i}`, `b${i}`, 'yy')),
];
const config: RunConfig = {
  arm: { kind: 'easy-to-hard' },
  hyper: { ...PAPER_HYPER, batchSize: 2, gradAccumulation: 1, epochsPerPhase: 2, replayFraction: 0.5 },
  seed: 1,
  logEvery: 5,
  evalEvery: 0,
  template: 'paper',
  contextLength: 32,
};

describe('planStages', () => {
  const arm = buildArm(phases, config.arm, { epochsPerPhase: 2, replayFraction: 0.5, seed: 1 });
  const plans = planStages(arm, config, tok);

  it('gives each stage its rows, its order over all epochs and its steps', () => {
    expect(plans).toHaveLength(2);
    plans.forEach((p, s) => {
      expect(p.examples).toHaveLength(arm.stages[s]!.records.length);
      expect(p.order.length).toBe(p.examples.length * 2);
      expect(p.steps).toBe(Math.ceil(p.order.length / 2));
      expect(p.truncation.examples).toBe(p.examples.length);
    });
  });

  it('encodes a record replayed in a later stage once (the same row object)', () => {
    const replayed = arm.stages[1]!.records.filter((r) => arm.stages[0]!.records.includes(r));
    expect(replayed.length).toBeGreaterThan(0);
    for (const r of replayed) {
      const first = plans[0]!.examples[arm.stages[0]!.records.indexOf(r)];
      expect(plans[1]!.examples[arm.stages[1]!.records.indexOf(r)]).toBe(first);
    }
  });

  it('cuts the order into steps of batchSize × gradAccumulation rows, the last one short', () => {
    const p = plans[0]!; // 5 records × 2 epochs = 10 rows
    const c = { ...config, hyper: { ...config.hyper, batchSize: 2, gradAccumulation: 2 } };
    expect(stepRows(p, 0, c)).toEqual([0, 4]);
    expect(stepRows(p, 2, c)).toEqual([8, 10]);
  });
});
