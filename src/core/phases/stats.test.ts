import { describe, expect, it } from 'vitest';
import { planByCutoffs } from './plan';
import { promptChars } from './stats';
import { makeRecord } from './testing/records';

describe('promptChars', () => {
  it('counts instruction, plus newline and input when there is one', () => {
    expect(promptChars({ instruction: 'abc', input: '' })).toBe(3);
    expect(promptChars({ instruction: 'abc', input: 'de' })).toBe(6);
  });
});

describe('phase stats of conversations', () => {
  it('count every user turn as prompt and every answer as response', () => {
    const conv = { ...makeRecord('c', 'q3', '', 'a3'), history: [{ user: 'q1q1', assistant: 'a1a1a1' }] };
    const plan = planByCutoffs([conv, makeRecord('s', 'xx', '', 'yyyy')], [1, 1], [3], {
      scorerId: 'field',
      heldOut: { fraction: 0 },
    });
    expect(plan.phases[0]!.stats).toMatchObject({ meanPromptChars: (6 + 2) / 2, meanResponseChars: (8 + 4) / 2 });
  });
});

describe('phase stats', () => {
  // phase 1: a (score 1), b (1.2); phase 2: c (2), d (3); phase 3: e (4.5); f unscored
  const records = [
    makeRecord('a', 'xx', '', 'y'), // prompt 2, response 1
    makeRecord('b', 'xxxx', 'zz', 'yyy'), // prompt 7, response 3
    makeRecord('c', 'x'.repeat(10), '', 'y'.repeat(20)),
    makeRecord('d', 'x'.repeat(30), 'z'.repeat(9), 'y'.repeat(40)), // prompt 40
    makeRecord('e', 'x'.repeat(100), '', 'y'.repeat(200)),
    makeRecord('f'),
  ];
  const scores = [1, 1.2, 2, 3, 4.5, Number.NaN];
  const plan = planByCutoffs(records, scores, [1.5, 3.5], { scorerId: 'field', heldOut: { fraction: 0 } });

  it('match a hand computation of Table 1 columns', () => {
    const [p1, p2, p3] = plan.phases.map((p) => p.stats);
    expect(p1).toMatchObject({
      count: 2,
      share: 2 / 5,
      meanPromptChars: 4.5,
      meanResponseChars: 2,
      minScore: 1,
      maxScore: 1.2,
    });
    expect(p1!.meanScore).toBeCloseTo(1.1, 12);
    expect(p2).toMatchObject({ count: 2, share: 0.4, meanScore: 2.5, meanPromptChars: 25, meanResponseChars: 30 });
    expect(p3).toMatchObject({ count: 1, share: 0.2, meanScore: 4.5, meanPromptChars: 100, meanResponseChars: 200 });
    expect(p1!.meanTokens).toBeUndefined();
  });

  it('share excludes unscored records and sums to 1', () => {
    expect(plan.phases.reduce((s, p) => s + p.stats.share, 0)).toBeCloseTo(1, 12);
  });

  it('lists up to three example training ids per phase, deterministically and never held-out ones', () => {
    expect(plan.phases[0]!.stats.exampleIds.sort()).toEqual(['a', 'b']);
    const many = Array.from({ length: 300 }, (_, i) => makeRecord(`id${i}`));
    const manyScores = many.map((_, i) => (i % 2 === 0 ? 1 : 4));
    const p = planByCutoffs(many, manyScores, [2], { scorerId: 'h', heldOut: { fraction: 0.5 } });
    const again = planByCutoffs(many, manyScores, [2], { scorerId: 'h', heldOut: { fraction: 0.5 } });
    for (const [i, ph] of p.phases.entries()) {
      expect(ph.stats.exampleIds).toHaveLength(3);
      expect(ph.stats.exampleIds).toEqual(again.phases[i]!.stats.exampleIds);
      for (const id of ph.stats.exampleIds) expect(ph.recordIds).toContain(id);
    }
    const five = planByCutoffs(many, manyScores, [2], { scorerId: 'h', examplesPerPhase: 5 });
    expect(five.phases[0]!.stats.exampleIds).toHaveLength(5);
  });
});
