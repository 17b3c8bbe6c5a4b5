import { describe, expect, it } from 'vitest';
import { judgeCacheKey, MemoryJudgeCache } from './cache';
import { CHARS_PER_TOKEN, estimateJudgeRun, findCached, TOKENS_PER_MESSAGE } from './estimate';
import { renderJudgeMessages, type JudgePrompt } from './prompt';

const prompt: JudgePrompt = { system: 'sys', user: '{instruction}/{input}/{output}', maxFieldChars: 1000 };
const records = Array.from({ length: 10 }, (_, i) => ({
  instruction: `instr ${i}`,
  input: '',
  output: 'out'.repeat(i + 1),
}));

describe('judge estimate', () => {
  it('counts requests, ≈chars/4 prompt tokens and time at the given concurrency', () => {
    const e = estimateJudgeRun(records, prompt, {
      concurrency: 4,
      secondsPerRequest: 1.5,
      completionTokensPerRequest: 5,
    });
    let expected = 0;
    for (const r of records)
      for (const m of renderJudgeMessages(prompt, r))
        expected += Math.ceil(m.content.length / CHARS_PER_TOKEN) + TOKENS_PER_MESSAGE;
    expect(e).toMatchObject({
      records: 10,
      cached: 0,
      requests: 10,
      promptTokens: expected,
      completionTokens: 50,
      totalTokens: expected + 50,
      seconds: 3 * 1.5,
    });
    expect(e.cost).toBeUndefined();
    expect(e.assumptions.join(' ')).toMatch(/characters \/ 4/);
  });

  it('leaves cached records out and prices tokens when asked', async () => {
    const cache = new MemoryJudgeCache();
    const parts = { baseUrl: 'http://localhost:1/v1', model: 'm', prompt };
    for (const i of [0, 3, 4]) cache.set(judgeCacheKey(records[i]!, parts), { reply: '2', model: 'm', at: 0 });
    const cached = await findCached(records, parts, cache);
    expect(Array.from(cached)).toEqual([1, 0, 0, 1, 1, 0, 0, 0, 0, 0]);
    const e = estimateJudgeRun(records, prompt, {
      concurrency: 7,
      cached,
      pricePerMillionTokens: { prompt: 1, completion: 4 },
    });
    expect(e).toMatchObject({ cached: 3, requests: 7, seconds: 2 });
    expect(e.cost).toBeCloseTo((e.promptTokens * 1 + e.completionTokens * 4) / 1e6, 12);
    expect(() => estimateJudgeRun(records, prompt, { concurrency: 0 })).toThrow(/concurrency/);
  });
});
