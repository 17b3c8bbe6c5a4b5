import { describe, expect, it } from 'vitest';
import { judgeCacheKey, MemoryJudgeCache } from './cache';
import { DEFAULT_JUDGE_PROMPT } from './prompt';

const rec = { instruction: 'a', input: '', output: 'b' };
const parts = { baseUrl: 'http://127.0.0.1:8080/v1', model: 'm', prompt: DEFAULT_JUDGE_PROMPT };

describe('judge cache key', () => {
  it('is stable and changes with every part that decides the answer', () => {
    const k = judgeCacheKey(rec, parts);
    expect(k).toMatch(/^judge2-[0-9a-f]{28}$/);
    expect(judgeCacheKey({ ...rec }, { ...parts })).toBe(k);
    const others = [
      judgeCacheKey({ ...rec, instruction: 'A' }, parts),
      judgeCacheKey({ ...rec, input: 'x' }, parts),
      judgeCacheKey({ ...rec, output: 'c' }, parts),
      judgeCacheKey(rec, { ...parts, model: 'm2' }),
      judgeCacheKey(rec, { ...parts, baseUrl: 'http://127.0.0.1:8081/v1' }),
      judgeCacheKey(rec, { ...parts, prompt: { ...DEFAULT_JUDGE_PROMPT, user: `${DEFAULT_JUDGE_PROMPT.user} ` } }),
      judgeCacheKey(rec, { ...parts, prompt: { ...DEFAULT_JUDGE_PROMPT, system: 'x' } }),
      judgeCacheKey(rec, { ...parts, prompt: { ...DEFAULT_JUDGE_PROMPT, maxFieldChars: 500 } }),
      judgeCacheKey(rec, { ...parts, temperature: 1 }),
      judgeCacheKey(rec, { ...parts, temperature: null }),
      judgeCacheKey(rec, { ...parts, maxTokens: 64 }),
      // field boundaries matter: ("ab", "") is not ("a", "b")
      judgeCacheKey({ instruction: 'ab', input: '', output: '' }, parts),
    ];
    expect(new Set([k, ...others]).size).toBe(others.length + 1);
    // Unset means the client's defaults, which are what it sends.
    expect(judgeCacheKey(rec, { ...parts, temperature: 0, maxTokens: 16 })).toBe(k);
  });

  it('treats spellings of the same endpoint as one (trailing slash, explicit /chat/completions)', () => {
    const k = judgeCacheKey(rec, parts);
    expect(judgeCacheKey(rec, { ...parts, baseUrl: 'http://127.0.0.1:8080/v1/' })).toBe(k);
    expect(judgeCacheKey(rec, { ...parts, baseUrl: 'http://127.0.0.1:8080/v1/chat/completions' })).toBe(k);
    expect(judgeCacheKey(rec, { ...parts, model: ' m ' })).toBe(k);
  });

  it('memory cache stores and clears', () => {
    const c = new MemoryJudgeCache();
    c.set('k', { reply: '3', model: 'm', at: 1 });
    expect(c.get('k')?.reply).toBe('3');
    expect(c.size).toBe(1);
    c.clear();
    expect(c.get('k')).toBeUndefined();
  });
});
