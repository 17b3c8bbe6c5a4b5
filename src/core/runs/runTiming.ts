/**
 * Wall-clock timing of a run, as the page saw its worker's messages arrive: what starting cost (backend, weights,
 * kernel compilation), what a training step and each evaluation cost, and so the time elapsed and the time left.
 * Pure: the caller passes the arrival time, so the same messages always give the same progress.
 */
import type { RunEvent } from '../train/events';

/** The parts of a phase-end evaluation, in the order the worker does them. */
export const PHASE_END_PARTS = ['heldOut', 'samples', 'checkpoint'] as const;
export type PhaseEndPart = (typeof PHASE_END_PARTS)[number];

export interface RunTiming {
  /** When this session of the run was launched (ms since the epoch). */
  launchedAt: number;
  /** Wall time of the run's earlier sessions (before a resume). */
  earlierMs: number;
  /** Arrivals of the backend choice, the loaded model and the first phase start (the warm-up is over then). */
  backendAt?: number;
  modelAt?: number;
  trainingAt?: number;
  lastAt: number;
  /** Optimizer steps of every stage (from the first phase start). */
  stageSteps?: number[];
  /** Training time and optimizer steps measured in this session's log windows. */
  trainMs: number;
  trainSteps: number;
  /** Wall time of each finished phase-end evaluation (phase end → its checkpoint). */
  phaseEndMs: number[];
  /** Time of each evaluation during a phase (every `evalEvery` steps). */
  evalMs: number[];
  /** The phase-end evaluation under way. */
  phaseEnd?: { phase: number; since: number; done: PhaseEndPart[] };
  /** The exact-match evaluation after training: when it began, what it took. */
  finalSince?: number;
  finalMs?: number;
  finishedAt?: number;
}

/** The timing of a session launched at `at`; a resumed run's earlier sessions count on in its elapsed time. */
export function startTiming(previous: RunTiming | undefined, at: number): RunTiming {
  const earlierMs = previous
    ? previous.earlierMs + ((previous.finishedAt ?? previous.lastAt) - previous.launchedAt)
    : 0;
  return { launchedAt: at, earlierMs, lastAt: at, trainMs: 0, trainSteps: 0, phaseEndMs: [], evalMs: [] };
}

/** What the page knows of a worker message for timing: its kind, and the loop event it carries. */
export type TimedMessage =
  { type: 'backend' | 'model' | 'samples' | 'exactMatch' | 'finished' | 'failed' } | { type: 'event'; event: RunEvent };

const withPart = (t: RunTiming, part: PhaseEndPart): RunTiming['phaseEnd'] =>
  t.phaseEnd ? { ...t.phaseEnd, done: [...t.phaseEnd.done, part] } : undefined;

/** The timing after a message that arrived at `at`. */
export function recordTiming(timing: RunTiming, message: TimedMessage, at: number): RunTiming {
  const t = { ...timing, lastAt: at };
  switch (message.type) {
    case 'backend':
      return { ...t, backendAt: at };
    case 'model':
      return { ...t, modelAt: at };
    case 'samples':
      return { ...t, phaseEnd: withPart(t, 'samples') };
    case 'exactMatch':
      return t.finalSince === undefined ? t : { ...t, finalMs: at - t.finalSince };
    case 'finished':
    case 'failed':
      return { ...t, finishedAt: at, phaseEnd: undefined };
    case 'event':
      break;
  }
  const e = message.event;
  switch (e.type) {
    case 'phaseStart':
      return { ...t, stageSteps: e.stageSteps, trainingAt: t.trainingAt ?? at, phaseEnd: undefined };
    case 'step':
      return { ...t, trainMs: t.trainMs + e.windowMs, trainSteps: t.trainSteps + e.losses.length };
    case 'eval':
      return e.atPhaseEnd ? { ...t, phaseEnd: withPart(t, 'heldOut') } : { ...t, evalMs: [...t.evalMs, e.ms] };
    case 'phaseEnd':
      return { ...t, phaseEnd: { phase: e.phase, since: at, done: [] } };
    case 'checkpoint':
      if (e.reason !== 'phase-end' || !t.phaseEnd) return t;
      return { ...t, phaseEndMs: [...t.phaseEndMs, at - t.phaseEnd.since], phaseEnd: undefined };
    case 'done':
      return e.stopped ? t : { ...t, finalSince: at };
    case 'error':
      return t;
  }
}

const mean = (xs: readonly number[]) => (xs.length === 0 ? undefined : xs.reduce((a, b) => a + b, 0) / xs.length);

export type RunStage =
  | { kind: 'starting'; part: 'backend' | 'weights' | 'compile'; sinceMs: number }
  | { kind: 'training' }
  | { kind: 'evaluating'; phase: number; done: PhaseEndPart[]; sinceMs: number; expectedMs?: number }
  | { kind: 'exactMatch'; sinceMs: number }
  | { kind: 'over' };

