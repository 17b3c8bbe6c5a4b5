/**
 * How long a run takes on this machine, from a few measured timings, and the share of each phase that makes a set of
 * runs (the "Phased vs one-off" pair) fit a time budget. The cost model follows what the runner does: micro-batches
 * of training, an evaluation every `evalEvery` steps (held-out loss), a phase-end evaluation after every stage
 * (held-out loss, the fixed prompts answered, a checkpoint) and exact match after the last. The evaluation shrinks
 * with the share (evaluationSubset), as in the run itself.
 */
import type { InstructionRecord } from '../data/record';
import { evaluationCost, EXACT_MATCH_MAX_RECORDS, SAMPLE_MAX_NEW_TOKENS } from '../eval/evalSubset';
import type { PhasePlan } from '../phases/plan';
import { RUN_LIMITS } from './settingLimits';
import { trainingInputs } from './trainingInputs';

/** Timings measured on this machine, backend and model shape (see the diagnostics worker's `speed` probe). */
export interface MeasuredSpeed {
  /** One training micro-batch (forward + backward + update) of `batchSize` rows at the run's row length. */
  stepMs: number;
  /** One forward pass, no gradients, of `batchSize` rows at the run's row length (held-out loss, a prompt's prefill). */
  forwardMs: number;
  /** One greedily generated token for a batch of prompts, with the key/value cache. */
  tokenMs: number;
  /** Starting a run: the first step, with its kernel compilation (once per run). */
  warmupMs: number;
}

export interface RunShape {
  plan: PhasePlan;
  records: readonly InstructionRecord[];
  /** Stages of each run: 1 for one-off, the phase count for a phased arm. */
  stagesPerRun: readonly number[];
  epochsPerPhase: number;
  batchSize: number;
  gradAccumulation: number;
  /** 0: no evaluation during a stage. */
  evalEvery: number;
  /** Tokens of the longest expected answer: bounds what generation produces. */
  answerTokens: number;
}

/** Prompts generated together (greedyGenerate's default batch). */
const GENERATION_BATCH = 32;

export interface RunsEstimate {
  share: number;
  /** Per run, in the order of `stagesPerRun`. */
  runs: { steps: number; trainMs: number; evalMs: number; totalMs: number }[];
  totalMs: number;
  /** One phase-end evaluation (held-out loss, the fixed prompts, no checkpoint), and the final exact match. */
  phaseEndMs: number;
  exactMatchMs: number;
}

/**
 * What the evaluations over `heldOut` take: the held-out loss (forward passes in batches of `batchSize`, per bucket),
 * a phase-end evaluation (that loss and the fixed prompts answered, up to 8 tokens past the longest answer), and the
 * final exact match (one greedy answer per record).
 */
export function evaluationMs(
  heldOut: readonly { bucket: string }[],
  batchSize: number,
  answerTokens: number,
  speed: MeasuredSpeed,
) {
  const cost = evaluationCost(heldOut, batchSize);
  const generate = (prompts: number, tokens: number) =>
    Math.ceil(prompts / GENERATION_BATCH) * (speed.forwardMs + tokens * speed.tokenMs);
  const heldOutLossMs = cost.lossBatches * speed.forwardMs;
  return {
    heldOutLossMs,
    phaseEndMs: heldOutLossMs + generate(cost.samplePrompts, Math.min(SAMPLE_MAX_NEW_TOKENS, answerTokens + 8)),
    exactMatchMs: generate(Math.min(cost.exactMatchRecords, EXACT_MATCH_MAX_RECORDS), answerTokens + 2),
  };
}

/** The estimated wall time of the runs at `share`. Every stage trains on all of the share's records × epochs. */
export function estimateRuns(shape: RunShape, speed: MeasuredSpeed, share: number): RunsEstimate {
  const inputs = trainingInputs(shape.plan, shape.records, share);
  const rows = inputs.phases.reduce((n, p) => n + p.length, 0) * shape.epochsPerPhase;
  const microBatches = inputs.phases.reduce(
    (n, p) => n + Math.ceil((p.length * shape.epochsPerPhase) / shape.batchSize),
    0,
  );
  const { heldOutLossMs, phaseEndMs, exactMatchMs } = evaluationMs(
    inputs.heldOut,
    shape.batchSize,
    shape.answerTokens,
    speed,
  );
  const runs = shape.stagesPerRun.map((stages) => {
    // one-off trains every phase's rows in one stage; a phased arm the same rows over `stages` stages
    const steps = Math.ceil(rows / (shape.batchSize * shape.gradAccumulation));
    const trainMs = microBatches * speed.stepMs + speed.warmupMs;
    const midEvals = shape.evalEvery > 0 ? Math.max(0, Math.floor(steps / shape.evalEvery) - stages) : 0;
    const evalMs = stages * phaseEndMs + midEvals * heldOutLossMs + exactMatchMs;
    return { steps, trainMs, evalMs, totalMs: trainMs + evalMs };
  });
  return { share, runs, totalMs: runs.reduce((t, r) => t + r.totalMs, 0), phaseEndMs, exactMatchMs };
}

/**
 * The largest share (at most 1, to a tenth of a percent) whose estimate fits `budgetMs`, with its estimate; the
 * smallest share, marked `fits: false`, when even that does not fit.
 */
export function shareForBudget(
  shape: RunShape,
  speed: MeasuredSpeed,
  budgetMs: number,
): RunsEstimate & { fits: boolean } {
  const full = estimateRuns(shape, speed, 1);
  if (full.totalMs <= budgetMs) return { ...full, fits: true };
  // The estimate grows with the share (more rows, a larger evaluation subset): bisect on tenths of a percent.
  let lo = Math.round(RUN_LIMITS.trainShare.min * 1000);
  let hi = 1000;
  const at = (permille: number) => estimateRuns(shape, speed, permille / 1000);
  if (at(lo).totalMs > budgetMs) return { ...at(lo), fits: false };
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (at(mid).totalMs <= budgetMs) lo = mid;
    else hi = mid;
  }
  return { ...at(lo), fits: true };
}
