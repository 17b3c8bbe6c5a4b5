/** Small helpers of the cut-off suggestions panel, apart from React. */
import type { DensityCurve } from '../../core/phases/autoCutoffs';

/** Equal cut-off lists (to the 6th decimal: quantile cut-offs are long decimals). */
export function sameCutoffs(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => Math.abs(x - b[i]!) < 1e-6);
}

/** At most `max` evenly spaced points of a density curve, for drawing (the curve may hold thousands). */
export function densityPoints(density: DensityCurve, max: number): { x: number; y: number }[] {
  const n = density.x.length;
  if (n === 0) return [];
  const step = Math.max(1, Math.ceil(n / max));
  const out: { x: number; y: number }[] = [];
  for (let i = 0; i < n; i += step) out.push({ x: density.x[i]!, y: density.y[i]! });
  if ((n - 1) % step !== 0) out.push({ x: density.x[n - 1]!, y: density.y[n - 1]! });
  return out;
}