export interface RunProgress {
  /** Wall time since launch, earlier sessions included (not the sum of step times). */
  elapsedMs: number;
  /** Time left from measured step and evaluation times; undefined until a step has been measured. */
  etaMs?: number;
  /** True when parts still ahead have not been measured yet (their time is not in `etaMs`). */
  etaPartial: boolean;
  stage: RunStage;
  /** What starting took: the backend, the weights, compiling the kernels on a warm-up step. */
  startup?: { backendMs?: number; weightsMs?: number; compileMs?: number };
}

export interface ProgressInput {
  status: string;
  stepsDone: number;
  totalSteps: number;
  /** Held-out evaluation every this many steps (0 = only at phase ends). */
  evalEvery: number;
  timing: RunTiming;
}

const LIVE = new Set(['starting', 'running', 'paused', 'evaluating']);

/** Phase-end evaluations still ahead after the stage of `stepsDone` (the one under way counts as ahead). */
function phaseEndsAhead(stageSteps: readonly number[], stepsDone: number, evaluating: boolean): number {
  let end = 0;
  let ahead = 0;
  for (const steps of stageSteps) {
    end += steps;
    if (end > stepsDone || (end === stepsDone && !evaluating)) ahead++;
  }
  return ahead;
}

/** Evaluations during phases (every `evalEvery` steps, not at a stage's end) still ahead of `stepsDone`. */
function periodicEvalsAhead(stageSteps: readonly number[], stepsDone: number, evalEvery: number): number {
  if (evalEvery <= 0) return 0;
  const ends = new Set<number>();
  let end = 0;
  for (const steps of stageSteps) ends.add((end += steps));
  let n = 0;
  for (let s = (Math.floor(stepsDone / evalEvery) + 1) * evalEvery; s <= end; s += evalEvery) if (!ends.has(s)) n++;
  return n;
}

/** Where the run stands at wall time `now`: elapsed, time left, and what it is doing. */
export function runProgress(input: ProgressInput, now: number): RunProgress {
  const t = input.timing;
  const live = LIVE.has(input.status);
  const end = t.finishedAt ?? (live ? now : t.lastAt);
  const elapsedMs = t.earlierMs + Math.max(0, end - t.launchedAt);
  const startup =
    t.trainingAt === undefined
      ? undefined
      : {
          backendMs: t.backendAt === undefined ? undefined : t.backendAt - t.launchedAt,
          weightsMs: t.backendAt === undefined || t.modelAt === undefined ? undefined : t.modelAt - t.backendAt,
          compileMs: t.modelAt === undefined ? undefined : t.trainingAt - t.modelAt,
        };

  let stage: RunStage;
  if (!live || t.finishedAt !== undefined) stage = { kind: 'over' };
  else if (t.finalSince !== undefined) stage = { kind: 'exactMatch', sinceMs: now - t.finalSince };
  else if (t.phaseEnd)
    stage = {
      kind: 'evaluating',
      phase: t.phaseEnd.phase,
      done: t.phaseEnd.done,
      sinceMs: now - t.phaseEnd.since,
      expectedMs: mean(t.phaseEndMs),
    };
  else if (t.trainingAt === undefined) {
    const part = t.modelAt !== undefined ? 'compile' : t.backendAt !== undefined ? 'weights' : 'backend';
    stage = { kind: 'starting', part, sinceMs: now - (t.modelAt ?? t.backendAt ?? t.launchedAt) };
  } else stage = { kind: 'training' };

  if (stage.kind === 'over') return { elapsedMs, etaPartial: false, stage, startup };
  const stepMs = t.trainSteps > 0 ? t.trainMs / t.trainSteps : undefined;
  if (stepMs === undefined || !t.stageSteps) return { elapsedMs, etaPartial: true, stage, startup };

  const phaseEndMs = mean(t.phaseEndMs);
  const evalMs = mean(t.evalMs);
  let eta = Math.max(0, input.totalSteps - input.stepsDone) * stepMs;
  // The exact-match evaluation after training is timed only once it has run: under way, its time left is unknown.
  let partial = stage.kind === 'exactMatch';
  const ahead = phaseEndsAhead(t.stageSteps, input.stepsDone, stage.kind === 'evaluating');
  if (ahead > 0) {
    if (phaseEndMs === undefined) partial = true;
    else eta += ahead * phaseEndMs;
  }
  if (stage.kind === 'evaluating') {
    if (stage.expectedMs !== undefined && stage.sinceMs < stage.expectedMs) eta += stage.expectedMs - stage.sinceMs;
    else partial = true;
  }
  const periodic = periodicEvalsAhead(t.stageSteps, input.stepsDone, input.evalEvery);
  if (periodic > 0) {
    if (evalMs === undefined) partial = true;
    else eta += periodic * evalMs;
  }
  return { elapsedMs, etaMs: eta, etaPartial: partial, stage, startup };
}
