import { describe, expect, it } from 'vitest';
import { aIsLeft, winRate } from './winRate';

describe('winRate', () => {
  it('follows the paper: (wins + ties/2) / N − 0.5', () => {
    // 5 wins, 2 ties, 3 losses over 10 prompts → (5 + 1) / 10 − 0.5 = +0.1
    const r = winRate(['A', 'A', 'A', 'A', 'A', 'tie', 'tie', 'B', 'B', 'B']);
    expect([r.wins, r.ties, r.losses, r.n]).toEqual([5, 2, 3, 10]);
    expect(r.winRate).toBeCloseTo(0.1, 12);
    expect(r.interval.mean).toBeCloseTo(0.1, 12);
    expect(r.interval.lo).toBeLessThan(0.1);
    expect(r.interval.hi).toBeGreaterThan(0.1);
  });
  it('is 0 at parity and ±0.5 at a sweep', () => {
    expect(winRate(['A', 'B']).winRate).toBe(0);
    expect(winRate(['tie', 'tie']).winRate).toBe(0);
    expect(winRate(['A', 'A', 'A']).winRate).toBe(0.5);
    expect(winRate(['B']).winRate).toBe(-0.5);
    expect(Number.isNaN(winRate([]).winRate)).toBe(true);
  });
});

describe('aIsLeft', () => {
  it('is stable per prompt and mixes sides across prompts', () => {
    expect(aIsLeft('17', 3)).toBe(aIsLeft('17', 3));
    const sides = Array.from({ length: 200 }, (_, i) => aIsLeft(String(i), 3));
    const left = sides.filter(Boolean).length;
    expect(left).toBeGreaterThan(60);
    expect(left).toBeLessThan(140);
  });
});
