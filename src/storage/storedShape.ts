/**
 * The shape a record read back from IndexedDB must have before the studio shows it. A record saved by a buggy or
 * foreign build, or damaged on disk, would otherwise reach React and blank the page on every load. The checks cover
 * what the screens read (types of fields, arrays being arrays); extra fields pass, as newer builds may add some.
 */
import * as v from 'valibot';
import type { PhaseSettings, StoredDataset, StoredRun } from './records';

// valibot's number() refuses NaN, which a stored loss (a diverged run) or a score legitimately holds.
const num = () => v.custom<number>((x) => typeof x === 'number', 'expected a number');
const stringMap = v.record(v.string(), v.union([v.string(), num()]));

const recordSchema = v.looseObject({
  id: v.string(),
  instruction: v.string(),
  input: v.string(),
  output: v.string(),
  history: v.optional(
    v.array(v.looseObject({ user: v.string(), assistant: v.string(), trained: v.optional(v.literal(false)) })),
  ),
  score: v.optional(num()),
  meta: stringMap,
});

const datasetSchema = v.looseObject({
  fileName: v.string(),
  byteSize: num(),
  contentHash: v.optional(v.string()),
  format: v.string(),
  formatLabel: v.string(),
  loadedAt: num(),
  records: v.array(recordSchema),
  report: v.looseObject({
    accepted: num(),
    rejected: v.array(v.looseObject({ reason: v.string() })),
    warnings: v.array(v.looseObject({ message: v.string() })),
    notes: v.optional(v.array(v.string())),
  }),
  scoreSets: v.array(
    v.looseObject({
      scorerId: v.string(),
      scores: v.instance(Float64Array),
      problems: v.array(v.looseObject({ index: num(), id: v.string(), message: v.string() })),
    }),
  ),
});

const phaseSettingsSchema = v.looseObject({
  scorerId: v.string(),
  mode: v.picklist(['cutoffs', 'quantiles']),
  cutoffs: v.array(num()),
  phaseCount: num(),
  heldOutFraction: num(),
  seed: num(),
});

const runSchema = v.looseObject({
  id: v.string(),
  label: v.string(),
  status: v.picklist([
    'queued',
    'starting',
    'running',
    'paused',
    'evaluating',
    'done',
    'stopped',
    'error',
    'interrupted',
  ]),
  startedAt: num(),
  settings: v.looseObject({
    arm: v.looseObject({}),
    preset: v.string(),
    hyper: v.looseObject({ lr: num() }),
    seed: num(),
  }),
  dataKey: v.looseObject({
    fileName: v.string(),
    scorerId: v.string(),
    cutoffs: v.array(num()),
    heldOutFraction: num(),
    heldOutSeed: num(),
  }),
  points: v.array(v.looseObject({ step: num(), tokens: num(), loss: num(), lr: num(), phase: num() })),
  evals: v.array(
    v.looseObject({
      step: num(),
      tokens: num(),
      phase: num(),
      heldOutLoss: num(),
      buckets: v.array(v.looseObject({})),
    }),
  ),
  phases: v.array(v.looseObject({ phase: num(), label: v.string(), startTokens: num() })),
  totalSteps: num(),
  checkpointStep: v.optional(num()),
  error: v.optional(v.string()),
});

/** The value when it has the shape, else where and why not (`records[3].output: expected string, got number`). */
export type ShapeCheck<T> = { ok: true; value: T } | { ok: false; problem: string };

function check<T>(schema: v.GenericSchema, value: unknown): ShapeCheck<T> {
  const result = v.safeParse(schema, value);
  if (result.success) return { ok: true, value: value as T };
  const issue = result.issues[0];
  const path = v.getDotPath(issue);
  return { ok: false, problem: `${path ? `${path}: ` : ''}${issue.message}` };
}

export const checkStoredDataset = (value: unknown) => check<StoredDataset>(datasetSchema, value);
export const checkPhaseSettings = (value: unknown) => check<PhaseSettings>(phaseSettingsSchema, value);
export const checkStoredRun = (value: unknown) => check<StoredRun>(runSchema, value);
