/**
 * Learning-rate schedules: linear warm-up, then cosine decay to `minLrRatio × peak`.
 *
 * The paper launches each phase as a fresh run, so warm-up + cosine restart per phase (`restartPerPhase: true`).
 * With `restartPerPhase: false` one warm-up + cosine spans the whole arm, as a single run would.
 *
 * Conventions (chosen so charts read naturally; tested by hand values in schedule.test.ts):
 * - step indices are 0-based; warm-up steps are `ceil(warmupRatio × steps)` (as Hugging Face's Trainer);
 * - warm-up step `s` uses `peak × (s + 1) / warmup`, so the first update is not wasted at LR 0 and the last warm-up
 *   step reaches the peak;
 * - decay step `s` uses `min + (peak − min) × ½(1 + cos(π·p))` with `p = (s − warmup) / (steps − warmup − 1)`, so the
 *   first decay step is at the peak and the last step of the span is exactly at the minimum (p = 0 when the span
 *   has a single decay step).
 */
export interface ScheduleOptions {
  peakLr: number;
  /** Final LR as a fraction of the peak, in [0, 1]. */
  minLrRatio: number;
  /** Fraction of the span's steps spent warming up, in [0, 1). */
  warmupRatio: number;
}

export function warmupSteps(totalSteps: number, warmupRatio: number): number {
  return Math.min(totalSteps, Math.ceil(totalSteps * warmupRatio - 1e-9));
}

/** LR at step `step` (0-based) of a warm-up + cosine span of `totalSteps` steps. */
export function lrAt(step: number, totalSteps: number, o: ScheduleOptions): number {
  if (!Number.isInteger(step) || step < 0 || step >= totalSteps) {
    throw new RangeError(`lrAt: step ${step} is outside the span [0, ${totalSteps})`);
  }
  const warm = warmupSteps(totalSteps, o.warmupRatio);
  if (step < warm) return (o.peakLr * (step + 1)) / warm;
  const minLr = o.peakLr * o.minLrRatio;
  const decaySteps = totalSteps - warm;
  const p = decaySteps <= 1 ? 0 : (step - warm) / (decaySteps - 1);
  return minLr + (o.peakLr - minLr) * 0.5 * (1 + Math.cos(Math.PI * p));
}

export function validateSchedule(o: ScheduleOptions): void {
  if (!(o.peakLr > 0) || !Number.isFinite(o.peakLr)) throw new RangeError(`peak LR must be > 0, got ${o.peakLr}`);
  if (!(o.minLrRatio >= 0 && o.minLrRatio <= 1)) throw new RangeError(`minLrRatio must be in [0, 1], got ${o.minLrRatio}`);
  if (!(o.warmupRatio >= 0 && o.warmupRatio < 1)) throw new RangeError(`warmupRatio must be in [0, 1), got ${o.warmupRatio}`);
}

/**
 * The LR of every optimizer step of an arm, phase by phase: `result[phase][stepInPhase]`.
 * `phaseSteps[i]` is the number of optimizer steps of phase i.
 */
export function buildSchedule(
  phaseSteps: readonly number[],
  o: ScheduleOptions & { restartPerPhase: boolean },
): Float64Array[] {
  validateSchedule(o);
  if (o.restartPerPhase) {
    return phaseSteps.map((n) => Float64Array.from({ length: n }, (_, s) => lrAt(s, n, o)));
  }
  const total = phaseSteps.reduce((a, b) => a + b, 0);
  let offset = 0;
  return phaseSteps.map((n) => {
    const lrs = Float64Array.from({ length: n }, (_, s) => lrAt(offset + s, total, o));
    offset += n;
    return lrs;
  });
}
