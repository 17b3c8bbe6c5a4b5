import type { LossPoint, PhaseSpan } from '../../core/runs/run';
import { ema } from './ema';

/** What the loss chart's x axis counts. */
/** What a loss curve's x axis can count. */
export const X_AXIS_MODES = ['tokens', 'steps', 'time'] as const;
export type XAxisMode = (typeof X_AXIS_MODES)[number];

export const X_AXIS_LABELS: Record<XAxisMode, string> = {
  tokens: 'tokens seen',
  steps: 'optimizer steps',
  time: 'training time (without warm-up and evaluations)',
};

export interface LossRow {
  x: number;
  step: number;
  tokens: number;
  /** Training time at this step (ms), when the run recorded it. */
  trainMs: number | undefined;
  loss: number;
  smoothed: number;
  lr: number;
  phase: number;
}

/** The point's place on an x axis of `mode`; undefined for time on a run that did not record it. */
export function xOf(p: Pick<LossPoint, 'step' | 'tokens' | 'trainMs'>, mode: XAxisMode): number | undefined {
  return mode === 'tokens' ? p.tokens : mode === 'steps' ? p.step : p.trainMs;
}

/**
 * The chart's rows: every point (or every `stride`-th, the last of each stride, past `maxRows`), with the smoothed
 * loss and its x on the chosen axis. Points without that x (time on an older run) are left out.
 */
export function lossRows(points: readonly LossPoint[], mode: XAxisMode, smoothing: number, maxRows = 600): LossRow[] {
  const smooth = ema(
    points.map((p) => p.loss),
    smoothing,
  );
  const stride = Math.max(1, Math.ceil(points.length / maxRows));
  const rows: LossRow[] = [];
  for (let i = 0; i < points.length; i += stride) {
    const at = Math.min(points.length - 1, i + stride - 1);
    const p = points[at]!;
    const x = xOf(p, mode);
    if (x === undefined) continue;
    rows.push({
      x,
      step: p.step,
      tokens: p.tokens,
      trainMs: p.trainMs,
      loss: p.loss,
      smoothed: smooth[at]!,
      lr: p.lr,
      phase: p.phase,
    });
  }
  return rows;
}

export interface PhaseBand {
  phase: number;
  label: string;
  sourcePhases: number[];
  x1: number;
  x2: number;
}

/**
 * One shaded band per stage that has points, from where the stage before it ended (the axis start for the first)
 * to its last point, so a stage shows from its first point on and bands meet without gaps.
 */
export function phaseBands(
  rows: readonly Pick<LossRow, 'x' | 'phase'>[],
  phases: readonly Pick<PhaseSpan, 'phase' | 'label' | 'sourcePhases'>[],
  axisStart = 0,
): PhaseBand[] {
  const lastX = new Map<number, number>();
  for (const r of rows) lastX.set(r.phase, Math.max(lastX.get(r.phase) ?? -Infinity, r.x));
  const bands: PhaseBand[] = [];
  let start = axisStart;
  for (const p of [...phases].sort((a, b) => a.phase - b.phase)) {
    const end = lastX.get(p.phase);
    if (end === undefined) continue;
    bands.push({ phase: p.phase, label: p.label, sourcePhases: p.sourcePhases, x1: Math.min(start, end), x2: end });
    start = end;
  }
  return bands;
}
