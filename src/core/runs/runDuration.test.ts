import { describe, expect, it } from 'vitest';
import { planByCutoffs } from '../phases/plan';
import { makeRecord } from '../phases/testing/records';
import { estimateRuns, shareForBudget, type MeasuredSpeed, type RunShape } from './runDuration';

// 1 500 records, 500 per phase, a tenth held out (50 per bucket: more than the evaluation subset's floor of 20)
const records = Array.from({ length: 1500 }, (_, i) => makeRecord(`r${i}`, `task ${i}`, '', `answer ${i}`));
const scores = records.map((_, i) => [1, 2.5, 4.25][i % 3]!);
const plan = planByCutoffs(records, scores, [1.5, 3.5], { scorerId: 'field', heldOut: { fraction: 0.1 } });
const speed: MeasuredSpeed = { stepMs: 100, forwardMs: 30, tokenMs: 5, warmupMs: 2000 };
const shape: RunShape = {
  plan,
  records,
  stagesPerRun: [1, 3],
  epochsPerPhase: 2,
  batchSize: 8,
  gradAccumulation: 1,
  evalEvery: 0,
  answerTokens: 10,
};

describe('the time of a set of runs, from measured timings', () => {
  it('adds training micro-batches, phase-end evaluations and exact match as the runner does them', () => {
    const train = plan.phases.map((p) => p.recordIds.length);
    const heldOut = plan.phases.map((p) => p.heldOutIds.length);
    const micro = train.reduce((n, t) => n + Math.ceil((t * 2) / 8), 0);
    const trainMs = micro * 100 + 2000;
    // phase end: held-out loss in batches of 8 per bucket, then 4 prompts per bucket answered (one batch), ≤ 18 tokens
    const lossMs = heldOut.reduce((n, h) => n + Math.ceil(h / 8), 0) * 30;
    const samplesMs = 30 + 18 * 5;
    const heldOutTotal = heldOut.reduce((a, b) => a + b, 0);
    const exactMs = Math.ceil(heldOutTotal / 32) * (30 + 12 * 5);
    const e = estimateRuns(shape, speed, 1);
    expect(e.runs[0]!.totalMs).toBeCloseTo(trainMs + lossMs + samplesMs + exactMs, 9);
    expect(e.runs[1]!.totalMs).toBeCloseTo(trainMs + 3 * (lossMs + samplesMs) + exactMs, 9);
    expect(e.totalMs).toBeCloseTo(e.runs[0]!.totalMs + e.runs[1]!.totalMs, 9);
    expect(e.phaseEndMs).toBeCloseTo(lossMs + samplesMs, 9);
    expect(e.exactMatchMs).toBeCloseTo(exactMs, 9);
    expect(e.runs[0]!.steps).toBe(Math.ceil((train.reduce((a, b) => a + b, 0) * 2) / 8));
  });

  it('counts the evaluations during a stage, every evalEvery optimizer steps, and accumulation', () => {
    const every = estimateRuns({ ...shape, evalEvery: 10 }, speed, 1);
    const none = estimateRuns(shape, speed, 1);
    expect(every.runs[0]!.evalMs).toBeGreaterThan(none.runs[0]!.evalMs);
    const accumulated = estimateRuns({ ...shape, gradAccumulation: 4 }, speed, 1);
    expect(accumulated.runs[0]!.steps).toBe(Math.ceil(none.runs[0]!.steps / 4));
    expect(accumulated.runs[0]!.trainMs).toBe(none.runs[0]!.trainMs);
  });

  it('grows with the share, and the evaluation shrinks with it', () => {
    const shares = [0.01, 0.05, 0.2, 0.5, 1];
    const totals = shares.map((s) => estimateRuns(shape, speed, s).totalMs);
    for (let i = 1; i < totals.length; i++) expect(totals[i]!).toBeGreaterThan(totals[i - 1]!);
    expect(estimateRuns(shape, speed, 0.05).runs[0]!.evalMs).toBeLessThan(
      estimateRuns(shape, speed, 1).runs[0]!.evalMs,
    );
  });

  it('picks the largest share, to a tenth of a percent, whose estimate fits the budget', () => {
    const full = estimateRuns(shape, speed, 1).totalMs;
    expect(shareForBudget(shape, speed, full + 1)).toMatchObject({ share: 1, fits: true });
    const budget = full / 3;
    const picked = shareForBudget(shape, speed, budget);
    expect(picked.fits).toBe(true);
    expect(picked.totalMs).toBeLessThanOrEqual(budget);
    expect(estimateRuns(shape, speed, picked.share + 0.001).totalMs).toBeGreaterThan(budget);
    expect(picked.share).toBeGreaterThan(0.1);
    expect(picked.share).toBeLessThan(0.5);
  });

  it('says when even the smallest share does not fit', () => {
    const slow = { ...speed, warmupMs: 60_000 };
    expect(shareForBudget(shape, slow, 10_000)).toMatchObject({ share: 0.001, fits: false });
  });
});
