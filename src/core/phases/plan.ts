/**
 * Segmenting scored records into phases, as in the paper: cut-offs on the 1–5 difficulty scale split the records
 * into disjoint, lower-inclusive ranges, the last one closed at the top. The default cut-offs 1.5 and 3.5 give
 * [1, 1.5) [1.5, 3.5) [3.5, 5]; a score of exactly 3.5 is phase 3.
 *
 * Nothing is dropped silently: records without a score go to `unscored`; scores below 1 sit in phase 1 and above 5
 * in the last phase, and are listed in `outOfRange` so the UI can show them.
 */
import type { InstructionRecord } from '../data/record';
import { pickHeldOut, resolveHeldOutOptions, type HeldOutOptions } from './heldOut';
import { computePhaseStats, type PhaseStats } from './stats';

export type { PhaseStats } from './stats';

export const SCORE_MIN = 1;
export const SCORE_MAX = 5;
export const MIN_PHASES = 2;
export const MAX_PHASES = 6;
/** The paper's cut-offs (chosen by eye from the GPT-4 score histogram of Alpaca). */
export const DEFAULT_CUTOFFS: readonly number[] = [1.5, 3.5];

/** A phase plan that cannot be made as asked; `hint` says what to do instead. */
export class PhasePlanError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'PhasePlanError';
  }
}

export interface Phase {
  /** 1-based, as the paper numbers its stages: `phases[i].index === i + 1`. */
  index: number;
  /** [lo, hi): lower bound included; the last phase also includes hi (= 5). */
  range: [number, number];
  /** Training records of the phase (held-out records excluded), in file order. */
  recordIds: string[];
  /** Held-out records of the phase, in hash order. */
  heldOutIds: string[];
  stats: PhaseStats;
}

export interface HeldOutSplit extends HeldOutOptions {
  /** All held-out ids, phase by phase. */
  recordIds: string[];
}

export interface PhasePlan {
  scorerId: string;
  cutoffs: number[];
  phases: Phase[];
  heldOut: HeldOutSplit;
  /** Records with no score (NaN): in no phase and not held out. */
  unscored: string[];
  /** Scores outside 1–5, kept as they are, with the phase (1-based) they were put in. */
  outOfRange: { id: string; score: number; phase: number }[];
  totalRecords: number;
  scoredRecords: number;
}

export interface PlanOptions {
  /** Which scorer produced `scores` (recorded in the plan and in exports). */
  scorerId: string;
  heldOut?: Partial<HeldOutOptions>;
  /** Example ids per phase in the stats (default 3). */
  examplesPerPhase?: number;
}

/** Throws a {@link PhasePlanError} unless the cut-offs make 2–6 phases, strictly increasing inside (1, 5). */
export function validateCutoffs(cutoffs: readonly number[]): void {
  const phases = cutoffs.length + 1;
  if (phases < MIN_PHASES || phases > MAX_PHASES) {
    throw new PhasePlanError(
      `${cutoffs.length} cut-off${cutoffs.length === 1 ? '' : 's'} would make ${phases} phase${phases === 1 ? '' : 's'}; the studio supports ${MIN_PHASES} to ${MAX_PHASES}.`,
      `Give between ${MIN_PHASES - 1} and ${MAX_PHASES - 1} cut-offs, e.g. 1.5, 3.5 for the paper's three phases.`,
    );
  }
  cutoffs.forEach((c, i) => {
    if (typeof c !== 'number' || !Number.isFinite(c)) {
      throw new PhasePlanError(
        `Cut-off ${i + 1} is ${String(c)}, not a number.`,
        'Every cut-off must be a number between 1 and 5.',
      );
    }
    if (c <= SCORE_MIN || c >= SCORE_MAX) {
      throw new PhasePlanError(
        `Cut-off ${i + 1} is ${c}, outside the open range (${SCORE_MIN}, ${SCORE_MAX}): it would leave a phase with no possible scores.`,
        `Choose cut-offs strictly between ${SCORE_MIN} and ${SCORE_MAX}.`,
      );
    }
    if (i > 0 && c <= cutoffs[i - 1]!) {
      throw new PhasePlanError(
        `Cut-offs must strictly increase, but cut-off ${i + 1} (${c}) is not above cut-off ${i} (${cutoffs[i - 1]}).`,
        'List the cut-offs from easiest to hardest, each larger than the one before.',
      );
    }
  });
}

/** The phases' ranges: [[1, c1], [c1, c2], …, [c_last, 5]] (each lower-inclusive; the last also upper-inclusive). */
export function phaseRanges(cutoffs: readonly number[]): [number, number][] {
  const edges = [SCORE_MIN, ...cutoffs, SCORE_MAX];
  return cutoffs
    .map((_, i) => [edges[i]!, edges[i + 1]!] as [number, number])
    .concat([[edges[cutoffs.length]!, SCORE_MAX]]);
}

/** 0-based phase of a (non-NaN) score: the number of cut-offs ≤ score. Below 1 → 0; above 5 → the last. */
export function phaseOf(score: number, cutoffs: readonly number[]): number {
  let p = 0;
  while (p < cutoffs.length && score >= cutoffs[p]!) p++;
  return p;
}

