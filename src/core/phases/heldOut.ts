/**
 * The held-out split: a fixed set of records, drawn from every phase, that no arm trains on, so arms are compared
 * on the same records. Within each phase the records with the smallest seeded hash of their id are held out
 * ("bottom-k by hash"). The choice therefore depends on ids and the seed only — not on file order — and moving a
 * cut-off barely changes it: a phase whose members do not change keeps exactly the same held-out records, and a
 * record that stays in its phase stays held out unless the phase's quota or its rank among the smallest hashes moves.
 */
import { hashUnit } from '../util/hash';

export interface HeldOutOptions {
  /** Share of each phase to hold out, in [0, 0.5]. Default 0.05. */
  fraction: number;
  /** Seed of the id hash; change it to draw a different (equally valid) held-out set. Default 0. */
  seed: number;
  /** At most this many held-out records per phase. Default 500. */
  maxPerPhase: number;
}

export const DEFAULT_HELD_OUT: Readonly<HeldOutOptions> = { fraction: 0.05, seed: 0, maxPerPhase: 500 };

export function resolveHeldOutOptions(options: Partial<HeldOutOptions> = {}): HeldOutOptions {
  const resolved = { ...DEFAULT_HELD_OUT, ...options };
  const { fraction, seed, maxPerPhase } = resolved;
  if (!(fraction >= 0 && fraction <= 0.5)) {
    throw new RangeError(`Held-out fraction must be between 0 and 0.5, got ${fraction}.`);
  }
  if (!Number.isInteger(seed)) throw new RangeError(`Held-out seed must be an integer, got ${seed}.`);
  if (!Number.isInteger(maxPerPhase) || maxPerPhase < 0) {
    throw new RangeError(`Held-out maxPerPhase must be a non-negative integer, got ${maxPerPhase}.`);
  }
  return resolved;
}

/**
 * How many of a phase's `n` records to hold out: round(fraction × n), at least 1 when the phase has 2 or more
 * records (and the fraction is not 0), never more than `maxPerPhase`, and never the whole phase.
 */
export function heldOutQuota(n: number, options: HeldOutOptions): number {
  if (n < 2 || options.fraction === 0 || options.maxPerPhase === 0) return 0;
  const k = Math.max(1, Math.round(options.fraction * n));
  return Math.min(k, options.maxPerPhase, n - 1);
}

/**
 * The held-out ids of one phase: the `heldOutQuota` ids with the smallest `hashUnit(id, seed)` (ties by id),
 * in that hash order.
 */
export function pickHeldOut(ids: readonly string[], options: HeldOutOptions): string[] {
  const k = heldOutQuota(ids.length, options);
  if (k === 0) return [];
  const keys = new Float64Array(ids.length);
  for (let i = 0; i < ids.length; i++) keys[i] = hashUnit(ids[i]!, options.seed);
  // Only the k smallest are needed: keep candidates under a threshold that surely holds k of them, sort those.
  let threshold = Math.min(1, (k / ids.length) * 2 + 0.01);
  let candidates: number[] = [];
  for (;;) {
    candidates = [];
    for (let i = 0; i < ids.length; i++) if (keys[i]! < threshold) candidates.push(i);
    if (candidates.length >= k || threshold >= 1) break;
    threshold = Math.min(1, threshold * 2);
  }
  candidates.sort((a, b) => keys[a]! - keys[b]! || (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : 0));
  return candidates.slice(0, k).map((i) => ids[i]!);
}
