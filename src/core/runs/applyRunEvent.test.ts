import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../train/events';
import { applyRunEvent, savesAtOnce } from './applyRunEvent';
import type { Run } from './run';
import { DEFAULT_TRAIN_SETTINGS } from './settings';

type EventOf<T extends RunEvent['type']> = Extract<RunEvent, { type: T }>;

const dataKey = {
  fileName: 'd.json',
  scorerId: 'field',
  cutoffs: [2, 3.5],
  heldOutFraction: 0.1,
  heldOutSeed: 1,
  trainRecords: 9,
  heldOutRecords: 1,
};
const newRun = (patch: Partial<Run> = {}): Run => ({
  id: 'run-1',
  label: 'easy → hard',
  settings: DEFAULT_TRAIN_SETTINGS,
  dataKey,
  status: 'starting',
  startedAt: 0,
  points: [],
  evals: [],
  phases: [],
  totalSteps: 0,
  ...patch,
});

const phaseStart = (phase: number, steps: number, tokensSeen = 0, stageSteps = [4, 6]): EventOf<'phaseStart'> => ({
  type: 'phaseStart',
  phase,
  label: `phase ${phase + 1}`,
  sourcePhases: [phase + 1],
  records: 10,
  replayed: 0,
  epochs: 2,
  steps,
  stageSteps,
  globalStep: 0,
  tokensSeen,
  truncation: {
    examples: 0,
    truncated: 0,
    promptTruncated: 0,
    responseTruncated: 0,
  } as unknown as EventOf<'phaseStart'>['truncation'],
  resumed: false,
});

const step = (at: number, losses: number[], tokensSeen: number): EventOf<'step'> => ({
  type: 'step',
  phase: 0,
  step: at,
  stepInPhase: at,
  loss: losses.reduce((a, b) => a + b, 0) / losses.length,
  losses,
  lr: 1e-3,
  lrs: losses.map(() => 1e-3),
  gradNorm: 1,
  tokensSeen,
  tokensPerSec: 500,
  elapsedMs: 2000,
  windowMs: 1000,
});