/** Splits scored records into phases by cut-offs, draws the held-out split and computes per-phase stats. */
export function planByCutoffs(
  records: readonly InstructionRecord[],
  scores: ArrayLike<number>,
  cutoffs: readonly number[] = DEFAULT_CUTOFFS,
  options: PlanOptions,
): PhasePlan {
  validateCutoffs(cutoffs);
  if (scores.length !== records.length) {
    throw new PhasePlanError(
      `There are ${records.length} records but ${scores.length} scores.`,
      'Score the dataset again; the scores belong to another version of it.',
    );
  }
  const heldOutOptions = resolveHeldOutOptions(options.heldOut);
  assertUniqueIds(records);

  const members: number[][] = Array.from({ length: cutoffs.length + 1 }, () => []);
  const unscored: string[] = [];
  const outOfRange: PhasePlan['outOfRange'] = [];
  for (let i = 0; i < records.length; i++) {
    const s = scores[i]!;
    if (Number.isNaN(s)) {
      unscored.push(records[i]!.id);
      continue;
    }
    const p = phaseOf(s, cutoffs);
    members[p]!.push(i);
    if (s < SCORE_MIN || s > SCORE_MAX) outOfRange.push({ id: records[i]!.id, score: s, phase: p + 1 });
  }
  const scoredRecords = records.length - unscored.length;
  const ranges = phaseRanges(cutoffs);

  const phases: Phase[] = members.map((idx, p) => {
    const heldOutIds = pickHeldOut(
      idx.map((i) => records[i]!.id),
      heldOutOptions,
    );
    const heldOut = new Set(heldOutIds);
    const recordIds: string[] = [];
    for (const i of idx) if (!heldOut.has(records[i]!.id)) recordIds.push(records[i]!.id);
    return {
      index: p + 1,
      range: ranges[p]!,
      recordIds,
      heldOutIds,
      stats: computePhaseStats({
        records,
        scores,
        members: idx,
        heldOut,
        scoredTotal: scoredRecords,
        examples: options.examplesPerPhase ?? 3,
        seed: heldOutOptions.seed,
      }),
    };
  });

  return {
    scorerId: options.scorerId,
    cutoffs: [...cutoffs],
    phases,
    heldOut: { ...heldOutOptions, recordIds: phases.flatMap((ph) => ph.heldOutIds) },
    unscored,
    outOfRange,
    totalRecords: records.length,
    scoredRecords,
  };
}

function assertUniqueIds(records: readonly InstructionRecord[]): void {
  const seen = new Set<string>();
  for (let i = 0; i < records.length; i++) {
    const id = records[i]!.id;
    if (seen.has(id)) {
      throw new PhasePlanError(
        `Two records share the id "${id}" (the second is record ${i}); a phase plan names records by id.`,
        'Give every record its own id (the dataset readers do this), then plan again.',
      );
    }
    seen.add(id);
  }
}

/**
 * Cut-offs that split the scored records into `k` phases of (as nearly as possible) equal size — the automatic,
 * balanced segmentation the paper leaves open. Equal scores never straddle a cut-off: when many records share a
 * score, the cut-off goes below or above the whole block, whichever lands closer to the equal-size target.
 * Each cut-off is the shortest decimal strictly between two neighbouring distinct scores (1.5 between 1 and 2).
 * NaN scores are ignored; scores outside 1–5 count as 1 or 5 (the phase they would land in).
 */
export function quantileCutoffs(scores: ArrayLike<number>, k: number): number[] {
  if (!Number.isInteger(k) || k < MIN_PHASES || k > MAX_PHASES) {
    throw new PhasePlanError(`Cannot make ${k} phases.`, `Ask for ${MIN_PHASES} to ${MAX_PHASES} phases.`);
  }
  const values: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (!Number.isNaN(s)) values.push(s < SCORE_MIN ? SCORE_MIN : s > SCORE_MAX ? SCORE_MAX : s);
  }
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  // distinct[i] and below[i] = how many scores are < distinct[i]
  const distinct: number[] = [];
  const below: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) {
      distinct.push(sorted[i]!);
      below.push(i);
    }
  }
  const m = distinct.length;
  if (m < k) {
    throw new PhasePlanError(
      `The scores take only ${m} distinct value${m === 1 ? '' : 's'} (of ${n} scored records), so ${k} non-empty phases are impossible.`,
      m >= MIN_PHASES
        ? `Ask for at most ${m} phases, or set cut-offs by hand.`
        : 'Use a scorer that tells the records apart.',
    );
  }
  const cutoffs: number[] = [];
  let prev = 0;
  for (let j = 1; j < k; j++) {
    const target = (n * j) / k;
    const lo = prev + 1;
    const hi = m - 1 - (k - 1 - j);
    // first index with below[i] >= target, then the closer of it and its left neighbour, kept within [lo, hi]
    let a = lo;
    let b = hi;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (below[mid]! >= target) b = mid;
      else a = mid + 1;
    }
    let best = a;
    if (a - 1 >= lo && Math.abs(below[a - 1]! - target) <= Math.abs(below[a]! - target)) best = a - 1;
    cutoffs.push(shortestBetween(distinct[best - 1]!, distinct[best]!));
    prev = best;
  }
  validateCutoffs(cutoffs);
  return cutoffs;
}

/** The shortest decimal strictly between a and b (a < b), found by rounding their midpoint ever more finely. */
function shortestBetween(a: number, b: number): number {
  const mid = (a + b) / 2;
  for (let digits = 0; digits <= 12; digits++) {
    const c = Number(mid.toFixed(digits));
    if (c > a && c < b) return c;
  }
  return mid;
}

/** {@link planByCutoffs} with {@link quantileCutoffs}: k phases of nearly equal size. */
export function planByQuantiles(
  records: readonly InstructionRecord[],
  scores: ArrayLike<number>,
  k: number,
  options: PlanOptions,
): PhasePlan {
  return planByCutoffs(records, scores, quantileCutoffs(scores, k), options);
}
