/**
 * Recorded results: the runs of one `npm run experiment`, shipped with the studio (`public/demo/`, made by
 * `npm run record:results`) so a newcomer sees the comparison the studio exists for in seconds. The file says where
 * the numbers came from (machine, date, command, seeds, commit); its runs open in Compare as runs of their own,
 * labelled recorded, and are never stored with the person's runs.
 */
import * as v from 'valibot';
import type { ExactMatchReport } from '../eval/exactMatch';
import type { SampleSnapshot } from '../eval/samples';
import { armLabel, type ArmSpec } from '../train/arms';
import type { Hyper } from '../train/hyper';
import type { Run } from './run';
import { armSchema } from './settingsSchema';
import type { ModelRef } from './settings';

export const RECORDED_RESULTS_FORMAT = 'phased-ift-studio.recorded-results';
export const RECORDED_RESULTS_VERSION = 1;
/** Where the studio serves the shipped file, under its base URL. */
export const RECORDED_RESULTS_FILE = 'demo/recorded-results.json';

/** A rate over no records is NaN, which JSON writes as null. */
const rate = v.nullable(v.number());
const bucketExactMatch = v.object({
  bucket: v.string(),
  n: v.number(),
  correct: v.number(),
  rate,
  correctNormalized: v.number(),
  rateNormalized: rate,
});
const exactMatchReport = v.object({ buckets: v.array(bucketExactMatch), overall: bucketExactMatch });
const bucketLoss = v.object({ bucket: v.string(), loss: v.number(), records: v.number(), tokens: v.number() });
const sample = v.object({
  id: v.string(),
  bucket: v.string(),
  instruction: v.string(),
  input: v.string(),
  expected: v.string(),
  generated: v.string(),
  correct: v.boolean(),
  stop: v.picklist(['eos', 'max', 'context']),
});
const snapshot = v.object({
  phase: v.number(),
  label: v.string(),
  step: v.number(),
  tokensSeen: v.number(),
  samples: v.array(sample),
});

const recordedRun = v.object({
  arm: armSchema,
  seed: v.pipe(v.number(), v.integer()),
  steps: v.number(),
  tokensSeen: v.number(),
  wallMs: v.number(),
  /** Mean training loss per logged window; `tokens` = tokens seen at that step. */
  lossCurve: v.pipe(
    v.array(v.object({ step: v.number(), tokens: v.number(), loss: v.number() })),
    v.minLength(1, 'needs at least one logged loss'),
  ),
  heldOutLoss: v.object({ overall: v.number(), buckets: v.array(bucketLoss) }),
  /** Exact match per level on the held-out split. */
  exactMatch: exactMatchReport,
  /** Exact match per level on the length-OOD file. */
  ood: exactMatchReport,
  samples: v.array(snapshot),
});

export const recordedResultsSchema = v.object({
  format: v.literal(RECORDED_RESULTS_FORMAT, `must be "${RECORDED_RESULTS_FORMAT}"`),
  version: v.literal(
    RECORDED_RESULTS_VERSION,
    `must be ${RECORDED_RESULTS_VERSION} (this studio reads version ${RECORDED_RESULTS_VERSION})`,
  ),
  recorded: v.object({
    machine: v.string(),
    date: v.string(),
    command: v.string(),
    seeds: v.array(v.number()),
    commit: v.string(),
    /** How the curves' token counts were obtained, when not logged per step. */
    note: v.optional(v.string()),
  }),
  setup: v.object({
    dataset: v.string(),
    baseModel: v.string(),
    hyper: v.record(v.string(), v.union([v.number(), v.boolean()])),
    trainFraction: v.number(),
    contextLength: v.number(),
    cutoffs: v.array(v.number()),
    heldOutFraction: v.number(),
    heldOutSeed: v.number(),
    trainRecords: v.number(),
    heldOutRecords: v.number(),
  }),
  runs: v.pipe(v.array(recordedRun), v.minLength(1, 'needs at least one run')),
});

export type RecordedResults = v.InferOutput<typeof recordedResultsSchema>;
export type RecordedRun = RecordedResults['runs'][number];

export class RecordedResultsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordedResultsError';
  }
}

