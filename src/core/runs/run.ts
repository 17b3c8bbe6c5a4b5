/**
 * A training run as the studio keeps it: its settings and data, and everything the worker reported so far (losses,
 * evaluations, phases, samples, exact match). Plain data: it is shown, compared, exported and kept in IndexedDB.
 */
import type { ExactMatchOutcome } from '../eval/heldOutExactMatch';
import type { SampleSnapshot } from '../eval/samples';
import type { GptConfig } from '../model/config';
import type { PhasePlan } from '../phases/plan';
import type { BucketLoss } from '../eval/heldOutLoss';
import type { RunSummary } from '../train/runSummary';
import type { BackendChoice } from './backendChoice';
import type { RunTiming } from './runTiming';
import type { TrainSettings } from './settings';

export interface LossPoint {
  step: number;
  tokens: number;
  loss: number;
  lr: number;
  phase: number;
  /** Training time at this step (ms, summed over the run's sessions; no warm-up, pauses or evaluations). */
  trainMs?: number;
}

export interface EvalPoint {
  step: number;
  tokens: number;
  phase: number;
  atPhaseEnd: boolean;
  heldOutLoss: number;
  buckets: BucketLoss[];
}

export interface PhaseSpan {
  phase: number;
  label: string;
  /** 1-based phases of the plan this stage holds (all of them for one-off, none for a random stage). */
  sourcePhases: number[];
  startTokens: number;
  endTokens?: number;
  steps: number;
}

/** `evaluating`: training is over and the worker is scoring the held-out answers; `done` comes after that. */
export type RunStatus =
  'queued' | 'starting' | 'running' | 'paused' | 'evaluating' | 'done' | 'stopped' | 'error' | 'interrupted';

/** Statuses of a run that was still going: after a reload such a run did not finish. */
export const UNFINISHED_STATUSES: readonly RunStatus[] = ['queued', 'starting', 'running', 'paused', 'evaluating'];

/** The data a run trained on: a resume or a comparison is only honest on the same records, phases and held-out set. */
export interface RunDataKey {
  fileName: string;
  contentHash?: string;
  scorerId: string;
  cutoffs: number[];
  heldOutFraction: number;
  heldOutSeed: number;
  trainRecords: number;
  heldOutRecords: number;
}

export function sameData(a: RunDataKey, b: RunDataKey): boolean {
  return (
    a.fileName === b.fileName &&
    a.contentHash === b.contentHash &&
    a.scorerId === b.scorerId &&
    a.cutoffs.join() === b.cutoffs.join() &&
    a.heldOutFraction === b.heldOutFraction &&
    a.heldOutSeed === b.heldOutSeed
  );
}

export function dataKeyOf(plan: PhasePlan, dataset: { fileName: string; contentHash?: string }): RunDataKey {
  return {
    fileName: dataset.fileName,
    contentHash: dataset.contentHash,
    scorerId: plan.scorerId,
    cutoffs: plan.cutoffs,
    heldOutFraction: plan.heldOut.fraction,
    heldOutSeed: plan.heldOut.seed,
    trainRecords: plan.phases.reduce((n, p) => n + p.recordIds.length, 0),
    heldOutRecords: plan.heldOut.recordIds.length,
  };
}

export type { ExactMatchOutcome };

export interface Run {
  id: string;
  label: string;
  settings: TrainSettings;
  dataKey: RunDataKey;
  status: RunStatus;
  startedAt: number;
  backend?: BackendChoice;
  model?: { config: GptConfig; parameters: number; notes: string[] };
  points: LossPoint[];
  evals: EvalPoint[];
  phases: PhaseSpan[];
  totalSteps: number;
  tokensPerSec?: number;
  elapsedMs?: number;
  summary?: Omit<RunSummary, 'losses'>;
  /** Live tensors in the worker after the run ended (should be 0: the model and optimizer are freed). */
  leftoverTensors?: number;
  error?: string;
  lastCheckpoint?: { bytes: Uint8Array; step: number; reason: string };
  /** Step of the newest checkpoint saved in this browser (survives a reload, unlike the bytes above). */
  checkpointStep?: number;
  /** Answers to the same held-out prompts after every phase. */
  samples?: SampleSnapshot[];
  /** Exact match per difficulty bucket on the held-out set, at the end of the run. */
  exactMatch?: ExactMatchOutcome;
  /** Wall-clock timing of its sessions, for elapsed time, time left and what starting cost. */
  timing?: RunTiming;
}
