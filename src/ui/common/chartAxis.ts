/**
 * Axis domains and ticks for the studio's charts, computed here rather than left to recharts' 'auto': with one
 * point 'auto' made a loss axis read 22314–23145, and its evenly spaced rounded ticks carried no units.
 */

export type AxisScale = 'linear' | 'log';

export interface AxisLayout {
  domain: [number, number];
  ticks: number[];
}

/** 1, 2 or 5 × a power of ten, the step nearest `rough` from above. */
function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  const m = rough / power;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * power;
}

/** Removes float noise (0.30000000000000004) so ticks print as typed. */
const clean = (x: number) => Number(x.toPrecision(12));

/**
 * A linear axis around the finite values: round 1-2-5 ticks, the domain on the outermost ticks. One value (or all
 * equal) gets a band of ±10 % of itself around it (±1 at zero); no value gives [0, 1]. `zero` pins the lower end
 * at 0 (a learning rate, a rate).
 */
export function linearAxis(values: readonly number[], opts: { ticks?: number; zero?: boolean } = {}): AxisLayout {
  const finite = values.filter(Number.isFinite);
  const want = opts.ticks ?? 5;
  if (finite.length === 0) return { domain: [0, 1], ticks: [0, 0.25, 0.5, 0.75, 1] };
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (opts.zero) lo = Math.min(0, lo);
  if (hi - lo <= Math.max(Math.abs(hi), Math.abs(lo)) * 1e-12 || hi - lo < 1e-300) {
    hi = lo;
    const pad = Math.abs(lo) > 1e-300 ? Math.abs(lo) * 0.1 : 1;
    hi += pad;
    lo = opts.zero && lo >= 0 ? 0 : lo - pad;
  }
  const step = niceStep((hi - lo) / Math.max(1, want - 1));
  const first = Math.floor(lo / step + 1e-9) * step;
  const last = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let t = first; t <= last + step / 2; t += step) ticks.push(clean(t));
  return { domain: [ticks[0]!, ticks.at(-1)!], ticks };
}

/**
 * A log axis over the positive finite values (a log scale cannot show zero or less): the domain from the decade
 * step (1, 2, 5) just below the smallest to the one just above the largest, ticks at 1, 2 and 5 of each decade
 * inside it (only the decades when that would be many, every whole multiple when that would be few).
 */
export function logAxis(values: readonly number[]): AxisLayout {
  const positive = values.filter((v) => Number.isFinite(v) && v > 0);
  if (positive.length === 0) return { domain: [0.1, 10], ticks: [0.1, 1, 10] };
  const lo = Math.min(...positive);
  const hi = Math.max(...positive);
  const candidates: number[] = [];
  for (let e = Math.floor(Math.log10(lo)) - 1; e <= Math.ceil(Math.log10(hi)) + 1; e++) {
    for (const m of [1, 2, 5]) candidates.push(clean(m * 10 ** e));
  }
  const below = candidates.filter((c) => c <= lo * (1 + 1e-9)).at(-1)!;
  let above = candidates.find((c) => c >= hi * (1 - 1e-9))!;
  if (above === below) above = candidates[candidates.indexOf(below) + 1]!;
  const inside = candidates.filter((c) => c >= below && c <= above);
  const decades = inside.filter((c) => Number.isInteger(Math.log10(c)) || c === below || c === above);
  if (inside.length > 9) return { domain: [below, above], ticks: decades };
  if (inside.length >= 4) return { domain: [below, above], ticks: inside };
  // A narrow range (2 to 5): every whole multiple of the decade inside it, so the axis has enough to read by.
  const fine: number[] = [];
  for (let e = Math.floor(Math.log10(below)); e <= Math.ceil(Math.log10(above)); e++) {
    for (let m = 1; m <= 9; m++) {
      const c = clean(m * 10 ** e);
      if (c >= below && c <= above) fine.push(c);
    }
  }
  return { domain: [below, above], ticks: fine };
}

/** Decimals needed to write `x` exactly (0.25 → 2), at most 6. */
function decimalsOf(x: number): number {
  for (let d = 0; d < 6; d++) {
    const scaled = x * 10 ** d;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-6 * Math.max(1, scaled)) return d;
  }
  return 6;
}

/** A tick label with a k / M suffix and as many digits as the ticks' spacing needs (1.25k, not 1k twice). */
export function compactNumber(v: number, spacing?: number): string {
  const abs = Math.abs(v);
  const [div, suffix] = abs >= 1e6 ? [1e6, 'M'] : abs >= 1e3 ? [1e3, 'k'] : [1, ''];
  const unitSpacing = spacing !== undefined && spacing > 0 ? spacing / div : undefined;
  const digits = unitSpacing === undefined ? 0 : decimalsOf(unitSpacing);
  const scaled = v / div;
  const text = unitSpacing === undefined ? String(Number(scaled.toPrecision(3))) : scaled.toFixed(digits);
  return `${text}${suffix}`;
}

/** A duration on a time axis: seconds under two minutes, else minutes, else hours (`90 s`, `12.5 min`, `2.1 h`). */
export function durationTick(ms: number): string {
  const s = ms / 1000;
  if (Math.abs(s) < 120) return `${Number(s.toPrecision(3))} s`;
  if (Math.abs(s) < 7200) return `${Number((s / 60).toPrecision(3))} min`;
  return `${Number((s / 3600).toPrecision(3))} h`;
}

/** A learning rate as people write it: 1e-3, 2.5e-4. */
export function lrTick(v: number): string {
  if (v === 0) return '0';
  const [mantissa, exponent] = v.toExponential(2).split('e');
  return `${String(Number(mantissa))}e${Number(exponent)}`;
}

/**
 * An x axis that ends at the data, not at the next round tick (a run at 1.5k tokens is not drawn to 2k): round ticks
 * up to the last value, the domain from the first tick (or value) to the last value.
 */
export function dataEndAxis(values: readonly number[], opts: { ticks?: number; zero?: boolean } = {}): AxisLayout {
  const finite = values.filter(Number.isFinite);
  const layout = linearAxis(finite, opts);
  if (finite.length === 0) return layout;
  const hi = Math.max(...finite);
  const lo = opts.zero ? Math.min(0, ...finite) : Math.min(...finite);
  if (!(hi > lo)) return layout;
  const ticks = layout.ticks.filter((t) => t >= lo - 1e-9 * (hi - lo) && t <= hi + 1e-9 * (hi - lo));
  return { domain: [lo, hi], ticks };
}
