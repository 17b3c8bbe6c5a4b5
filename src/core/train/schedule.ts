/**
 * Learning-rate schedules: linear warm-up, then cosine decay to `minLrRatio × peak` — the rules of Hugging Face's
 * Trainer with `lr_scheduler_type: "cosine_with_min_lr"`, `lr_scheduler_kwargs: {min_lr_rate: minLrRatio}` and
 * `warmup_steps: warmupRatio` (`"cosine"` when `minLrRatio` is 0), so a scale-out run of the same recipe in
 * `transformers` steps through the same learning rates (checked against the Trainer's own scheduler in
 * schedule.test.ts, golden from python/make_golden.py).
 *
 * The paper launches each phase as a fresh run, so warm-up + cosine restart per phase (`restartPerPhase: true`).
 * With `restartPerPhase: false` one warm-up + cosine spans the whole arm, as a single run would.
 *
 * For a span of N optimizer steps, step s (0-based, the s-th update):
 * - warm-up steps W = ceil(warmupRatio × N) (the Trainer's `get_warmup_steps`, float product included) — but 0 when
 *   warmupRatio × N < 1. The Trainer rounds a warm-up shorter than one step up to one step at LR 0; its runs are long
 *   enough never to meet that, a phase at a small share is not: a 1-step phase would train nothing and a 5-step
 *   phase lose a fifth of its updates. Such a span starts at its peak instead. Wherever warmupRatio × N ≥ 1 the
 *   Trainer's rule holds exactly (the TRL recipe's script applies the same rule);
 * - s < W: `peak × s / W` — the first update runs at LR 0, as `get_cosine_schedule_with_warmup` has it;
 * - s ≥ W: `peak × (r + (1 − r) × ½(1 + cos(π·p)))` with `p = (s − W) / max(1, N − W)` and r = minLrRatio: the first
 *   decay step is at the peak, and the last step stays just above the floor (p = (N − W − 1) / (N − W) < 1).
 */
export interface ScheduleOptions {
  peakLr: number;
  /** Final LR as a fraction of the peak, in [0, 1]. */
  minLrRatio: number;
  /** Fraction of the span's steps spent warming up, in [0, 1). */
  warmupRatio: number;
}

export function warmupSteps(totalSteps: number, warmupRatio: number): number {
  const steps = totalSteps * warmupRatio;
  return steps < 1 ? 0 : Math.min(totalSteps, Math.ceil(steps));
}

/** LR at step `step` (0-based) of a warm-up + cosine span of `totalSteps` steps. */
export function lrAt(step: number, totalSteps: number, o: ScheduleOptions): number {
  if (!Number.isInteger(step) || step < 0 || step >= totalSteps) {
    throw new RangeError(`lrAt: step ${step} is outside the span [0, ${totalSteps})`);
  }
  const warm = warmupSteps(totalSteps, o.warmupRatio);
  if (step < warm) return (o.peakLr * step) / Math.max(1, warm);
  const p = (step - warm) / Math.max(1, totalSteps - warm);
  const cosine = 0.5 * (1 + Math.cos(Math.PI * p));
  return o.peakLr * (cosine * (1 - o.minLrRatio) + o.minLrRatio);
}

export function validateSchedule(o: ScheduleOptions): void {
  if (!(o.peakLr > 0) || !Number.isFinite(o.peakLr)) throw new RangeError(`peak LR must be > 0, got ${o.peakLr}`);
  if (!(o.minLrRatio >= 0 && o.minLrRatio <= 1))
    throw new RangeError(`minLrRatio must be in [0, 1], got ${o.minLrRatio}`);
  if (!(o.warmupRatio >= 0 && o.warmupRatio < 1))
    throw new RangeError(`warmupRatio must be in [0, 1), got ${o.warmupRatio}`);
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
