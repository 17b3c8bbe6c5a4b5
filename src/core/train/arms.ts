import type { InstructionRecord } from '../data/record';
import { deriveSeed, shuffled } from '../util/random';

/**
 * Arms: the orders of training stages a run compares. Input: the phases ordered easy → hard (phase 1 = easiest).
 *
 * - `one-off`: every record of every phase, shuffled by seed, as one stage (the paper's baseline).
 * - `easy-to-hard`: phases 1, 2, …, n (the paper's Phased IFT).
 * - `hard-to-easy`: phases n, …, 1.
 * - `random-stages`: n stages of the same sizes as the phases, with random membership (all records shuffled by
 *   seed, then cut into sizes |phase 1|, |phase 2|, …) — the paper's control for "is it the difficulty or the staging?".
 * - `custom`: any order of distinct 1-based phase numbers, e.g. [2, 1, 3]; a subset such as [3] is allowed
 *   (the paper's "stage 3 alone") but then the budget differs from one-off's, which `budgetReport` says.
 *
 * Every stage trains `epochsPerPhase` epochs over its records (the one-off stage too: the same number of passes
 * over each record). With `replayFraction` f > 0, stage k also gets round(f × |records of stages before k|) of those
 * earlier records, sampled by seed; replay adds records, so it also makes the budget differ from one-off's.
 * Empty phases give no stage (noted in `notes`).
 */
export type ArmSpec =
  | { kind: 'one-off' }
  | { kind: 'easy-to-hard' }
  | { kind: 'hard-to-easy' }
  | { kind: 'random-stages' }
  | { kind: 'custom'; order: number[] };

export type ArmKind = ArmSpec['kind'];

export const ARM_KINDS: readonly ArmKind[] = ['one-off', 'easy-to-hard', 'hard-to-easy', 'random-stages', 'custom'];

export interface ArmOptions {
  epochsPerPhase: number;
  /** In [0, 1]; 0 = the paper (no replay). */
  replayFraction: number;
  seed: number;
}

export interface Stage {
  /** 0-based position in the arm. */
  index: number;
  label: string;
  /** 1-based phase numbers whose records this stage holds (all of them for one-off; none for a random stage). */
  sourcePhases: number[];
  /** The stage's records, shuffled by seed: own records first, then replayed ones (before the shuffle). */
  records: InstructionRecord[];
  ownCount: number;
  replayCount: number;
  epochs: number;
}

export interface Arm {
  spec: ArmSpec;
  label: string;
  stages: Stage[];
  /** Records × epochs over all stages: what "equal budgets" compares. */
  budget: number;
  notes: string[];
}

export function armLabel(spec: ArmSpec): string {
  switch (spec.kind) {
    case 'one-off':
      return 'One-off';
    case 'easy-to-hard':
      return 'Easy → hard';
    case 'hard-to-easy':
      return 'Hard → easy';
    case 'random-stages':
      return 'Random stages';
    case 'custom':
      return `Custom ${spec.order.join('-')}`;
  }
}

