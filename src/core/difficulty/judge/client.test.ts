import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  ChatClient,
  chatCompletionsUrl,
  DEFAULT_RETRY,
  displayUrl,
  insecureKeyWarning,
  MAX_REPLY_BYTES,
  parseRetryAfter,
  readCapped,
  runPool,
} from './client';

describe('chat client helpers', () => {
  it('builds the chat-completions URL from a base URL and refuses what it cannot use', () => {
    expect(chatCompletionsUrl('https://api.openai.com/v1')).toBe('https://api.openai.com/v1/chat/completions');
    expect(chatCompletionsUrl(' http://localhost:11434/v1/ ')).toBe('http://localhost:11434/v1/chat/completions');
    expect(chatCompletionsUrl('http://127.0.0.1:8080/v1/chat/completions')).toBe(
      'http://127.0.0.1:8080/v1/chat/completions',
    );
    expect(chatCompletionsUrl('http://localhost:8080')).toBe('http://localhost:8080/chat/completions');
    expect(() => chatCompletionsUrl('localhost:8080')).toThrow(/http:\/\/ or https:\/\//);
    expect(() => chatCompletionsUrl('not a url')).toThrow(/not a URL/);
    expect(() => chatCompletionsUrl('https://user:sk-secret@example.com/v1')).toThrow(/not in the URL/);
    expect(displayUrl('https://example.com/v1/chat/completions?key=secret')).toBe(
      'https://example.com/v1/chat/completions',
    );
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

describe('reply size and key safety', () => {
  it('reads a reply up to the cap, and refuses a larger one without reading it whole', async () => {
    const small = new Response('{"choices":[{"message":{"content":"3"}}]}');
    expect(await readCapped(small, 1024)).toBe('{"choices":[{"message":{"content":"3"}}]}');
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(64 * 1024));
      },
    });
    expect(await readCapped(new Response(endless), MAX_REPLY_BYTES)).toBeUndefined();
    expect(pulled).toBeLessThan(MAX_REPLY_BYTES / (64 * 1024) + 4);
    const declared = new Response('x', { headers: { 'content-length': String(MAX_REPLY_BYTES + 1) } });
    expect(await readCapped(declared, MAX_REPLY_BYTES)).toBeUndefined();
  });

  it('warns before a key travels over plain http to another machine, and only then', () => {
    expect(insecureKeyWarning('http://judge.example.org/v1', 'sk-1')).toBe(
      'The API key would travel unencrypted (http://) to judge.example.org: anyone on the network path could read it. Use https://, or leave the key empty for a server that needs none.',
    );
    expect(insecureKeyWarning('https://judge.example.org/v1', 'sk-1')).toBeUndefined();
    expect(insecureKeyWarning('http://localhost:11434/v1', 'sk-1')).toBeUndefined();
    expect(insecureKeyWarning('http://127.0.0.1:8080/v1', 'sk-1')).toBeUndefined();
    expect(insecureKeyWarning('http://[::1]:8080/v1', 'sk-1')).toBeUndefined();
    expect(insecureKeyWarning('http://judge.example.org/v1', '  ')).toBeUndefined();
  });
});

describe('ChatClient and an oversized reply', () => {
  it('stops reading and fails without retrying', async () => {
    let calls = 0;
    const huge = () => {
      calls++;
      return Promise.resolve(new Response(new Uint8Array(MAX_REPLY_BYTES + 10), { status: 200 }));
    };
    const client = new ChatClient(
      { baseUrl: 'http://localhost:9/v1', model: 'm' },
      { transport: { fetch: huge as typeof fetch, sleep: () => Promise.resolve() } },
    );
    await expect(client.complete([{ role: 'user', content: 'x' }])).rejects.toThrow(
      /answered with more than 1 MiB, which no score needs/,
    );
    expect(calls).toBe(1);
  });
});
