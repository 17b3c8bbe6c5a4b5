/**
 * Bins for the score histogram the user picks cut-offs from. Bins are lower-inclusive like the phases, the last
 * bin closed at the top, so a score of exactly 5 is counted and a bin never straddles a cut-off placed on a bin edge.
 */
import { SCORE_MAX, SCORE_MIN } from './plan';

export interface HistogramBin {
  lo: number;
  hi: number;
  count: number;
}

export interface ScoreHistogram {
  binWidth: number;
  bins: HistogramBin[];
  /** Scores below the first bin (< 1 by default). */
  under: number;
  /** Scores above the last bin (> 5 by default). */
  over: number;
  /** NaN scores. */
  unscored: number;
  total: number;
}

export interface HistogramOptions {
  /** Default 0.25 (16 bins over 1–5). Must divide hi − lo into a whole number of bins. */
  binWidth?: number;
  lo?: number;
  hi?: number;
}

export function scoreHistogram(scores: ArrayLike<number>, options: HistogramOptions = {}): ScoreHistogram {
  const binWidth = options.binWidth ?? 0.25;
  const lo = options.lo ?? SCORE_MIN;
  const hi = options.hi ?? SCORE_MAX;
  const exact = (hi - lo) / binWidth;
  const nBins = Math.round(exact);
  if (!(binWidth > 0) || !(hi > lo) || nBins < 1 || Math.abs(exact - nBins) > 1e-9) {
    throw new RangeError(`Bin width ${binWidth} does not divide [${lo}, ${hi}] into whole bins.`);
  }
  // Edges computed one way only, so a score on an edge always lands in the bin that starts there.
  const edge = (i: number): number => (i === nBins ? hi : lo + i * binWidth);
  const bins: HistogramBin[] = Array.from({ length: nBins }, (_, i) => ({ lo: edge(i), hi: edge(i + 1), count: 0 }));
  let under = 0;
  let over = 0;
  let unscored = 0;
  for (let k = 0; k < scores.length; k++) {
    const s = scores[k]!;
    if (Number.isNaN(s)) unscored++;
    else if (s < lo) under++;
    else if (s > hi) over++;
    else {
      let i = Math.min(nBins - 1, Math.floor((s - lo) / binWidth));
      if (i < nBins - 1 && s >= edge(i + 1)) i++;
      else if (i > 0 && s < edge(i)) i--;
      bins[i]!.count++;
    }
  }
  return { binWidth, bins, under, over, unscored, total: scores.length };
}
