import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../train/events';
import { recordTiming, runProgress, startTiming, type RunTiming, type TimedMessage } from './runTiming';

type EventOf<T extends RunEvent['type']> = Extract<RunEvent, { type: T }>;
const ev = (event: Partial<RunEvent> & { type: RunEvent['type'] }): TimedMessage => ({
  type: 'event',
  event: event as RunEvent,
});
const phaseStart = (phase: number): TimedMessage =>
  ev({ type: 'phaseStart', phase, stageSteps: [10, 10] } as Partial<EventOf<'phaseStart'>> & { type: 'phaseStart' });
const step = (n: number, windowMs: number): TimedMessage =>
  ev({ type: 'step', losses: Array.from({ length: n }, () => 1), windowMs } as Partial<EventOf<'step'>> & {
    type: 'step';
  });
const phaseEnd = (phase: number): TimedMessage => ev({ type: 'phaseEnd', phase });
const heldOut: TimedMessage = ev({ type: 'eval', atPhaseEnd: true, ms: 100 } as Partial<EventOf<'eval'>> & {
  type: 'eval';
});
const checkpoint: TimedMessage = ev({ type: 'checkpoint', reason: 'phase-end' } as Partial<EventOf<'checkpoint'>> & {
  type: 'checkpoint';
});

/** Messages at their arrival times (ms after launch at 1000). */
function replay(messages: [number, TimedMessage][], from: RunTiming = startTiming(undefined, 1000)): RunTiming {
  return messages.reduce((t, [at, m]) => recordTiming(t, m, 1000 + at), from);
}

const started: [number, TimedMessage][] = [
  [2_000, { type: 'backend' }],
  [5_000, { type: 'model' }],
  [65_000, phaseStart(0)],
];