describe('applyRunEvent', () => {
  it('phaseStart: adds the stage, takes the total from every stage’s steps and marks a starting run as running', () => {
    expect(applyRunEvent(newRun(), phaseStart(0, 4)).totalSteps).toBe(10);
    const run = applyRunEvent(applyRunEvent(newRun(), phaseStart(0, 4)), phaseStart(1, 6, 120));
    expect(run.status).toBe('running');
    expect(run.phases).toEqual([
      { phase: 0, label: 'phase 1', sourcePhases: [1], startTokens: 0, steps: 4 },
      { phase: 1, label: 'phase 2', sourcePhases: [2], startTokens: 120, steps: 6 },
    ]);
    expect(run.totalSteps).toBe(10);
  });

  it('phaseStart of a resumed stage replaces it instead of adding it twice, and leaves a paused run paused', () => {
    const before = applyRunEvent(applyRunEvent(newRun(), phaseStart(0, 4)), phaseStart(1, 6, 120));
    const resumed = applyRunEvent({ ...before, status: 'paused' }, phaseStart(1, 5, 130, [4, 5]));
    expect(resumed.phases.map((p) => [p.phase, p.steps, p.startTokens])).toEqual([
      [0, 4, 0],
      [1, 5, 130],
    ]);
    expect(resumed.totalSteps).toBe(9);
    expect(resumed.status).toBe('paused');
  });

  it('step: one point per loss of the window, tokens spread evenly from the last point to the window end', () => {
    const first = applyRunEvent(newRun(), step(2, [3, 2.5], 100));
    expect(first.points).toEqual([
      { step: 1, tokens: 50, loss: 3, lr: 1e-3, phase: 0, trainMs: 500 },
      { step: 2, tokens: 100, loss: 2.5, lr: 1e-3, phase: 0, trainMs: 1000 },
    ]);
    expect(first).toMatchObject({ status: 'running', tokensPerSec: 500, elapsedMs: 2000 });
    const next = applyRunEvent(first, step(5, [2, 1.9, 1.8], 160));
    expect(next.points.slice(2).map((p) => [p.step, p.tokens])).toEqual([
      [3, 120],
      [4, 140],
      [5, 160],
    ]);
    // Training time goes on from the last point, spread over the window's steps.
    expect(next.points.slice(2).map((p) => Math.round(p.trainMs!))).toEqual([1333, 1667, 2000]);
  });

  it('step: every point keeps the LR its own step trained with', () => {
    const run = applyRunEvent(newRun(), {
      ...step(4, [3, 2.8, 2.6, 2.4], 100),
      lr: 1e-4,
      lrs: [1e-3, 7e-4, 3e-4, 1e-4],
    });
    expect(run.points.map((p) => p.lr)).toEqual([1e-3, 7e-4, 3e-4, 1e-4]);
  });

  it('eval: appends the held-out losses', () => {
    const buckets = [{ bucket: '1', loss: 1.5, tokens: 10 }] as unknown as EventOf<'eval'>['buckets'];
    const run = applyRunEvent(newRun(), {
      type: 'eval',
      phase: 0,
      step: 4,
      tokensSeen: 200,
      atPhaseEnd: true,
      heldOutLoss: 1.7,
      buckets,
      ms: 3,
    });
    expect(run.evals).toEqual([{ step: 4, tokens: 200, phase: 0, atPhaseEnd: true, heldOutLoss: 1.7, buckets }]);
  });

  it('phaseEnd: closes that stage at the tokens seen', () => {
    const started = applyRunEvent(applyRunEvent(newRun(), phaseStart(0, 4)), phaseStart(1, 6, 120));
    const run = applyRunEvent(started, { type: 'phaseEnd', phase: 0, step: 4, tokensSeen: 118, elapsedMs: 10 });
    expect(run.phases.map((p) => p.endTokens)).toEqual([118, undefined]);
  });

  it('checkpoint: keeps the newest bytes with their step and reason', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const cursor = { stage: 1, stepInStage: 0, position: 0, globalStep: 4 } as EventOf<'checkpoint'>['cursor'];
    const run = applyRunEvent(newRun(), { type: 'checkpoint', reason: 'phase-end', phase: 0, step: 4, cursor, bytes });
    expect(run.lastCheckpoint).toEqual({ bytes, step: 4, reason: 'phase-end' });
  });

  it('error: the run fails with the message', () => {
    const run = applyRunEvent(newRun({ status: 'running' }), {
      type: 'error',
      message: 'NaN loss',
      phase: 0,
      step: 3,
      stepInPhase: 3,
      lastGoodCheckpoint: null,
    });
    expect(run).toMatchObject({ status: 'error', error: 'NaN loss' });
  });

  it('done: evaluating after a full run, stopped after a stop, and an error stays an error', () => {
    const done = (stopped: boolean): EventOf<'done'> => ({
      type: 'done',
      stopped,
      step: 9,
      tokensSeen: 300,
      elapsedMs: 4321,
      warmupMs: 5,
      readbacks: 2,
    });
    expect(applyRunEvent(newRun({ status: 'running' }), done(false))).toMatchObject({
      status: 'evaluating',
      elapsedMs: 4321,
    });
    expect(applyRunEvent(newRun({ status: 'running' }), done(true)).status).toBe('stopped');
    expect(applyRunEvent(newRun({ status: 'error' }), done(false)).status).toBe('error');
  });

  it('never changes the run it is given', () => {
    const run = newRun();
    const frozen = JSON.stringify(run);
    applyRunEvent(run, phaseStart(0, 4));
    applyRunEvent(run, step(1, [2], 10));
    expect(JSON.stringify(run)).toBe(frozen);
  });

  it('says which events are saved at once', () => {
    expect(savesAtOnce(phaseStart(0, 1))).toBe(true);
    expect(savesAtOnce(step(1, [2], 10))).toBe(false);
    expect(savesAtOnce({ type: 'phaseEnd', phase: 0, step: 4, tokensSeen: 118, elapsedMs: 10 })).toBe(true);
  });
});
