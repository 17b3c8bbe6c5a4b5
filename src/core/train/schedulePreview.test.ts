import { describe, expect, it } from 'vitest';
import { rec } from '../text/testing/toyData';
import { PAPER_HYPER } from './hyper';
import { buildSchedule } from './schedule';
import { previewSchedule } from './schedulePreview';

const phase = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i) => rec(`${tag}${i}`, `q ${i}`, `a ${i}`, ''));
const phases = [phase(2, 'e'), phase(40, 'm'), phase(9, 'h')];
const hyper = { ...PAPER_HYPER, batchSize: 2, gradAccumulation: 1, epochsPerPhase: 1, lr: 1e-3, warmupRatio: 0.1 };

describe('previewSchedule', () => {
  it("gives each phase's steps and learning rates as the schedule has them, a short phase starting at its peak", () => {
    const p = previewSchedule(phases, { kind: 'easy-to-hard' }, hyper, 1);
    expect(p.map((s) => [s.label, s.records, s.steps, s.warmupSteps])).toEqual([
      ['Phase 1', 2, 1, 0],
      ['Phase 2', 40, 20, 2],
      ['Phase 3', 9, 5, 0],
    ]);
    const lrs = buildSchedule([1, 20, 5], {
      peakLr: 1e-3,
      minLrRatio: hyper.minLrRatio,
      warmupRatio: 0.1,
      restartPerPhase: true,
    });
    expect(p.map((s) => [s.firstLr, s.lastLr])).toEqual(lrs.map((l) => [l[0], l[l.length - 1]]));
    expect(p[0]!.firstLr).toBe(1e-3);
    expect(p[1]!.firstLr).toBe(0); // the Trainer's warm-up: 2 steps, the first at LR 0
    expect(p[1]!.peakLr).toBe(1e-3);
  });

  it('one schedule over the arm: the warm-up is in the first stage only; one-off is one stage', () => {
    const span = previewSchedule(phases, { kind: 'easy-to-hard' }, { ...hyper, restartSchedulePerPhase: false }, 1);
    // 26 steps × 0.1 → ceil(2.6) = 3 warm-up steps, but phase 1 has one
    expect(span.map((s) => s.warmupSteps)).toEqual([1, 0, 0]);
    expect(span[0]!.firstLr).toBe(0);
    expect(span[2]!.lastLr).toBeLessThan(span[1]!.firstLr);
    const oneOff = previewSchedule(phases, { kind: 'one-off' }, { ...hyper, gradAccumulation: 2 }, 1);
    expect(oneOff.map((s) => [s.label, s.records, s.steps])).toEqual([['All phases', 51, 13]]);
  });
});
