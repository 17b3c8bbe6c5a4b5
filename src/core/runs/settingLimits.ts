import type { Hyper } from '../train/hyper';

/**
 * What a number setting may be. One table for the Train form (which says why a typed value is refused) and for the
 * schema every configuration goes through (a link, a JSON file, the CLI's run.json), so neither accepts what the
 * other refuses. `min`/`max` are inclusive, `above`/`below` exclusive.
 */
export interface NumberLimit {
  integer?: boolean;
  min?: number;
  max?: number;
  above?: number;
  below?: number;
}

type NumericHyper = { [K in keyof Hyper]: Hyper[K] extends number ? K : never }[keyof Hyper];

export const HYPER_LIMITS: Readonly<Record<NumericHyper, NumberLimit>> = {
  lr: { above: 0 },
  minLrRatio: { min: 0, max: 1 },
  epochsPerPhase: { integer: true, min: 1, max: 1000 },
  // A micro-batch larger than this would not fit any browser GPU at the studio's sizes.
  batchSize: { integer: true, min: 1, max: 1024 },
  gradAccumulation: { integer: true, min: 1, max: 1024 },
  warmupRatio: { min: 0, max: 1 },
  weightDecay: { min: 0 },
  clipNorm: { min: 0 },
  beta1: { min: 0, below: 1 },
  beta2: { min: 0, below: 1 },
  // Adam divides by √v + eps: 0 gives Inf/NaN on a parameter whose gradient is 0.
  eps: { above: 0, max: 1 },
  replayFraction: { min: 0, max: 1 },
};

export const RUN_LIMITS = {
  seed: { integer: true },
  maxSteps: { integer: true, min: 0 },
  logEvery: { integer: true, min: 1 },
  evalEvery: { integer: true, min: 0 },
  // The form shows it in percent, from 0.1 % to 100 %.
  trainShare: { min: 0.001, max: 1 },
  contextLength: { integer: true, min: 2 },
} as const satisfies Record<string, NumberLimit>;

export const LORA_LIMITS = {
  rank: { integer: true, min: 1, max: 256 },
  alpha: { above: 0 },
} as const satisfies Record<string, NumberLimit>;

export const PHASE_LIMITS = {
  phaseCount: { integer: true, min: 2, max: 6 },
  heldOutFraction: { min: 0, max: 0.5 },
  seed: { integer: true },
  maxPerPhase: { integer: true, min: 0 },
} as const satisfies Record<string, NumberLimit>;

/** "a whole number from 1 to 1024", "a number above 0", … (what a message says a setting must be). */
export function describeLimit(limit: NumberLimit): string {
  const what = limit.integer ? 'a whole number' : 'a number';
  const low = limit.min !== undefined ? limit.min : limit.above;
  if (limit.min !== undefined && limit.max !== undefined) return `${what} from ${limit.min} to ${limit.max}`;
  const parts = [
    limit.min !== undefined ? `≥ ${limit.min}` : limit.above !== undefined ? `above ${low}` : '',
    limit.max !== undefined ? `≤ ${limit.max}` : limit.below !== undefined ? `below ${limit.below}` : '',
  ].filter(Boolean);
  return parts.length ? `${what} ${parts.join(' and ')}` : what;
}

/**
 * Why `value` breaks `limit` ("At least 1."), or undefined when it does not. `wholeNumbers: false` skips the integer
 * rule, for the form, which rounds what is typed into a whole-number field.
 */
export function limitProblem(value: number, limit: NumberLimit, { wholeNumbers = true } = {}): string | undefined {
  if (!Number.isFinite(value)) return 'A finite number.';
  if (limit.min !== undefined && value < limit.min) return `At least ${limit.min}.`;
  if (limit.above !== undefined && value <= limit.above) return `Above ${limit.above}.`;
  if (limit.max !== undefined && value > limit.max) return `At most ${limit.max}.`;
  if (limit.below !== undefined && value >= limit.below) return `Below ${limit.below}.`;
  if (wholeNumbers && limit.integer && !Number.isInteger(value)) return 'A whole number.';
  return undefined;
}
