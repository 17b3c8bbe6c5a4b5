/**
 * Automatic cut-offs — the paper picked 1.5 and 3.5 by eye and names that as its main limitation. Two rules, each
 * with a `reason` written for the UI:
 *
 * - **Balanced sizes** (`balanced`): quantile cut-offs ({@link quantileCutoffs}), so every phase holds about the
 *   same number of records. Right when the scale is arbitrary (heuristic, IFD and response-loss ranks) or to give
 *   each stage the same budget; blind to the shape of the distribution.
 * - **Valleys of the distribution** (`valleys`): a Gaussian kernel density estimate of the scores (Silverman's
 *   bandwidth), cut at its k − 1 deepest valleys between peaks. Each phase is then a natural cluster of scores; sizes
 *   can be very unequal, and when the distribution has fewer valleys than asked the suggestion has fewer phases
 *   (and says so).
 *
 * Depth of a valley = its prominence: the lower of the highest densities reached on each side before the curve
 * drops below the valley again, minus the valley's density. A wiggle inside a wide valley therefore counts as
 * shallow, and the deepest point of the valley as deep. Valleys shallower than `minRelativeDepth` (default 5 %) of
 * their lower side are ignored as noise.
 *
 * Like the phase plan, NaN scores are left out and scores outside 1–5 count as 1 or 5 (where they would land).
 */
import { phaseOf, quantileCutoffs, SCORE_MAX, SCORE_MIN, validateCutoffs } from './plan';

export type CutoffMethod = 'balanced' | 'valleys';

export interface CutoffSuggestion {
  method: CutoffMethod;
  /** A short title for the UI. */
  label: string;
  /** False when the rule has no suggestion for these scores (`cutoffs` is then empty; `reason` says why). */
  usable: boolean;
  /** Strictly increasing, inside (1, 5): ready for `planByCutoffs`. May be fewer than asked (see `reason`). */
  cutoffs: number[];
  /** Scored records per resulting phase. */
  sizes: number[];
  /** Why these cut-offs, in words, with the numbers behind them. */
  reason: string;
  /** The density behind a `valleys` suggestion, for plotting under the histogram. */
  density?: DensityCurve;
  /** Every valley found (deepest first), the chosen ones marked. */
  valleys?: Valley[];
}

export interface DensityCurve {
  x: Float64Array;
  y: Float64Array;
  bandwidth: number;
}

export interface Valley {
  at: number;
  density: number;
  /** Prominence, in density units. */
  depth: number;
  /** depth / the lower side's peak density, in [0, 1]. */
  relativeDepth: number;
  chosen: boolean;
}

export interface ValleyOptions {
  /** Kernel width; default Silverman's rule. */
  bandwidth?: number;
  /** Multiplies the bandwidth (e.g. 0.5 to see finer structure); default 1. */
  bandwidthScale?: number;
  /** Valleys shallower than this share of their lower side's peak are noise; default 0.05. */
  minRelativeDepth?: number;
  /** Density evaluation points; default 512 (more when the bandwidth is narrow for the range). */
  gridSize?: number;
}

const fmt = (x: number, digits = 2): string => x.toFixed(digits);
/** A cut-off as text: as it is when short, else ≈ 3 decimals (quantile cut-offs can be long decimals). */
const fmtCut = (c: number): string => (String(c).length <= 5 ? String(c) : `≈${Number(c.toFixed(3))}`);
const count = (n: number): string => n.toLocaleString('en-US').replace(/,/g, ' ');

function scoredValues(scores: ArrayLike<number>): Float64Array {
  const values: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (!Number.isNaN(s)) values.push(s < SCORE_MIN ? SCORE_MIN : s > SCORE_MAX ? SCORE_MAX : s);
  }
  return Float64Array.from(values).sort();
}

/** Scored records per phase under these cut-offs. */
export function phaseSizes(scores: ArrayLike<number>, cutoffs: readonly number[]): number[] {
  const sizes = new Array<number>(cutoffs.length + 1).fill(0);
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (!Number.isNaN(s)) sizes[phaseOf(s, cutoffs)]!++;
  }
  return sizes;
}

