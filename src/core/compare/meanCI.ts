/** Two-sided 95% quantiles of Student's t for 1–30 degrees of freedom (then close to the normal 1.96). */
const T95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export function t95(df: number): number {
  if (df < 1) return Number.NaN;
  return df <= 30 ? T95[df - 1]! : 1.96;
}

export interface MeanCI {
  n: number;
  mean: number;
  /** Half-width of the 95% interval (NaN with a single value: one seed says nothing about the spread). */
  half: number;
  lo: number;
  hi: number;
}

/** Mean and 95% t-interval of a small sample (seeds). */
export function meanCI(values: readonly number[]): MeanCI {
  const n = values.length;
  if (n === 0) return { n, mean: Number.NaN, half: Number.NaN, lo: Number.NaN, hi: Number.NaN };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { n, mean, half: Number.NaN, lo: Number.NaN, hi: Number.NaN };
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
  const half = t95(n - 1) * Math.sqrt(variance / n);
  return { n, mean, half, lo: mean - half, hi: mean + half };
}

/** Paired differences a[i] − b[i] (same seed in both arms), with their mean and 95% interval. */
export function pairedDifference(a: readonly number[], b: readonly number[]): MeanCI {
  if (a.length !== b.length) throw new Error(`Paired difference needs equal lengths (${a.length} vs ${b.length}).`);
  return meanCI(a.map((v, i) => v - b[i]!));
}
