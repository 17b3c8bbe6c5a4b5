/**
 * A small seeded PRNG and the helpers built on it. Every random choice in the studio (the demo suite, the held-out
 * split's tie-breaks, batch order in training) goes through here so a run is reproducible from its seed.
 */
import { fmix32, fnv1a32 } from './hash';

/**
 * mulberry32 (Tommy Ettinger): 32 bits of state, period 2^32, passes gjrand's tests at the sizes used here.
 * Returns a function yielding floats in [0, 1) with 32 bits of randomness.
 */
export function mulberry32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n); `n` must be a positive integer. */
  int(n: number): number;
  /** An integer in [lo, hi], both ends included. */
  intBetween(lo: number, hi: number): number;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** True with probability `p`. */
  chance(p: number): boolean;
}

/** A seeded generator; a string seed is hashed first so "demo" and "demo-2" give unrelated streams. */
export function createRng(seed: number | string): Rng {
  const next = mulberry32(typeof seed === 'string' ? fnv1a32(seed) : seed);
  const int = (n: number): number => {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`Rng.int needs a positive integer, got ${n}`);
    return Math.floor(next() * n);
  };
  return {
    next,
    int,
    intBetween: (lo, hi) => {
      if (hi < lo) throw new RangeError(`Rng.intBetween needs lo ≤ hi, got ${lo} > ${hi}`);
      return lo + int(hi - lo + 1);
    },
    pick: (items) => {
      if (items.length === 0) throw new RangeError('Rng.pick needs a non-empty array');
      return items[int(items.length)]!;
    },
    chance: (p) => next() < p,
  };
}

/**
 * Derives an independent seed for a named sub-stream ("heldout", "phase-2", …) so that adding a consumer of
 * randomness in one place does not shift the stream everywhere else.
 */
export function deriveSeed(seed: number, label: string): number {
  return fmix32(fnv1a32(label, seed) ^ Math.imul(seed | 0, 0x9e3779b1));
}

/** Fisher–Yates, in place; returns the same array. */
export function shuffleInPlace<T>(items: T[], rng: Rng | (() => number)): T[] {
  const next = typeof rng === 'function' ? rng : rng.next;
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const tmp = items[i]!;
    items[i] = items[j]!;
    items[j] = tmp;
  }
  return items;
}

/** A shuffled copy; the input is left as it was. */
export function shuffled<T>(items: readonly T[], seed: number | string): T[] {
  return shuffleInPlace(items.slice(), createRng(seed));
}