function quantileOfSorted(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * Silverman's rule of thumb: h = 0.9 · min(σ, IQR / 1.34) · n^(−1/5). When one of σ and IQR/1.34 is 0 (more than
 * half the scores equal) the other is used; 0 when all scores are equal or fewer than 2.
 */
export function silvermanBandwidth(values: ArrayLike<number>): number {
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  const n = sorted.length;
  if (n < 2) return 0;
  let mean = 0;
  for (const v of sorted) mean += v;
  mean /= n;
  let ss = 0;
  for (const v of sorted) ss += (v - mean) ** 2;
  const sd = Math.sqrt(ss / (n - 1));
  const iqr = (quantileOfSorted(sorted, 0.75) - quantileOfSorted(sorted, 0.25)) / 1.34;
  const spread = sd > 0 && iqr > 0 ? Math.min(sd, iqr) : Math.max(sd, iqr);
  return 0.9 * spread * n ** -0.2;
}

/**
 * Gaussian KDE of `sorted` at `gridSize` evenly spaced points over [min − 3h, max + 3h], integrating to 1. The
 * values are first spread onto the grid by linear binning (Wand, 1994), so the cost is grid² rather than
 * n · grid — 52 000 scores take a few milliseconds. The grid is refined until its step is at most h / 4.
 */
export function gaussianKde(sorted: Float64Array, bandwidth: number, gridSize = 512): DensityCurve {
  const n = sorted.length;
  const h = bandwidth;
  const lo = sorted[0]! - 3 * h;
  const hi = sorted[n - 1]! + 3 * h;
  let G = gridSize;
  while ((hi - lo) / (G - 1) > h / 4 && G < 16384) G *= 2;
  const step = (hi - lo) / (G - 1);
  const weights = new Float64Array(G);
  for (const v of sorted) {
    const pos = (v - lo) / step;
    const i = Math.min(G - 2, Math.floor(pos));
    const f = pos - i;
    weights[i]! += 1 - f;
    weights[i + 1]! += f;
  }
  const reach = Math.ceil((5 * h) / step);
  const kernel = new Float64Array(reach + 1);
  const norm = 1 / (n * h * Math.sqrt(2 * Math.PI));
  for (let d = 0; d <= reach; d++) kernel[d] = norm * Math.exp(-0.5 * ((d * step) / h) ** 2);
  const x = new Float64Array(G);
  const y = new Float64Array(G);
  for (let g = 0; g < G; g++) {
    x[g] = lo + g * step;
    let sum = 0;
    const a = Math.max(0, g - reach);
    const b = Math.min(G - 1, g + reach);
    for (let j = a; j <= b; j++) if (weights[j]! !== 0) sum += weights[j]! * kernel[Math.abs(g - j)]!;
    y[g] = sum;
  }
  return { x, y, bandwidth: h };
}

interface Extremum {
  index: number;
  kind: 'min' | 'max';
}

/** Local minima and maxima of y, a plateau counted once (at its middle). */
function extrema(y: Float64Array): Extremum[] {
  const out: Extremum[] = [];
  let i = 1;
  while (i < y.length - 1) {
    let j = i;
    while (j + 1 < y.length - 1 && y[j + 1] === y[i]) j++; // plateau i..j
    const left = y[i - 1]!;
    const right = y[j + 1]!;
    const mid = (i + j) >> 1;
    if (left > y[i]! && right > y[i]!) out.push({ index: mid, kind: 'min' });
    else if (left < y[i]! && right < y[i]!) out.push({ index: mid, kind: 'max' });
    i = j + 1;
  }
  return out;
}

/** The valley's prominence: on each side, the highest density before the curve drops below the valley again. */
function valleyDepth(y: Float64Array, v: number): { depth: number; side: number } {
  const base = y[v]!;
  let leftMax = base;
  for (let i = v - 1; i >= 0 && y[i]! >= base; i--) leftMax = Math.max(leftMax, y[i]!);
  let rightMax = base;
  for (let i = v + 1; i < y.length && y[i]! >= base; i++) rightMax = Math.max(rightMax, y[i]!);
  const side = Math.min(leftMax, rightMax);
  return { depth: side - base, side };
}

