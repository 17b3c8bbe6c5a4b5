/** A training curve: loss (or any metric) against tokens seen, x increasing. */
export interface Curve {
  x: readonly number[];
  y: readonly number[];
}

/** Linear interpolation of the curve at `at`; undefined outside its x range (no extrapolation). */
export function interpolate(curve: Curve, at: number): number | undefined {
  const { x, y } = curve;
  if (x.length === 0 || at < x[0]! || at > x[x.length - 1]!) return undefined;
  let lo = 0;
  let hi = x.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x[mid]! <= at) lo = mid;
    else hi = mid;
  }
  if (x[hi] === x[lo]) return y[lo];
  const t = (at - x[lo]!) / (x[hi]! - x[lo]!);
  return y[lo]! + t * (y[hi]! - y[lo]!);
}

/**
 * `points` evenly spaced x values covering the range every curve has reached, so arms are compared at equal tokens
 * seen and never beyond the shortest run.
 */
export function commonGrid(curves: readonly Curve[], points: number): number[] {
  if (curves.length === 0 || curves.some((c) => c.x.length === 0)) return [];
  const start = Math.max(...curves.map((c) => c.x[0]!));
  const end = Math.min(...curves.map((c) => c.x[c.x.length - 1]!));
  if (!(end >= start)) return [];
  if (points <= 1 || end === start) return [start];
  return Array.from({ length: points }, (_, i) => start + ((end - start) * i) / (points - 1));
}
