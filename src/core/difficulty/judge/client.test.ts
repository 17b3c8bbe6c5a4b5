import { describe, expect, it } from 'vitest';
import { backoffDelay, chatCompletionsUrl, DEFAULT_RETRY, displayUrl, parseRetryAfter, runPool } from './client';

describe('chat client helpers', () => {
  it('builds the chat-completions URL from a base URL and refuses what it cannot use', () => {
    expect(chatCompletionsUrl('https://api.openai.com/v1')).toBe('https://api.openai.com/v1/chat/completions');
    expect(chatCompletionsUrl(' http://localhost:11434/v1/ ')).toBe('http://localhost:11434/v1/chat/completions');
    expect(chatCompletionsUrl('http://127.0.0.1:8080/v1/chat/completions')).toBe('http://127.0.0.1:8080/v1/chat/completions');
    expect(chatCompletionsUrl('http://localhost:8080')).toBe('http://localhost:8080/chat/completions');
    expect(() => chatCompletionsUrl('localhost:8080')).toThrow(/http:\/\/ or https:\/\//);
    expect(() => chatCompletionsUrl('not a url')).toThrow(/not a URL/);
    expect(() => chatCompletionsUrl('https://user:sk-secret@example.com/v1')).toThrow(/not in the URL/);
    expect(displayUrl('https://example.com/v1/chat/completions?key=secret')).toBe('https://example.com/v1/chat/completions');
  });

  it('reads Retry-After as seconds or as a date', () => {
    expect(parseRetryAfter(null, 0)).toBeUndefined();
    expect(parseRetryAfter('3', 0)).toBe(3000);
    expect(parseRetryAfter('0.25', 0)).toBe(250);
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
  });

  it('backs off exponentially with jitter, capped', () => {
    const p = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(1, p, () => 0)).toBe(50);
    expect(backoffDelay(1, p, () => 0.999999)).toBeCloseTo(100, 3);
    expect(backoffDelay(3, p, () => 0)).toBe(200);
    expect(backoffDelay(10, p, () => 0.5)).toBe(750);
  });

  it('runPool keeps at most `concurrency` tasks in flight and stops at the first error', async () => {
    let inFlight = 0;
    let max = 0;
    const seen: number[] = [];
    await runPool(10, 3, async (i) => {
      inFlight++;
      max = Math.max(max, inFlight);
      await new Promise((r) => setTimeout(r, 2));
      seen.push(i);
      inFlight--;
    });
    expect(max).toBe(3);
    expect(seen.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

    const started: number[] = [];
    await expect(
      runPool(10, 2, async (i, signal) => {
        started.push(i);
        if (i === 1) throw new Error('boom');
        await new Promise((resolve, reject) => {
          const t = setTimeout(resolve, 50);
          signal.addEventListener('abort', () => {
            clearTimeout(t);
            reject(signal.reason);
          });
        });
      }),
    ).rejects.toThrow('boom');
    expect(started).toEqual([0, 1]);
  });
});