/** The minimum of the parabola through three grid points (a grid step's precision is not enough for 2 decimals). */
function refine(x: Float64Array, y: Float64Array, i: number): number {
  if (i <= 0 || i >= x.length - 1) return x[i]!;
  const denom = y[i - 1]! - 2 * y[i]! + y[i + 1]!;
  if (denom <= 0) return x[i]!;
  const offset = (0.5 * (y[i - 1]! - y[i + 1]!)) / denom;
  return x[i]! + Math.max(-1, Math.min(1, offset)) * (x[1]! - x[0]!);
}

/** Rounds to 2 decimals when that keeps the cut-offs valid and in the same places between data, else 3, else none. */
function tidyCutoffs(raw: number[], sorted: Float64Array): number[] {
  const below = (c: number) => {
    let a = 0;
    let b = sorted.length;
    while (a < b) {
      const m = (a + b) >> 1;
      if (sorted[m]! < c) a = m + 1;
      else b = m;
    }
    return a;
  };
  for (const digits of [2, 3]) {
    const rounded = raw.map((c) => Number(c.toFixed(digits)));
    const valid = rounded.every((c, i) => c > SCORE_MIN && c < SCORE_MAX && (i === 0 || c > rounded[i - 1]!));
    if (valid && rounded.every((c, i) => below(c) === below(raw[i]!))) return rounded;
  }
  return raw;
}

/** Quantile cut-offs for k phases of (nearly) equal size, explained. */
export function balancedCutoffs(scores: ArrayLike<number>, k: number): CutoffSuggestion {
  const label = 'Balanced sizes';
  const n = scoredValues(scores).length;
  let cutoffs: number[];
  try {
    cutoffs = quantileCutoffs(scores, k);
  } catch (error) {
    const e = error as Error & { hint?: string };
    return {
      method: 'balanced',
      label,
      usable: false,
      cutoffs: [],
      sizes: [],
      reason: `${e.message}${e.hint ? ` ${e.hint}` : ''}`,
    };
  }
  const sizes = phaseSizes(scores, cutoffs);
  const target = n / k;
  const uneven = Math.max(...sizes.map((s) => Math.abs(s - target))) > Math.max(1, 0.02 * target);
  const reason =
    `Quantile cut-offs ${cutoffs.map(fmtCut).join(', ')} put about 1/${k} of the ${count(n)} scored records in each phase ` +
    `(${sizes.map(count).join(' / ')}).` +
    (uneven ? ' Records with the same score are never split between phases, so the sizes are not exactly equal.' : '') +
    ' Every stage gets the same budget; the cuts ignore the shape of the distribution, so neighbouring phases may hold similar scores.' +
    ' The right choice when the scale is arbitrary (heuristic, IFD, response loss).';
  return { method: 'balanced', label, usable: true, cutoffs, sizes, reason };
}

