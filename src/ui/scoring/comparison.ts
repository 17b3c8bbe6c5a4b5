/**
 * Choices behind the scorer-comparison panel, apart from React: which two scorers to show first, and the cut-offs
 * that turn each side's scores into phases.
 */
import { quantileCutoffs } from '../../core/phases/plan';

/**
 * `phases`: the cut-offs the phases use now, on both sides (right when both scorers use the same 1–5 meaning, e.g.
 * a judge and the file's GPT-4 scores). `balanced`: each side its own quantile cut-offs for the same number of phases
 * (right when a scale is arbitrary — heuristic, IFD and response-loss ranks): the table then asks "do they put
 * the same records in the easiest third?".
 */
export type ComparisonCutoffRule = 'phases' | 'balanced';

export type SideCutoffs = { ok: true; cutoffs: number[] } | { ok: false; message: string };

export function sideCutoffs(
  scores: ArrayLike<number>,
  rule: ComparisonCutoffRule,
  phaseCutoffs: readonly number[],
): SideCutoffs {
  if (rule === 'phases') return { ok: true, cutoffs: [...phaseCutoffs] };
  try {
    return { ok: true, cutoffs: quantileCutoffs(scores, phaseCutoffs.length + 1) };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

/**
 * The pair shown first: the scorer the phases use, against (in this order of preference) the judge, IFD, response
 * loss, the file's own scores, the heuristic, else the first other scorer. Undefined with fewer than two scorers.
 */
export function defaultPair(
  scorerIds: readonly string[],
  phaseScorer: string | undefined,
): [string, string] | undefined {
  if (scorerIds.length < 2) return undefined;
  const a = phaseScorer !== undefined && scorerIds.includes(phaseScorer) ? phaseScorer : scorerIds[0]!;
  const others = scorerIds.filter((id) => id !== a);
  const preferred = ['judge', 'ifd', 'response-loss', 'field', 'heuristic'].find((id) => others.includes(id));
  return [a, preferred ?? others[0]!];
}
