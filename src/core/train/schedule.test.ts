import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildSchedule, lrAt, warmupSteps } from './schedule';

const o = { peakLr: 1, minLrRatio: 0.1, warmupRatio: 0.2 };

/** The LRs the Trainer's own scheduler gives (python/make_golden.py). */
const golden = JSON.parse(readFileSync(new URL('../golden/schedule.json', import.meta.url), 'utf8')) as {
  transformers: string;
  cases: {
    steps: number;
    warmupRatio: number;
    minLrRatio: number;
    peakLr: number;
    warmupSteps: number;
    lrs: number[];
  }[];
};

describe('lrAt', () => {
  it("is the Trainer's cosine_with_min_lr schedule, step by step (golden from transformers' scheduler)", () => {
    expect(golden.cases.length).toBeGreaterThanOrEqual(8);
    const trainerRule = golden.cases.filter((c) => c.steps * c.warmupRatio >= 1 || c.warmupRatio === 0);
    expect(trainerRule.length).toBeGreaterThanOrEqual(6);
    for (const c of trainerRule) {
      const label = `${c.steps} steps, warm-up ${c.warmupRatio}, floor ${c.minLrRatio}`;
      expect(warmupSteps(c.steps, c.warmupRatio), label).toBe(c.warmupSteps);
      const ours = buildSchedule([c.steps], { ...c, restartPerPhase: true })[0]!;
      expect(ours.length).toBe(c.lrs.length);
      c.lrs.forEach((lr, s) =>
        expect(ours[s], `${label}, step ${s}`).toBeCloseTo(lr, 12 - Math.max(0, Math.round(Math.log10(c.peakLr)))),
      );
    }
  });

  it('skips a warm-up shorter than one step, which the Trainer rounds up to one step at LR 0', () => {
    const short = golden.cases.filter((c) => c.steps * c.warmupRatio < 1 && c.warmupRatio > 0);
    // 7 steps at 0.1 and 1 step at 0.1: the Trainer warms up for one step, its first update at LR 0
    expect(short.map((c) => [c.steps, c.warmupSteps, c.lrs[0]])).toEqual([
      [7, 1, 0],
      [1, 1, 0],
    ]);
    for (const c of short) {
      expect(warmupSteps(c.steps, c.warmupRatio)).toBe(0);
      const ours = buildSchedule([c.steps], { ...c, restartPerPhase: true })[0]!;
      // the cosine from the peak over all N steps: what the Trainer gives with no warm-up
      const hand = Array.from(
        { length: c.steps },
        (_, s) => c.peakLr * (c.minLrRatio + (1 - c.minLrRatio) * 0.5 * (1 + Math.cos((Math.PI * s) / c.steps))),
      );
      ours.forEach((lr, s) => expect(lr).toBeCloseTo(hand[s]!, 12));
      expect(ours[0]).toBe(c.peakLr);
    }
    // from ten steps at 0.1 the Trainer's rule holds: one warm-up step, at LR 0
    expect(warmupSteps(9, 0.1)).toBe(0);
    expect(warmupSteps(10, 0.1)).toBe(1);
  });

  it('warms up linearly from 0, then decays by cosine towards the floor (hand values)', () => {
    // 10 steps, warm-up ceil(2) = 2: 0, 0.5; decay over 8 steps, p = k/8.
    expect(warmupSteps(10, 0.2)).toBe(2);
    const got = Array.from({ length: 10 }, (_, s) => lrAt(s, 10, o));
    const hand = [0, 0.5, ...Array.from({ length: 8 }, (_, k) => 0.1 + 0.9 * 0.5 * (1 + Math.cos((Math.PI * k) / 8)))];
    for (let i = 0; i < 10; i++) expect(got[i]).toBeCloseTo(hand[i]!, 12);
    expect(got[2]).toBe(1);
  });

  it('handles no warm-up, a single step, and rejects steps outside the span', () => {
    expect(lrAt(0, 1, { peakLr: 3, minLrRatio: 0, warmupRatio: 0 })).toBe(3);
    expect(lrAt(0, 1, { peakLr: 3, minLrRatio: 0, warmupRatio: 0.1 })).toBe(3); // 0.1 of a step: no warm-up
    expect(lrAt(0, 4, { peakLr: 1, minLrRatio: 0, warmupRatio: 0 })).toBe(1);
    expect(lrAt(3, 4, { peakLr: 1, minLrRatio: 0, warmupRatio: 0 })).toBeCloseTo(
      0.5 * (1 + Math.cos((3 * Math.PI) / 4)),
      15,
    );
    expect(() => lrAt(4, 4, o)).toThrow(/outside/);
    expect(() => lrAt(-1, 4, o)).toThrow(/outside/);
  });
});

describe('buildSchedule', () => {
  it('restarts warm-up + cosine in every phase when asked (the paper)', () => {
    const s = buildSchedule([10, 5], { ...o, restartPerPhase: true });
    expect(s.map((p) => p.length)).toEqual([10, 5]);
    expect(s[0]![0]).toBe(0);
    expect(s[0]![9]).toBeCloseTo(0.1 + 0.45 * (1 + Math.cos((7 * Math.PI) / 8)), 12);
    // 5 steps: warm-up ceil(1) = 1 → 0; decay over 4: p = 0, 1/4, 2/4, 3/4.
    expect(Array.from(s[1]!)).toEqual(
      [0, 1, ...[1, 2, 3].map((k) => 0.1 + 0.45 * (1 + Math.cos((k * Math.PI) / 4)))].map((x) => expect.closeTo(x, 12)),
    );
  });

  it('spans all phases with one schedule when restart is off', () => {
    const s = buildSchedule([10, 5], { ...o, restartPerPhase: false });
    // 15 steps: warm-up ceil(3) = 3 → 0, 1/3, 2/3; decay over 12 (p = k/12); the second phase starts at global step 10.
    expect(s[0]![0]).toBe(0);
    expect(s[0]![2]).toBeCloseTo(2 / 3, 12);
    expect(s[0]![3]).toBe(1);
    expect(s[1]![0]).toBeCloseTo(0.1 + 0.45 * (1 + Math.cos((7 * Math.PI) / 12)), 12);
    expect(s[1]![4]).toBeCloseTo(0.1 + 0.45 * (1 + Math.cos((11 * Math.PI) / 12)), 12);
  });

  it('rejects nonsense hyper-parameters', () => {
    expect(() => buildSchedule([3], { peakLr: 0, minLrRatio: 0, warmupRatio: 0, restartPerPhase: true })).toThrow(
      /peak/,
    );
    expect(() => buildSchedule([3], { peakLr: 1, minLrRatio: 2, warmupRatio: 0, restartPerPhase: true })).toThrow(
      /minLrRatio/,
    );
    expect(() => buildSchedule([3], { peakLr: 1, minLrRatio: 0, warmupRatio: 1, restartPerPhase: true })).toThrow(
      /warmupRatio/,
    );
  });
});