describe('runProgress', () => {
  it('says what starting is doing and, once training, what each part of it took', () => {
    const launched = startTiming(undefined, 1000);
    expect(
      runProgress({ status: 'starting', stepsDone: 0, totalSteps: 0, evalEvery: 0, timing: launched }, 1500).stage,
    ).toEqual({ kind: 'starting', part: 'backend', sinceMs: 500 });
    const loading = replay(started.slice(0, 2));
    expect(
      runProgress({ status: 'starting', stepsDone: 0, totalSteps: 0, evalEvery: 0, timing: loading }, 1000 + 20_000),
    ).toMatchObject({
      stage: { kind: 'starting', part: 'compile', sinceMs: 15_000 },
      etaPartial: true,
      elapsedMs: 20_000,
    });
    const training = replay(started);
    const p = runProgress(
      { status: 'running', stepsDone: 0, totalSteps: 20, evalEvery: 0, timing: training },
      1000 + 66_000,
    );
    expect(p).toMatchObject({
      stage: { kind: 'training' },
      startup: { backendMs: 2_000, weightsMs: 3_000, compileMs: 60_000 },
    });
    // No step measured yet: no time left to show ("…").
    expect(p.etaMs).toBeUndefined();
  });

  it('counts elapsed time on the wall clock, not as the sum of step times', () => {
    // Two windows of 5 steps took 1 s of training each, but 70 s of wall time have passed (start-up, evaluation).
    const t = replay([...started, [66_000, step(5, 1000)], [67_000, step(5, 1000)]]);
    const p = runProgress({ status: 'running', stepsDone: 10, totalSteps: 20, evalEvery: 0, timing: t }, 1000 + 70_000);
    expect(p.elapsedMs).toBe(70_000);
  });

  it('estimates the time left from the measured step time, and marks unmeasured phase-end evaluations', () => {
    const t = replay([...started, [66_000, step(5, 1000)]]);
    // 15 steps left at 200 ms; two phase ends ahead, neither measured yet.
    expect(
      runProgress({ status: 'running', stepsDone: 5, totalSteps: 20, evalEvery: 0, timing: t }, 1000 + 66_500),
    ).toMatchObject({ etaMs: 3000, etaPartial: true });
  });

  it('shows a phase-end evaluation as its own stage, and times the next one by the one measured', () => {
    let t = replay([...started, [66_000, step(10, 2000)], [66_000, phaseEnd(0)], [76_000, heldOut]]);
    let p = runProgress({ status: 'running', stepsDone: 10, totalSteps: 20, evalEvery: 0, timing: t }, 1000 + 80_000);
    expect(p.stage).toEqual({
      kind: 'evaluating',
      phase: 0,
      done: ['heldOut'],
      sinceMs: 14_000,
      expectedMs: undefined,
    });
    t = replay(
      [
        [80_000, { type: 'samples' }],
        [86_000, checkpoint],
        [86_000, phaseStart(1)],
        [87_000, step(5, 1000)],
      ],
      t,
    );
    p = runProgress({ status: 'running', stepsDone: 15, totalSteps: 20, evalEvery: 0, timing: t }, 1000 + 87_000);
    // Step time 3000 ms / 15 steps = 200 ms; 5 steps left (1 s) and one phase-end evaluation like the first (20 s).
    expect(p).toMatchObject({ stage: { kind: 'training' }, etaMs: 21_000, etaPartial: false });
    // During the second evaluation the time left shrinks with it, and is unknown once it runs longer than the first.
    t = replay(
      [
        [90_000, step(5, 1000)],
        [90_000, phaseEnd(1)],
      ],
      t,
    );
    expect(
      runProgress({ status: 'running', stepsDone: 20, totalSteps: 20, evalEvery: 0, timing: t }, 1000 + 95_000),
    ).toMatchObject({ etaMs: 15_000, etaPartial: false });
    expect(
      runProgress({ status: 'running', stepsDone: 20, totalSteps: 20, evalEvery: 0, timing: t }, 1000 + 120_000),
    ).toMatchObject({ etaMs: 0, etaPartial: true });
  });

  it('adds evaluations during phases at their measured time', () => {
    const t = replay([
      ...started,
      [66_000, step(4, 400)],
      [66_100, ev({ type: 'eval', atPhaseEnd: false, ms: 300 } as Partial<EventOf<'eval'>> & { type: 'eval' })],
    ]);
    // evalEvery 4: steps 8, 12 and 16 are ahead (20 and 10 are stage ends, evaluated there instead).
    const p = runProgress({ status: 'running', stepsDone: 4, totalSteps: 20, evalEvery: 4, timing: t }, 1000 + 66_200);
    expect(p).toMatchObject({ etaMs: 16 * 100 + 3 * 300, etaPartial: true });
  });

  it('ends the clock when the run finishes, and a resumed run counts its earlier sessions', () => {
    const t = replay([...started, [70_000, { type: 'finished' }]]);
    expect(
      runProgress({ status: 'done', stepsDone: 20, totalSteps: 20, evalEvery: 0, timing: t }, 1000 + 500_000),
    ).toMatchObject({ elapsedMs: 70_000, stage: { kind: 'over' } });
    const resumed = startTiming(t, 900_000);
    expect(
      runProgress({ status: 'starting', stepsDone: 20, totalSteps: 20, evalEvery: 0, timing: resumed }, 905_000)
        .elapsedMs,
    ).toBe(75_000);
    // A run interrupted by a reload stops at its last message.
    const cut = replay([...started, [66_000, step(5, 1000)]]);
    expect(
      runProgress({ status: 'interrupted', stepsDone: 5, totalSteps: 20, evalEvery: 0, timing: cut }, 5_000_000)
        .elapsedMs,
    ).toBe(66_000);
  });

  it('shows the exact-match evaluation after training as a stage of unknown length', () => {
    const t = replay([
      ...started,
      [66_000, step(10, 1000)],
      [67_000, ev({ type: 'done', stopped: false } as Partial<EventOf<'done'>> & { type: 'done' })],
    ]);
    expect(
      runProgress(
        { status: 'evaluating', stepsDone: 20, totalSteps: 20, evalEvery: 0, timing: { ...t, stageSteps: [10, 10] } },
        1000 + 70_000,
      ),
    ).toMatchObject({
      stage: { kind: 'exactMatch', sinceMs: 3000 },
      etaPartial: true,
    });
  });
});