/** Reads and checks a recorded-results file; a damaged one is refused with the first problem and where it is. */
export function parseRecordedResults(text: string, source: string): RecordedResults {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RecordedResultsError(
      `${source} is not JSON (${(error as Error).message}). Regenerate it with npm run record:results.`,
    );
  }
  const result = v.safeParse(recordedResultsSchema, json);
  if (!result.success) {
    const issue = result.issues[0]!;
    const path = v.getDotPath(issue) ?? '(top level)';
    throw new RecordedResultsError(
      `${source} is not a recorded-results file this studio can read: ${path} ${issue.message}. Regenerate it with npm run record:results.`,
    );
  }
  return result.output;
}

const nanForNull = (report: v.InferOutput<typeof exactMatchReport>): ExactMatchReport => {
  const fix = (b: v.InferOutput<typeof bucketExactMatch>) => ({
    ...b,
    rate: b.rate ?? Number.NaN,
    rateNormalized: b.rateNormalized ?? Number.NaN,
  });
  return { buckets: report.buckets.map(fix), overall: fix(report.overall) };
};

/** Every recorded run's id starts with this, so nothing can take one for a run of the person's own. */
export const RECORDED_ID_PREFIX = 'recorded:';

/**
 * The recorded runs as the studio's runs, for Compare: the arm, seed and settings they ran with, their loss curve,
 * final held-out loss per bucket, exact match per level and the answers after each phase. `baseModel` is the
 * studio's own base-model reference (the recording started from the same file).
 */
export function recordedRuns(file: RecordedResults, baseModel: ModelRef & { kind: 'base' }): Run[] {
  const startedAt = Date.parse(file.recorded.date);
  return file.runs.map((r): Run => {
    const arm = r.arm as ArmSpec;
    const samples = r.samples as SampleSnapshot[];
    const lastPhase = samples.at(-1)?.phase ?? 0;
    const byLevel = nanForNull(r.exactMatch);
    return {
      id: `${RECORDED_ID_PREFIX}${arm.kind === 'custom' ? `custom-${arm.order.join('-')}` : arm.kind}:seed-${r.seed}`,
      label: `${armLabel(arm)} · recorded, seed ${r.seed}`,
      settings: {
        arm,
        preset: 'tiny',
        model: baseModel,
        backend: 'wasm',
        seed: r.seed,
        hyper: file.setup.hyper as unknown as Hyper,
        maxSteps: 0,
        trainShare: file.setup.trainFraction,
        logEvery: 10,
        evalEvery: 0,
      },
      dataKey: {
        fileName: `${file.setup.dataset} (recorded)`,
        scorerId: 'level',
        cutoffs: file.setup.cutoffs,
        heldOutFraction: file.setup.heldOutFraction,
        heldOutSeed: file.setup.heldOutSeed,
        trainRecords: file.setup.trainRecords,
        heldOutRecords: file.setup.heldOutRecords,
      },
      status: 'done',
      startedAt: Number.isFinite(startedAt) ? startedAt : 0,
      backend: { name: 'wasm', reason: `Recorded on ${file.recorded.machine}.`, skipped: [] },
      points: r.lossCurve.map((p) => ({
        step: p.step,
        tokens: p.tokens,
        loss: p.loss,
        lr: Number.NaN,
        phase: samples.find((s) => p.step <= s.step)?.phase ?? lastPhase,
      })),
      evals: [
        {
          step: r.steps,
          tokens: r.tokensSeen,
          phase: lastPhase,
          atPhaseEnd: true,
          heldOutLoss: r.heldOutLoss.overall,
          buckets: r.heldOutLoss.buckets,
        },
      ],
      phases: samples.map((s, i) => ({
        phase: s.phase,
        label: s.label,
        sourcePhases: [],
        startTokens: i === 0 ? 0 : samples[i - 1]!.tokensSeen,
        endTokens: s.tokensSeen,
        steps: s.step - (i === 0 ? 0 : samples[i - 1]!.step),
      })),
      totalSteps: r.steps,
      elapsedMs: r.wallMs,
      samples,
      exactMatch: { report: byLevel, byLevel, examples: [] },
    };
  });
}
