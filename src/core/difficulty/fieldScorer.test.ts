import { describe, expect, it } from 'vitest';
import type { InstructionRecord } from '../data/record';
import { countFieldScores, createFieldScorer } from './fieldScorer';

const rec = (id: string, score?: number): InstructionRecord => ({
  id,
  instruction: 'x',
  input: '',
  output: 'y',
  score,
  meta: {},
});

describe('field scorer', () => {
  it('passes scores through untouched, including fractional ones', async () => {
    const { scores, problems } = await createFieldScorer().score([rec('a', 1), rec('b', 3.5625), rec('c', 5)]);
    expect(Array.from(scores)).toEqual([1, 3.5625, 5]);
    expect(problems).toEqual([]);
  });

  it('marks a missing score NaN and reports it by index and id', async () => {
    const { scores, problems } = await createFieldScorer().score([rec('a', 2), rec('b')]);
    expect(scores[0]).toBe(2);
    expect(scores[1]).toBeNaN();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ index: 1, id: 'b' });
    expect(problems[0]!.message).toMatch(/no difficulty/);
  });

  it('keeps out-of-range scores as they are and reports them with the value', async () => {
    const { scores, problems } = await createFieldScorer().score([rec('lo', 0.5), rec('hi', 7), rec('ok', 4)]);
    expect(Array.from(scores)).toEqual([0.5, 7, 4]);
    expect(problems.map((p) => p.id)).toEqual(['lo', 'hi']);
    expect(problems[0]!.message).toContain('0.5');
    expect(problems[1]!.message).toContain('7');
    expect(problems[1]!.message).toMatch(/last phase/);
  });

  it('treats an infinite score as unscored', async () => {
    const { scores, problems } = await createFieldScorer().score([rec('inf', Number.POSITIVE_INFINITY)]);
    expect(scores[0]).toBeNaN();
    expect(problems[0]!.message).toMatch(/not a finite number/);
  });

  it('reports progress up to 1 and stops when aborted', async () => {
    const seen: number[] = [];
    await createFieldScorer().score([rec('a', 1)], { onProgress: (f) => seen.push(f) });
    expect(seen[seen.length - 1]).toBe(1);
    const controller = new AbortController();
    controller.abort();
    await expect(createFieldScorer().score([rec('a', 1)], { signal: controller.signal })).rejects.toThrow();
  });

  it('counts the records that carry a score', () => {
    expect(countFieldScores([rec('a', 1), rec('b'), rec('c', Number.NaN), rec('d', 9)])).toBe(2);
  });
});
