import { describe, expect, it } from 'vitest';
import type { InstructionRecord } from '../data/record';
import { demoToRecords, generateDemoSuite } from '../demo/suite';
import { createHeuristicScorer, HEURISTIC_FORMULA, heuristicScore, heuristicSignals } from './heuristicScorer';
import { spearman } from './spearman';

const r = (instruction: string, output: string, input = ''): InstructionRecord => ({
  id: 'x',
  instruction,
  input,
  output,
  meta: {},
});

describe('heuristic signals', () => {
  it('are all zero for a tiny record, which scores exactly 1', () => {
    const rec = r('hi', 'ok');
    expect(heuristicSignals(rec)).toEqual({
      responseLength: 0,
      promptLength: 0,
      hasInput: 0,
      multiStep: 0,
      constraints: 0,
      structure: 0,
    });
    expect(heuristicScore(rec)).toBe(1);
  });

  it('ramp lengths on a log scale, saturating at the documented ends', () => {
    // 62-char output: ln(63/3) / ln(2001/3)
    expect(heuristicSignals(r('hi', 'a'.repeat(62))).responseLength).toBeCloseTo(Math.log(21) / Math.log(667), 12);
    expect(heuristicSignals(r('hi', 'a'.repeat(2000))).responseLength).toBe(1);
    expect(heuristicSignals(r('hi', 'a'.repeat(9000))).responseLength).toBe(1);
    // 100-char prompt (instruction 59 + newline + input 40): ln(101/11) / ln(1001/11)
    const s = heuristicSignals(r('b'.repeat(59), 'ok', 'c'.repeat(40)));
    expect(s.promptLength).toBeCloseTo(Math.log(101 / 11) / Math.log(1001 / 11), 12);
    expect(s.hasInput).toBe(1);
  });

  it("count a conversation's earlier user turns as prompt and its earlier answers as response", () => {
    const conv: InstructionRecord = {
      ...r('b'.repeat(40), 'a'.repeat(30)),
      history: [{ user: 'b'.repeat(60), assistant: 'a'.repeat(32) }],
    };
    const s = heuristicSignals(conv);
    // 100 prompt characters and 62 response characters, as one exchange of those sizes would have.
    expect(s.promptLength).toBeCloseTo(Math.log(101 / 11) / Math.log(1001 / 11), 12);
    expect(s.responseLength).toBeCloseTo(Math.log(21) / Math.log(667), 12);
    expect(heuristicScore(conv)).toBeGreaterThan(heuristicScore(r('b'.repeat(40), 'a'.repeat(30))));
  });

  it('count multi-step cues, saturating at three', () => {
    expect(heuristicSignals(r('summarise the text', 'ok')).multiStep).toBe(0);
    expect(heuristicSignals(r('translate it, then summarise it', 'ok')).multiStep).toBeCloseTo(1 / 3, 12);
    expect(heuristicSignals(r('first, list the items. then sort them.', 'ok')).multiStep).toBeCloseTo(2 / 3, 12);
    expect(heuristicSignals(r('first, list the items. then sort them. finally, print them.', 'ok')).multiStep).toBe(1);
    // numbered lines count one each
    expect(heuristicSignals(r('do this:\n1. read\n2. write', 'ok')).multiStep).toBeCloseTo(2 / 3, 12);
    // "first letter" is an ordinal, not a step
    expect(heuristicSignals(r('what is the first letter of the word?', 'ok')).multiStep).toBe(0);
  });

  it('count constraint cues, saturating at two, case-insensitively', () => {
    expect(heuristicSignals(r('Write a poem.', 'ok')).constraints).toBe(0);
    expect(heuristicSignals(r('Write a poem WITHOUT rhymes.', 'ok')).constraints).toBe(0.5);
    expect(heuristicSignals(r('Write at least 3 sentences without the letter e.', 'ok')).constraints).toBe(1);
  });

  it('score structured outputs', () => {
    expect(heuristicSignals(r('hi', '```js\nx()\n```')).structure).toBe(1);
    expect(heuristicSignals(r('hi', '{"a": 1}')).structure).toBe(1);
    expect(heuristicSignals(r('hi', '| a | b |\n| 1 | 2 |')).structure).toBe(1);
    // three list lines (0.6), only three lines in all
    expect(heuristicSignals(r('hi', '- a\n- b\n- c')).structure).toBeCloseTo(0.6, 12);
    // … plus the prompt asks for a list (0.3)
    expect(heuristicSignals(r('give a list', '- a\n- b\n- c')).structure).toBeCloseTo(0.9, 12);
    expect(heuristicSignals(r('hi', 'plain prose.')).structure).toBe(0);
  });
});

describe('heuristic score', () => {
  it('combines the signals with the documented weights', () => {
    const weights = HEURISTIC_FORMULA.terms.reduce((s, t) => s + t.weight, 0);
    expect(weights).toBeCloseTo(1, 12);
    const rec = r('first, list the items. then sort them.', 'a'.repeat(62), 'x');
    const s = heuristicSignals(rec);
    const expected =
      1 +
      4 *
        (0.25 * s.responseLength +
          0.25 * s.promptLength +
          0.05 * s.hasInput +
          0.25 * s.multiStep +
          0.1 * s.constraints +
          0.1 * s.structure);
    expect(heuristicScore(rec)).toBeCloseTo(expected, 12);
    expect(HEURISTIC_FORMULA.terms.map((t) => t.id).sort()).toEqual(Object.keys(s).sort());
  });

  it('reaches 5 when every signal saturates and never leaves [1, 5]', () => {
    const big = r(
      'first, do a. then b. finally c. use at least 3 items without repeats. give a table.'.padEnd(1200, ' x'),
      '```\ncode\n```\n'.padEnd(2500, 'y'),
      'input',
    );
    expect(heuristicScore(big)).toBeCloseTo(5, 12);
    for (const rec of [r('', ''), r('a', 'b'), big]) {
      const v = heuristicScore(rec);
      expect(v).toBeGreaterThanOrEqual(1);
      expect(v).toBeLessThanOrEqual(5);
    }
  });

  it('is deterministic and rises with a multi-step cue', () => {
    const a = r('summarise the text', 'a summary');
    expect(heuristicScore(a)).toBe(heuristicScore({ ...a }));
    expect(heuristicScore(r('summarise the text, then translate it', 'a summary'))).toBeGreaterThan(heuristicScore(a));
  });

  it('agrees with the demo suite’s known levels (ρ > 0.5; see docs/DIFFICULTY.md)', async () => {
    const records = demoToRecords(generateDemoSuite({ perLevel: 200 }));
    const { scores, problems } = await createHeuristicScorer().score(records);
    expect(problems).toEqual([]);
    expect(
      spearman(
        scores,
        records.map((x) => x.score!),
      ),
    ).toBeGreaterThan(0.5);
  });

  it('scores 20 000 Alpaca-sized records well under a second', async () => {
    const text = 'Explain the idea, then give two examples. Make sure each is short. '.repeat(3);
    const out = 'The idea is simple.\n1. First example.\n2. Second example.\n'.repeat(8);
    const records = Array.from({ length: 20_000 }, (_, i) => ({ ...r(text + i, out), id: String(i) }));
    const t0 = performance.now();
    await createHeuristicScorer().score(records);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
