/**
 * A small seeded PRNG for data order (mulberry32: 32-bit state, fast, good enough for shuffling).
 * Lives in train/ because the shared `core/util/random.ts` did not exist when the runner was written; the data order
 * of a run depends on this exact generator, so changing it changes every run's order (and resumes across versions).
 */
export class Rng {
  private s: number;

  constructor(seed: number) {
    this.s = hashSeed(seed);
  }

  /** A uint32 that captures the generator's whole state, for checkpoints. */
  get state(): number {
    return this.s >>> 0;
  }

  static fromState(state: number): Rng {
    const r = new Rng(0);
    r.s = state >>> 0;
    return r;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) | 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Fisher–Yates, in place; returns the array. */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = a[i];
      a[i] = a[j];
      a[j] = tmp;
    }
    return a;
  }
}

/** Mixes a user seed (any finite number) and optional stream labels into a 32-bit state. */
export function hashSeed(seed: number, ...streams: (number | string)[]): number {
  let h = 0x811c9dc5 ^ (Math.floor(seed) >>> 0) ^ Math.floor(seed / 4294967296);
  const mix = (x: number) => {
    h = Math.imul(h ^ x, 0x01000193);
    h ^= h >>> 13;
    h = Math.imul(h, 0x5bd1e995);
    h ^= h >>> 15;
  };
  mix(Math.floor(seed) >>> 0);
  for (const s of streams) {
    if (typeof s === 'number') mix(s >>> 0);
    else for (let i = 0; i < s.length; i++) mix(s.charCodeAt(i));
    mix(0x9e3779b9);
  }
  return h >>> 0;
}

/** A generator for one named stream of a run (e.g. the order of phase 2), independent of every other stream. */
export function streamRng(seed: number, ...streams: (number | string)[]): Rng {
  return Rng.fromState(hashSeed(seed, ...streams));
}
