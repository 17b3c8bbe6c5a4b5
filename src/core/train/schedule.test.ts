import { describe, expect, it } from 'vitest';
import { buildSchedule, lrAt, warmupSteps } from './schedule';

const o = { peakLr: 1, minLrRatio: 0.1, warmupRatio: 0.2 };

describe('lrAt', () => {
  it('warms up linearly, then decays by cosine to the minimum on the last step (hand values)', () => {
    // 10 steps, warm-up ceil(2) = 2: 0.5, 1; decay over 8 steps, p = k/7.
    expect(warmupSteps(10, 0.2)).toBe(2);
    const got = Array.from({ length: 10 }, (_, s) => lrAt(s, 10, o));
    const hand = [
      0.5,
      1,
      1,
      0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI / 7)), // 0.955436...
      0.1 + 0.9 * 0.5 * (1 + Math.cos((2 * Math.PI) / 7)),
      0.1 + 0.9 * 0.5 * (1 + Math.cos((3 * Math.PI) / 7)),
      0.1 + 0.9 * 0.5 * (1 + Math.cos((4 * Math.PI) / 7)),
      0.1 + 0.9 * 0.5 * (1 + Math.cos((5 * Math.PI) / 7)),
      0.1 + 0.9 * 0.5 * (1 + Math.cos((6 * Math.PI) / 7)),
      0.1,
    ];
    for (let i = 0; i < 10; i++) expect(got[i]).toBeCloseTo(hand[i], 12);
    expect(got[3]).toBeCloseTo(0.955436, 6);
    // Midpoint of the decay of a 10-step span with 1 warm-up step: p = (5 − 1) / 8 = 0.5 → (peak + min) / 2.
    expect(lrAt(5, 10, { peakLr: 2, minLrRatio: 0, warmupRatio: 0.1 })).toBeCloseTo(1, 12);
  });

  it('handles no warm-up, a single step, and rejects steps outside the span', () => {
    expect(lrAt(0, 1, { peakLr: 3, minLrRatio: 0, warmupRatio: 0 })).toBe(3);
    expect(lrAt(0, 1, { peakLr: 3, minLrRatio: 0, warmupRatio: 0.1 })).toBe(3); // ceil(0.1) = 1 warm-up step
    expect(lrAt(0, 4, { peakLr: 1, minLrRatio: 0, warmupRatio: 0 })).toBe(1);
    expect(lrAt(3, 4, { peakLr: 1, minLrRatio: 0, warmupRatio: 0 })).toBeCloseTo(0, 15);
    expect(() => lrAt(4, 4, o)).toThrow(/outside/);
    expect(() => lrAt(-1, 4, o)).toThrow(/outside/);
  });
});

describe('buildSchedule', () => {
  it('restarts warm-up + cosine in every phase when asked (the paper)', () => {
    const s = buildSchedule([10, 5], { ...o, restartPerPhase: true });
    expect(s.map((p) => p.length)).toEqual([10, 5]);
    expect(s[0][0]).toBe(0.5);
    expect(s[0][9]).toBeCloseTo(0.1, 12);
    // 5 steps: warm-up ceil(1) = 1 → 1; decay over 4: p = 0, 1/3, 2/3, 1.
    expect(Array.from(s[1])).toEqual([1, 1, 0.1 + 0.45 * (1 + Math.cos(Math.PI / 3)), 0.1 + 0.45 * (1 + Math.cos((2 * Math.PI) / 3)), 0.1].map((x) => expect.closeTo(x, 12)));
  });

  it('spans all phases with one schedule when restart is off', () => {
    const s = buildSchedule([10, 5], { ...o, restartPerPhase: false });
    // 15 steps: warm-up ceil(3) = 3 → 1/3, 2/3, 1; decay over 12 (p = k/11); the second phase starts at global step 10.
    expect(s[0][0]).toBeCloseTo(1 / 3, 12);
    expect(s[0][2]).toBe(1);
    expect(s[1][0]).toBeCloseTo(0.1 + 0.45 * (1 + Math.cos((7 * Math.PI) / 11)), 12);
    expect(s[1][4]).toBeCloseTo(0.1, 12);
  });

  it('rejects nonsense hyper-parameters', () => {
    expect(() => buildSchedule([3], { peakLr: 0, minLrRatio: 0, warmupRatio: 0, restartPerPhase: true })).toThrow(/peak/);
    expect(() => buildSchedule([3], { peakLr: 1, minLrRatio: 2, warmupRatio: 0, restartPerPhase: true })).toThrow(/minLrRatio/);
    expect(() => buildSchedule([3], { peakLr: 1, minLrRatio: 0, warmupRatio: 1, restartPerPhase: true })).toThrow(/warmupRatio/);
  });
});
