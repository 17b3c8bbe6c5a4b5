/**
 * Statistics over seeds: a mean with its 95% confidence interval from Student's t distribution (the right one for the
 * 3–10 seeds an experiment here can afford; the normal 1.96 would make the interval too narrow), and paired
 * differences against a baseline arm — each seed's arm value minus the same seed's baseline value, so what the seed
 * fixes (initial data order, held-out draw) cancels out.
 *
 * The t quantile is computed, not looked up: Student's t CDF through the regularised incomplete beta function
 * (Lentz's continued fraction, as in Numerical Recipes §6.4), inverted by bisection.
 */

export interface Summary {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1 in the denominator); NaN when n < 2. */
  sd: number;
  /** Standard error sd / √n; NaN when n < 2. */
  se: number;
  /** Half-width of the confidence interval: t(1 − α/2, n − 1) · se; NaN when n < 2 (one seed says nothing about spread). */
  halfWidth: number;
  lo: number;
  hi: number;
  /** The confidence level the interval was computed at (0.95 by default). */
  level: number;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; ~15 significant digits). */
export function lnGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`lnGamma needs x > 0, got ${x}`);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const TINY = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** The regularised incomplete beta function I_x(a, b), x in [0, 1]. */
export function incompleteBeta(a: number, b: number, x: number): number {
  if (!(x >= 0 && x <= 1)) throw new RangeError(`incompleteBeta needs x in [0, 1], got ${x}`);
  if (x === 0 || x === 1) return x;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The continued fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry otherwise.
  return x < (a + 1) / (a + b + 2)
    ? (front * betaContinuedFraction(a, b, x)) / a
    : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom (df > 0, not necessarily an integer). */
export function studentTCdf(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be > 0, got ${df}`);
  if (!Number.isFinite(t)) return t > 0 ? 1 : 0;
  const tail = 0.5 * incompleteBeta(df / 2, 0.5, df / (df + t * t));
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t with `df` degrees of freedom (bisection to ~1e-12). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`quantile level must be in (0, 1), got ${p}`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Mean and `level` (default 95%) t-interval of `values`. NaN values are an error: decide what they mean first. */
export function summarize(values: readonly number[], level = 0.95): Summary {
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
  const n = values.length;
  if (values.some((v) => !Number.isFinite(v)))
    throw new RangeError(`summarize: every value must be a finite number, got [${values.join(', ')}]`);
  if (n === 0) return { n, mean: NaN, sd: NaN, se: NaN, halfWidth: NaN, lo: NaN, hi: NaN, level };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { n, mean, sd: NaN, se: NaN, halfWidth: NaN, lo: NaN, hi: NaN, level };
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  const se = sd / Math.sqrt(n);
  const halfWidth = studentTQuantile(1 - (1 - level) / 2, n - 1) * se;
  return { n, mean, sd, se, halfWidth, lo: mean - halfWidth, hi: mean + halfWidth, level };
}

/**
 * Paired differences arm − baseline, matched by seed: only seeds present in both count. The interval is the
 * t-interval of the per-seed differences (a paired t-test: it excludes 0 exactly when p < 1 − level).
 */
export function pairedDifference(
  arm: ReadonlyMap<number, number> | Readonly<Record<number, number>>,
  baseline: ReadonlyMap<number, number> | Readonly<Record<number, number>>,
  level = 0.95,
): Summary & { seeds: number[]; diffs: number[] } {
  const a = arm instanceof Map ? arm : new Map(Object.entries(arm).map(([k, v]) => [Number(k), v as number]));
  const b =
    baseline instanceof Map ? baseline : new Map(Object.entries(baseline).map(([k, v]) => [Number(k), v as number]));
  const seeds = [...a.keys()].filter((s) => b.has(s)).sort((x, y) => x - y);
  const diffs = seeds.map((s) => a.get(s)! - b.get(s)!);
  return { ...summarize(diffs, level), seeds, diffs };
}

/**
 * "0.412 ± 0.031" (mean ± half-width), or "0.412 (n = 1)" without an interval. `scale` multiplies both (100 for
 * percentages); `digits` after the point.
 */
export function formatSummary(s: Summary, options: { scale?: number; digits?: number; signed?: boolean } = {}): string {
  const k = options.scale ?? 1;
  const d = options.digits ?? 3;
  // Number.isFinite, not isNaN: a summary read back from JSON has null where it had NaN.
  if (!Number.isFinite(s.mean)) return '–';
  const m = s.mean * k;
  const mean = `${options.signed && m > 0 ? '+' : ''}${m.toFixed(d)}`;
  return Number.isFinite(s.halfWidth) ? `${mean} ± ${(s.halfWidth * k).toFixed(d)}` : `${mean} (n = ${s.n})`;
}