/** Cut-offs at the k − 1 deepest valleys of the score density, explained. */
export function valleyCutoffs(scores: ArrayLike<number>, k: number, options: ValleyOptions = {}): CutoffSuggestion {
  const label = 'Valleys of the score distribution';
  const base = { method: 'valleys' as const, label };
  if (!Number.isInteger(k) || k < 2 || k > 6) {
    return { ...base, usable: false, cutoffs: [], sizes: [], reason: `Cannot make ${k} phases; ask for 2 to 6.` };
  }
  const sorted = scoredValues(scores);
  const n = sorted.length;
  const silverman = silvermanBandwidth(sorted);
  const h = (options.bandwidth ?? silverman) * (options.bandwidthScale ?? 1);
  if (n < 3 || !(h > 0)) {
    const why = n < 3 ? `only ${n} scored record${n === 1 ? '' : 's'}` : 'every scored record has the same score';
    return { ...base, usable: false, cutoffs: [], sizes: [], reason: `No distribution to cut: ${why}.` };
  }
  const density = gaussianKde(sorted, h, options.gridSize ?? 512);
  const { x, y } = density;
  const minRel = options.minRelativeDepth ?? 0.05;
  const ext = extrema(y);
  const valleys: Valley[] = ext
    .filter((e) => e.kind === 'min')
    .map((e) => {
      const { depth, side } = valleyDepth(y, e.index);
      return {
        at: refine(x, y, e.index),
        density: y[e.index]!,
        depth,
        relativeDepth: side > 0 ? depth / side : 0,
        chosen: false,
      };
    })
    .filter((v) => v.at > SCORE_MIN && v.at < SCORE_MAX)
    .sort((a, b) => b.depth - a.depth);
  const deep = valleys.filter((v) => v.relativeDepth >= minRel);
  const chosen = deep.slice(0, k - 1).sort((a, b) => a.at - b.at);
  for (const v of chosen) v.chosen = true;

  // The clear peaks: the highest point between consecutive deep valleys (other local maxima are minor bumps).
  const bounds = [x[0]!, ...deep.map((v) => v.at).sort((a, b) => a - b), x[x.length - 1]!];
  const maxima = ext.filter((e) => e.kind === 'max');
  const peaks: number[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const inside = maxima.filter((e) => x[e.index]! > bounds[i]! && x[e.index]! < bounds[i + 1]!);
    if (inside.length > 0) peaks.push(x[inside.reduce((a, b) => (y[b.index]! > y[a.index]! ? b : a)).index]!);
  }
  const minor = maxima.length - peaks.length;

  const scaled = options.bandwidthScale !== undefined && options.bandwidthScale !== 1;
  const hText =
    options.bandwidth !== undefined
      ? `bandwidth h = ${fmt(h, 3)}, set by hand`
      : scaled
        ? `bandwidth h = ${fmt(h, 3)}, ${options.bandwidthScale} × Silverman's ${fmt(silverman, 3)}`
        : `Silverman bandwidth h = ${fmt(h, 3)}`;
  const peakText =
    `${peaks.length} clear peak${peaks.length === 1 ? '' : 's'} (at ${peaks.map((p) => fmt(p)).join(', ')})` +
    (minor > 0 ? ` and ${minor} minor bump${minor === 1 ? '' : 's'}` : '');
  const lead = `A Gaussian kernel density estimate of the ${count(n)} scored records (${hText}) has ${peakText}`;
  if (chosen.length === 0) {
    const shallow =
      valleys.length > 0
        ? `; its valleys are all shallower than ${Math.round(minRel * 100)} % of the peaks beside them (noise)`
        : '';
    return {
      ...base,
      usable: false,
      cutoffs: [],
      sizes: [],
      density,
      valleys,
      reason: `${lead}${shallow}: there is no natural place to cut. Use balanced sizes, set cut-offs by hand, or try a narrower bandwidth (Silverman's rule assumes one bell-shaped peak and tends to smooth several into one).`,
    };
  }
  let cutoffs = tidyCutoffs(
    chosen.map((v) => v.at),
    sorted,
  );
  try {
    validateCutoffs(cutoffs);
  } catch {
    cutoffs = chosen.map((v) => v.at);
  }
  cutoffs.forEach((c, i) => (chosen[i]!.at = c));
  const sizes = phaseSizes(scores, cutoffs);
  const each = chosen
    .map((v) => `${fmt(v.at)} (density ${Math.round((1 - v.relativeDepth) * 100)} % of the lower peak beside it)`)
    .join(' and ');
  const fewer =
    chosen.length < k - 1
      ? ` Only ${chosen.length} valley${chosen.length === 1 ? ' is' : 's are'} deep enough (at least ${Math.round(minRel * 100)} % below the lower peak beside ${chosen.length === 1 ? 'it' : 'them'}), so this suggests ${chosen.length + 1} phases instead of ${k}; use balanced sizes for exactly ${k}.`
      : '';
  const reason =
    `${lead}. The cut-off${chosen.length === 1 ? ' sits at its deepest valley' : `s sit at its ${chosen.length} deepest valleys`}, ${each}, ` +
    `giving phases of ${sizes.map(count).join(' / ')} records.${fewer}` +
    ' Records on either side of a deep valley differ clearly in score, so each phase is a natural group; the sizes follow the data and can be very unequal.';
  return { ...base, usable: true, cutoffs, sizes, reason, density, valleys };
}

/** Both suggestions for k phases, balanced first. */
export function suggestCutoffs(scores: ArrayLike<number>, k: number, options: ValleyOptions = {}): CutoffSuggestion[] {
  return [balancedCutoffs(scores, k), valleyCutoffs(scores, k, options)];
}
