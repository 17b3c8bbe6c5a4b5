/**
 * Comparing two scorers on one dataset, for the UI's "how do these agree?" panel: rank agreement (Spearman), a
 * scatter sample small enough to draw, and the phase each record lands in under each scorer — a confusion table
 * whose diagonal is "same phase either way". Each side keeps its own cut-offs, because two scorers' scales need
 * not match (the heuristic spans ≈1.5–3.5 where a judge uses all of 1–5).
 */
import { phaseOf, validateCutoffs } from '../phases/plan';
import { createRng } from '../util/random';
import { spearman } from './spearman';

export interface ComparedSide {
  /** The scorer's id, carried into the result for labels. */
  id: string;
  /** One per record, NaN = unscored. */
  scores: ArrayLike<number>;
  /** The cut-offs that make this side's phases (as for planByCutoffs). */
  cutoffs: readonly number[];
}

export interface ScatterPoint {
  /** The record's position in the dataset. */
  index: number;
  a: number;
  b: number;
}

export interface ScorerComparison {
  a: string;
  b: string;
  records: number;
  /** Records both scorers rated: the only ones in ρ, the scatter and the table. */
  both: number;
  onlyA: number;
  onlyB: number;
  neither: number;
  /** Spearman ρ over the records both rated; NaN with fewer than 2 or when one side is constant. */
  spearman: number;
  /** At most `maxPoints` of the records both rated, in dataset order. */
  scatter: ScatterPoint[];
  /** True when `scatter` is a sample rather than every record both rated. */
  scatterSampled: boolean;
  /** 0-based phase per record under each scorer; −1 = unscored. */
  phasesA: Int8Array;
  phasesB: Int8Array;
  /** confusion[i][j] = records in phase i+1 under A and phase j+1 under B (records both rated). */
  confusion: number[][];
  /** Share of the records both rated that land in the same phase (only when both sides have as many phases; else NaN). */
  samePhase: number;
  /** Share that land at most one phase apart (same condition). */
  withinOnePhase: number;
}

export interface CompareOptions {
  /** Scatter points kept (default 2 000): enough to see the shape, few enough to draw at once. */
  maxPoints?: number;
  /** Seed of the scatter sample, so the same comparison draws the same points (default 1). */
  seed?: number;
}

function phasesOf(scores: ArrayLike<number>, cutoffs: readonly number[]): Int8Array {
  const out = new Int8Array(scores.length);
  for (let i = 0; i < scores.length; i++) out[i] = Number.isNaN(scores[i]!) ? -1 : phaseOf(scores[i]!, cutoffs);
  return out;
}

export function compareScorers(a: ComparedSide, b: ComparedSide, options: CompareOptions = {}): ScorerComparison {
  const n = a.scores.length;
  if (b.scores.length !== n) {
    throw new RangeError(
      `"${a.id}" has ${n} scores but "${b.id}" has ${b.scores.length}; both must score the same dataset.`,
    );
  }
  validateCutoffs(a.cutoffs);
  validateCutoffs(b.cutoffs);
  const maxPoints = options.maxPoints ?? 2000;
  if (!Number.isInteger(maxPoints) || maxPoints < 0)
    throw new RangeError(`maxPoints must be a whole number ≥ 0, got ${maxPoints}`);

  const phasesA = phasesOf(a.scores, a.cutoffs);
  const phasesB = phasesOf(b.scores, b.cutoffs);
  const kA = a.cutoffs.length + 1;
  const kB = b.cutoffs.length + 1;
  const confusion = Array.from({ length: kA }, () => new Array<number>(kB).fill(0));
  const bothIdx: number[] = [];
  let onlyA = 0;
  let onlyB = 0;
  let neither = 0;
  let same = 0;
  let near = 0;
  for (let i = 0; i < n; i++) {
    const pa = phasesA[i]!;
    const pb = phasesB[i]!;
    if (pa < 0 && pb < 0) neither++;
    else if (pb < 0) onlyA++;
    else if (pa < 0) onlyB++;
    else {
      bothIdx.push(i);
      confusion[pa]![pb]!++;
      if (pa === pb) same++;
      if (Math.abs(pa - pb) <= 1) near++;
    }
  }
  const both = bothIdx.length;

  let chosen = bothIdx;
  if (both > maxPoints) {
    // a partial Fisher–Yates: the first maxPoints slots become a uniform sample, then back into dataset order
    const pool = bothIdx.slice();
    const rng = createRng(options.seed ?? 1);
    for (let i = 0; i < maxPoints; i++) {
      const j = i + rng.int(pool.length - i);
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    chosen = pool.slice(0, maxPoints).sort((x, y) => x - y);
  }
  const scatter = chosen.map((i) => ({ index: i, a: a.scores[i]!, b: b.scores[i]! }));

  const comparable = kA === kB && both > 0;
  return {
    a: a.id,
    b: b.id,
    records: n,
    both,
    onlyA,
    onlyB,
    neither,
    spearman: spearman(a.scores, b.scores),
    scatter,
    scatterSampled: both > maxPoints,
    phasesA,
    phasesB,
    confusion,
    samePhase: comparable ? same / both : Number.NaN,
    withinOnePhase: comparable ? near / both : Number.NaN,
  };
}
