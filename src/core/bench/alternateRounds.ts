/**
 * Variants that cannot share one worker (wasm's thread count is fixed when a worker first starts the backend), timed
 * in alternation all the same: round r measures variant 0, 1, … once each, so load drifting on a shared machine slows
 * every variant alike. The figure per variant is the median over rounds; the ratio to the first variant is the median
 * of the per-round ratios, which drift does not skew the way a ratio of medians can be skewed.
 */
import { median } from './median';

export interface AlternatedVariant<V> {
  label: string;
  variant: V;
  /** ms per step in each round. */
  runMsPerStep: number[];
  msPerStep: number;
  /** What the last measurement said beyond its time (e.g. the threads that ran). */
  last?: unknown;
}

export interface AlternatedRounds<V> {
  variants: AlternatedVariant<V>[];
  /** Per variant: the median over rounds of its time / the first variant's time in the same round. */
  ratioToFirst: number[];
}

export async function alternateRounds<V>(
  variants: { label: string; variant: V }[],
  rounds: number,
  measure: (variant: V) => Promise<{ msPerStep: number; detail?: unknown }>,
  onRound: (message: string) => void = () => {},
): Promise<AlternatedRounds<V>> {
  const out: AlternatedVariant<V>[] = variants.map((v) => ({ ...v, runMsPerStep: [], msPerStep: NaN }));
  const ratios: number[][] = variants.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (const v of out) {
      const m = await measure(v.variant);
      v.runMsPerStep.push(m.msPerStep);
      v.last = m.detail;
    }
    for (let i = 0; i < out.length; i++) ratios[i]!.push(out[i]!.runMsPerStep[r]! / out[0]!.runMsPerStep[r]!);
    onRound(`round ${r + 1}/${rounds}: ${out.map((v) => `${v.label} ${v.runMsPerStep[r]!.toFixed(0)} ms`).join(', ')}`);
  }
  for (const v of out) v.msPerStep = median(v.runMsPerStep);
  return { variants: out, ratioToFirst: ratios.map(median) };
}