export function buildArm(phases: readonly (readonly InstructionRecord[])[], spec: ArmSpec, o: ArmOptions): Arm {
  const n = phases.length;
  if (n === 0) throw new Error('An arm needs at least one phase of records.');
  if (!Number.isInteger(o.epochsPerPhase) || o.epochsPerPhase < 1) {
    throw new RangeError(`epochsPerPhase must be a positive integer, got ${o.epochsPerPhase}`);
  }
  if (!(o.replayFraction >= 0 && o.replayFraction <= 1))
    throw new RangeError(`replayFraction must be in [0, 1], got ${o.replayFraction}`);
  const notes: string[] = [];

  // Stages before shuffling: [label, sourcePhases, records].
  let raw: { label: string; sourcePhases: number[]; records: InstructionRecord[] }[];
  switch (spec.kind) {
    case 'one-off':
      raw = [{ label: 'All phases', sourcePhases: phases.map((_, i) => i + 1), records: phases.flat() }];
      break;
    case 'easy-to-hard':
    case 'hard-to-easy':
    case 'custom': {
      const order =
        spec.kind === 'easy-to-hard'
          ? phases.map((_, i) => i + 1)
          : spec.kind === 'hard-to-easy'
            ? phases.map((_, i) => n - i)
            : spec.order;
      validateOrder(order, n);
      raw = order.map((p) => ({ label: `Phase ${p}`, sourcePhases: [p], records: [...phases[p - 1]!] })); // validateOrder: 1 ≤ p ≤ n
      if (spec.kind === 'custom' && order.length < n) {
        notes.push(
          `Custom order ${order.join('-')} leaves out phase(s) ${missing(order, n).join(', ')}: its budget is smaller than one-off's.`,
        );
      }
      break;
    }
    case 'random-stages': {
      const all = shuffled(phases.flat(), deriveSeed(o.seed, 'arm:random-stages'));
      let at = 0;
      raw = phases.map((p, i) => {
        const records = all.slice(at, at + p.length);
        at += p.length;
        return { label: `Random stage ${i + 1}`, sourcePhases: [], records };
      });
      break;
    }
    default:
      throw new Error(
        `Unknown arm kind ${JSON.stringify((spec as { kind: unknown }).kind)}; use one of ${ARM_KINDS.join(', ')}.`,
      );
  }

  for (const r of raw) if (r.records.length === 0) notes.push(`${r.label} has no records and is skipped.`);
  raw = raw.filter((r) => r.records.length > 0);

  const stages: Stage[] = [];
  const earlier: InstructionRecord[] = [];
  raw.forEach((r, index) => {
    let replay: InstructionRecord[] = [];
    if (o.replayFraction > 0 && earlier.length > 0) {
      const k = Math.round(o.replayFraction * earlier.length);
      replay = shuffled(earlier, deriveSeed(o.seed, `arm:replay:${index}`)).slice(0, k);
    }
    const own = r.records;
    earlier.push(...own);
    stages.push({
      index,
      label: r.label,
      sourcePhases: r.sourcePhases,
      records: shuffled([...own, ...replay], deriveSeed(o.seed, `arm:stage:${index}`)),
      ownCount: own.length,
      replayCount: replay.length,
      epochs: o.epochsPerPhase,
    });
  });
  if (o.replayFraction > 0 && spec.kind !== 'one-off')
    notes.push(`Replay ${o.replayFraction} adds earlier records: the budget is larger than one-off's.`);
  const budget = stages.reduce((a, s) => a + s.records.length * s.epochs, 0);
  return { spec, label: armLabel(spec), stages, budget, notes };
}

function validateOrder(order: readonly number[], n: number): void {
  if (!Array.isArray(order) || order.length === 0)
    throw new Error('A custom arm needs a non-empty order of phase numbers, e.g. [2, 1, 3].');
  const seen = new Set<number>();
  for (const p of order) {
    if (!Number.isInteger(p) || p < 1 || p > n)
      throw new RangeError(`Phase number ${p} is out of range: phases are numbered 1 to ${n}.`);
    if (seen.has(p))
      throw new Error(`Phase ${p} appears twice in the order ${order.join('-')}; each phase may appear once.`);
    seen.add(p);
  }
}

function missing(order: readonly number[], n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1).filter((p) => !order.includes(p));
}

export interface BudgetReport {
  equal: boolean;
  budgets: { label: string; budget: number }[];
}

export function budgetReport(arms: readonly Arm[]): BudgetReport {
  const budgets = arms.map((a) => ({ label: a.label, budget: a.budget }));
  return { equal: budgets.every((b) => b.budget === budgets[0]?.budget), budgets };
}

/** Throws unless every arm sees the same number of records × epochs (comparisons are only fair then). */
export function assertEqualBudgets(arms: readonly Arm[]): void {
  const r = budgetReport(arms);
  if (!r.equal) {
    throw new Error(
      `Arms have different budgets (records × epochs): ${r.budgets.map((b) => `${b.label} ${b.budget}`).join(', ')}.`,
    );
  }
}

/**
 * The order in which a stage's records are visited over all its epochs: indices into `stage.records`, each epoch a
 * fresh permutation from (seed, stage, epoch). Pure, so a resumed run recomputes it from the cursor.
 */
export function stageOrder(stage: Stage, seed: number): Int32Array {
  const n = stage.records.length;
  const out = new Int32Array(n * stage.epochs);
  const ids = Array.from({ length: n }, (_, i) => i);
  for (let e = 0; e < stage.epochs; e++) {
    out.set(shuffled(ids, deriveSeed(seed, `order:stage:${stage.index}:epoch:${e}`)), e * n);
  }
  return out;
}

/**
 * The first `share` of each phase's records (at least one): a quicker run that keeps every phase and the arms' equal
 * budgets, since every arm is built from the same shortened phases. `share` is in (0, 1]; 1 keeps everything.
 */
export function shareOfEachPhase<T>(phases: readonly (readonly T[])[], share: number): T[][] {
  if (!(share > 0 && share <= 1))
    throw new RangeError(`The share of each phase must be above 0 and at most 1, got ${share}.`);
  return phases.map((p) => p.slice(0, p.length === 0 ? 0 : Math.max(1, Math.round(share * p.length))));
}
