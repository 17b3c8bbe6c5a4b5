import { describe, expect, it } from 'vitest';
import { createRng, deriveSeed, mulberry32, shuffled, shuffleInPlace } from './random';

/** mulberry32 written again with BigInt arithmetic, as an independent check of the 32-bit tricks. */
function mulberry32Reference(seed: number, count: number): number[] {
  const M = 1n << 32n;
  const u32 = (x: bigint): bigint => ((x % M) + M) % M;
  const mul = (x: bigint, y: bigint): bigint => u32(x * y);
  let a = u32(BigInt(seed));
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    a = u32(a + 0x6d2b79f5n);
    let t = mul(a ^ (a >> 15n), 1n | a);
    t = u32(t + mul(t ^ (t >> 7n), 61n | t)) ^ t;
    out.push(Number(t ^ (t >> 14n)) / 2 ** 32);
  }
  return out;
}

describe('mulberry32', () => {
  it('matches an independent BigInt implementation', () => {
    for (const seed of [0, 1, 42, 0xffffffff, 123456789]) {
      const next = mulberry32(seed);
      const ours = Array.from({ length: 5 }, () => next());
      expect(ours).toEqual(mulberry32Reference(seed, 5));
    }
  });

  it('gives the well-known first value for seed 1', () => {
    expect(mulberry32(1)()).toBe(0.6270739405881613);
  });
});

describe('createRng', () => {
  it('is deterministic by seed and differs between seeds', () => {
    const a = createRng(7);
    const b = createRng(7);
    const c = createRng(8);
    const xs = Array.from({ length: 20 }, () => a.next());
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 20 }, () => c.next())).not.toEqual(xs);
  });

  it('int and intBetween stay in range and hit every value', () => {
    const rng = createRng('range');
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = rng.intBetween(3, 7);
      expect(v).toBeGreaterThanOrEqual(3);
      expect(v).toBeLessThanOrEqual(7);
      seen.add(v);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6, 7]);
    expect(() => rng.int(0)).toThrow(/positive integer/);
    expect(() => rng.intBetween(5, 4)).toThrow(/lo ≤ hi/);
    expect(() => rng.pick([])).toThrow(/non-empty/);
  });

  it('chance(p) comes up about p of the time', () => {
    const rng = createRng(11);
    let hits = 0;
    for (let i = 0; i < 10_000; i++) if (rng.chance(0.3)) hits++;
    // mean 3000, sd ≈ 46
    expect(Math.abs(hits - 3000)).toBeLessThan(250);
  });
});

describe('shuffle', () => {
  it('returns a permutation, leaves the input of shuffled() untouched, and is seeded', () => {
    const input = Array.from({ length: 50 }, (_, i) => i);
    const out = shuffled(input, 5);
    expect(input).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect([...out].sort((x, y) => x - y)).toEqual(input);
    expect(out).not.toEqual(input);
    expect(shuffled(input, 5)).toEqual(out);
    expect(shuffled(input, 6)).not.toEqual(out);
  });

  it('puts each element in each position about equally often', () => {
    const counts = [0, 0, 0];
    const rng = createRng(3);
    for (let i = 0; i < 3000; i++) counts[shuffleInPlace(['a', 'b', 'c'], rng).indexOf('a')]!++;
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(120);
  });
});

describe('deriveSeed', () => {
  it('separates labels and parent seeds', () => {
    expect(deriveSeed(1, 'heldout')).toBe(deriveSeed(1, 'heldout'));
    expect(deriveSeed(1, 'heldout')).not.toBe(deriveSeed(1, 'demo'));
    expect(deriveSeed(1, 'heldout')).not.toBe(deriveSeed(2, 'heldout'));
  });
});
