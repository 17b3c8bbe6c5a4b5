/**
 * The cut-offs a dataset starts with. The paper's 1.5 / 3.5 are cut-offs on GPT-4's 1–5 difficulty scale; a dataset
 * scored on that scale (its own `score`/`difficulty`/`level` field) keeps them. Other scorers (the heuristic, IFD,
 * response loss) rank records on a scale of their own, where the paper's cut-offs can put every real file in one
 * phase (LLaMA-Factory's Alpaca demo: 2 / 997 / 0). When they would, the dataset starts with equal-size phases
 * instead, and `reason` says why, with the counts the paper's cut-offs gave.
 */
import { planByCutoffs, quantileCutoffs } from './plan';
import { DOMINANT_SHARE } from './warnings';
import type { InstructionRecord } from '../data/record';

export const PAPER_CUTOFFS: readonly number[] = [1.5, 3.5];

export type DefaultCutoffs =
  | { mode: 'cutoffs'; cutoffs: number[]; reason?: undefined }
  | { mode: 'quantiles'; phaseCount: number; cutoffs: number[]; reason: string };

/** The scorers whose scores are on the paper's scale. */
const PAPER_SCALE_SCORERS = new Set(['field']);

export function defaultCutoffs(
  records: readonly InstructionRecord[],
  scores: ArrayLike<number>,
  scorerId: string,
): DefaultCutoffs {
  const paper: DefaultCutoffs = { mode: 'cutoffs', cutoffs: [...PAPER_CUTOFFS] };
  if (PAPER_SCALE_SCORERS.has(scorerId)) return paper;
  let sizes: number[];
  try {
    const plan = planByCutoffs(records, scores, PAPER_CUTOFFS, { scorerId });
    sizes = plan.phases.map((p) => p.recordIds.length + p.heldOutIds.length);
  } catch {
    return paper; // no plan either way: the screen says why
  }
  const scored = sizes.reduce((a, b) => a + b, 0);
  const degenerate = scored > 0 && (sizes.some((n) => n === 0) || sizes.some((n) => n >= DOMINANT_SHARE * scored));
  if (!degenerate) return paper;
  let cutoffs: number[];
  try {
    cutoffs = quantileCutoffs(scores, PAPER_CUTOFFS.length + 1);
  } catch {
    return paper;
  }
  return {
    mode: 'quantiles',
    phaseCount: PAPER_CUTOFFS.length + 1,
    cutoffs,
    reason:
      `Equal-size phases to start with: the ${scorerId} scores are not on the paper's GPT-4 scale, and its cut-offs ` +
      `${PAPER_CUTOFFS.join(' / ')} would make phases of ${sizes.map((n) => n.toLocaleString('en')).join(' / ')} records ` +
      '(no curriculum). “Paper’s 1.5 / 3.5” under Cut-offs puts them back.',
  };
}
