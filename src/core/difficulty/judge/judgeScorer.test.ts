/**
 * The judge end to end against a real HTTP server on 127.0.0.1 that speaks chat completions (testing/server.ts).
 * Timeouts and backoffs are shortened so the whole file runs in about a second.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { InstructionRecord } from '../../data/record';
import { MemoryJudgeCache } from './cache';
import { defaultSleep, type Transport } from './client';
import {
  createJudgeScorer,
  judgeDestination,
  judgeSettingsProblems,
  JudgeRunError,
  publicJudgeSettings,
  runJudge,
  type JudgeProgress,
  type JudgeSettings,
} from './judgeScorer';
import { markerOf, startStubJudge, type StubAnswer, type StubRequest, type StubServer } from './testing/server';

const records = (n: number): InstructionRecord[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `r${i}`,
    instruction: `Do task rec#${i}.`,
    input: i % 2 ? `data ${i}` : '',
    output: `answer ${i}`,
    meta: {},
  }));

/** Each record's "true" score: 1 + (i mod 5) / 2 → 1, 1.5, 2, 2.5, 3, 1, … */
const truth = (i: number) => 1 + (i % 5) / 2;
const normal = (req: StubRequest): StubAnswer => ({
  reply: String(truth(markerOf(req.user))),
  usage: { prompt_tokens: 100, completion_tokens: 2, total_tokens: 102 },
});

let server: StubServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const fast = (baseUrl: string, over: Partial<JudgeSettings> = {}): JudgeSettings => ({
  baseUrl,
  model: 'stub-model',
  concurrency: 2,
  timeoutMs: 400,
  retry: { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 20 },
  ...over,
});

/** Records the waits asked for, but sleeps at most 5 ms (a Retry-After of 1 s is checked, not waited). */
function quickSleep(waits: number[]): Partial<Transport> {
  return { sleep: (ms, signal) => (waits.push(ms), defaultSleep(Math.min(ms, 5), signal)) };
}

describe('judge scorer against a local chat-completions server', () => {
  it('scores every record, sums token usage and sends a well-formed request without a key when none is given', async () => {
    server = await startStubJudge(normal);
    const progress: JudgeProgress[] = [];
    const fractions: number[] = [];
    const result = await runJudge(records(7), fast(server.baseUrl), {
      onJudgeProgress: (p) => progress.push(p),
      onProgress: (f) => fractions.push(f),
    });
    expect(Array.from(result.scores)).toEqual([0, 1, 2, 3, 4, 5, 6].map(truth));
    expect(result.problems).toEqual([]);
    expect(result.stats).toMatchObject({
      total: 7,
      done: 7,
      requested: 7,
      fromCache: 0,
      failed: 0,
      unparseable: 0,
      retries: 0,
    });
    expect(result.stats.usage).toEqual({ promptTokens: 700, completionTokens: 14, totalTokens: 714 });
    expect(result.replies[2]).toBe('2');
    expect(server.requests).toHaveLength(7);
    const req = server.requests[0]!;
    expect(req.body).toMatchObject({ model: 'stub-model', temperature: 0, max_tokens: 16 });
    expect(req.body.messages!.map((m) => m.role)).toEqual(['system', 'user']);
    expect(req.headers.authorization).toBeUndefined();
    expect(progress.at(-1)!.done).toBe(7);
    expect(fractions.at(-1)).toBe(1);
    expect(fractions.every((f, i) => i === 0 || f >= fractions[i - 1]!)).toBe(true);
  });

  it('sends the key only in the Authorization header and never returns, reports or serialises it', async () => {
    const key = 'sk-test-SECRET-1234567890';
    server = await startStubJudge((req) => (markerOf(req.user) === 2 ? { reply: 'no idea' } : normal(req)));
    const settings = fast(server.baseUrl, { apiKey: key });
    const events: unknown[] = [];
    const scorer = createJudgeScorer(settings, {
      onJudgeProgress: (p) => events.push(p),
      onRecord: (...a) => events.push(a),
    });
    const result = await scorer.score(records(4));
    expect(server.requests.every((r) => r.headers.authorization === `Bearer ${key}`)).toBe(true);
    expect(server.requests.every((r) => !JSON.stringify(r.body).includes(key))).toBe(true);
    for (const thing of [result, scorer, events, publicJudgeSettings(settings)])
      expect(JSON.stringify(thing)).not.toContain(key);
    expect(Object.keys(scorer).sort()).toEqual(['description', 'id', 'name', 'score']);
    expect(publicJudgeSettings(settings)).toMatchObject({ hasApiKey: true, model: 'stub-model' });
    expect(judgeDestination(settings)).toBe(
      `Each record's instruction, input and output will be sent to ${server.baseUrl}/chat/completions (model "stub-model"), and nowhere else.`,
    );
  });

  it('waits as Retry-After asks on a 429, then succeeds', async () => {
    let limited = 0;
    server = await startStubJudge((req) => {
      if (req.n === 1) {
        limited++;
        return { status: 429, headers: { 'Retry-After': '1' }, body: '{"error":{"message":"Rate limit reached"}}' };
      }
      return normal(req);
    });
    const waits: number[] = [];
    const result = await runJudge(records(3), fast(server.baseUrl, { concurrency: 1 }), {
      transport: quickSleep(waits),
    });
    expect(limited).toBe(1);
    expect(Array.from(result.scores)).toEqual([truth(0), truth(1), truth(2)]);
    expect(result.stats.retries).toBe(1);
    expect(server.requests).toHaveLength(4);
    expect(waits).toEqual([1000]); // the backoff (≤ 5 ms here) is far below what the server asked for
  });

  it('gives up on a Retry-After longer than allowed, for that record only', async () => {
    server = await startStubJudge((req) =>
      markerOf(req.user) === 0 ? { status: 429, headers: { 'Retry-After': '3600' } } : normal(req),
    );
    const result = await runJudge(
      records(2),
      fast(server.baseUrl, { concurrency: 1, retry: { maxRetryAfterMs: 1000, baseDelayMs: 1 } }),
    );
    expect(result.scores[0]).toBeNaN();
    expect(result.scores[1]).toBe(truth(1));
    expect(result.problems[0]).toMatchObject({ index: 0, kind: 'request-failed' });
    expect(result.problems[0]!.message).toMatch(/HTTP 429.*asks to wait 3600 s/);
  });

  it('retries a 500 and a 503 with backoff, then succeeds', async () => {
    server = await startStubJudge((req) =>
      req.n === 1 ? { status: 500 } : req.n === 2 ? { status: 503 } : normal(req),
    );
    const waits: number[] = [];
    const result = await runJudge(
      records(2),
      fast(server.baseUrl, { concurrency: 1, retry: { baseDelayMs: 40, maxDelayMs: 1000 } }),
      {
        transport: { ...quickSleep(waits), random: () => 0.5 },
      },
    );
    expect(Array.from(result.scores)).toEqual([truth(0), truth(1)]);
    expect(result.stats.retries).toBe(2);
    expect(waits).toEqual([30, 60]); // 40·2^(k−1), half fixed + half × 0.5 jitter
  });

  it('times out a slow reply, retries it, and lists a record whose every attempt is too slow', async () => {
    server = await startStubJudge((req) => {
      const i = markerOf(req.user);
      if (i === 0) return { ...normal(req), delayMs: 2000 }; // always too slow
      if (i === 1 && req.body.messages && !seenOnce.has(1)) {
        seenOnce.add(1);
        return { ...normal(req), delayMs: 2000 }; // slow once, then fine
      }
      return normal(req);
    });
    const seenOnce = new Set<number>();
    const t0 = Date.now();
    const result = await runJudge(
      records(3),
      fast(server.baseUrl, { timeoutMs: 100, retry: { maxRetries: 1, baseDelayMs: 1 } }),
    );
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(result.scores[0]).toBeNaN();
    expect(result.problems).toEqual([
      {
        index: 0,
        id: 'r0',
        kind: 'request-failed',
        message: `no score: no reply from ${server.baseUrl}/chat/completions within 100 ms (gave up after 2 attempts)`,
      },
    ]);
    expect(result.scores[1]).toBe(truth(1));
    expect(result.scores[2]).toBe(truth(2));
    expect(result.stats).toMatchObject({ failed: 1, retries: 2 });
  });

  it('lists garbage and ambiguous replies with the reply and why, and never guesses', async () => {
    const replies: Record<number, string> = {
      0: 'Score: 3.5',
      1: '**4**',
      2: '4/5',
      3: 'I am not sure.',
      4: '3 or 4',
      5: '7',
      6: '8/10',
      7: '',
    };
    server = await startStubJudge((req) => ({ reply: replies[markerOf(req.user)]! }));
    const onRecord: [number, number][] = [];
    const result = await runJudge(records(8), fast(server.baseUrl), { onRecord: (i, s) => onRecord.push([i, s]) });
    expect(Array.from(result.scores.slice(0, 3))).toEqual([3.5, 4, 4]);
    expect(Array.from(result.scores.slice(3)).every(Number.isNaN)).toBe(true);
    expect(result.problems.map((p) => [p.index, p.kind, p.reply])).toEqual([
      [3, 'unparseable', 'I am not sure.'],
      [4, 'unparseable', '3 or 4'],
      [5, 'unparseable', '7'],
      [6, 'unparseable', '8/10'],
      [7, 'unparseable', ''],
    ]);
    expect(result.problems[1]!.message).toBe(
      'the judge replied "3 or 4": the reply holds several numbers (3, 4); not guessed',
    );
    expect(result.problems[2]!.message).toMatch(/outside the 1–5 scale/);
    expect(result.stats.unparseable).toBe(5);
    expect(onRecord).toHaveLength(8);
  });

  it('reports a 200 that is not chat-completions JSON as a request failure', async () => {
    server = await startStubJudge(() => ({ raw: '<html>It works!</html>' }));
    const result = await runJudge(records(1), fast(server.baseUrl));
    expect(result.problems[0]!.message).toMatch(/did not answer with JSON .*is this a chat-completions endpoint/);
    expect(server.requests).toHaveLength(1); // not retried: it would answer the same
  });

  it('stops the whole run on 401 without echoing the key, even when the server does', async () => {
    const key = 'sk-wrong-key-abcdef';
    server = await startStubJudge(() => ({
      status: 401,
      body: JSON.stringify({ error: { message: `Incorrect API key provided: ${key}` } }),
    }));
    const run = runJudge(records(20), fast(server.baseUrl, { apiKey: key }));
    await expect(run).rejects.toBeInstanceOf(JudgeRunError);
    const error = (await run.catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/HTTP 401: Incorrect API key provided: \[API key\] — check the API key/);
    expect(error.message).not.toContain(key);
    expect(server.requests.length).toBeLessThanOrEqual(2); // at most one per worker, no retries
  });

  it('stops after too many failed records in a row (the endpoint is down)', async () => {
    server = await startStubJudge(() => ({ status: 502 }));
    const run = runJudge(
      records(50),
      fast(server.baseUrl, { concurrency: 1, retry: { maxRetries: 1, baseDelayMs: 1 }, maxConsecutiveFailures: 3 }),
    );
    await expect(run).rejects.toThrow(/stopped after 3 records in a row failed; the last: .*HTTP 502/);
    expect(server.requests).toHaveLength(6);
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    server = await startStubJudge((req) => ({ ...normal(req), delayMs: 25 }));
    const result = await runJudge(records(12), fast(server.baseUrl, { concurrency: 3 }));
    expect(result.stats.done).toBe(12);
    expect(server.maxInFlight).toBe(3);
  });

  it('asks each distinct record once: identical records share a request', async () => {
    server = await startStubJudge(normal);
    const recs = records(3);
    const result = await runJudge([recs[0]!, { ...recs[0]!, id: 'copy' }, recs[1]!], fast(server.baseUrl));
    expect(Array.from(result.scores)).toEqual([truth(0), truth(0), truth(1)]);
    expect(server.requests).toHaveLength(2);
  });

  it('makes no request on a second run with the same cache, and reports cached garbage again', async () => {
    server = await startStubJudge((req) => (markerOf(req.user) === 3 ? { reply: 'hmm' } : normal(req)));
    const cache = new MemoryJudgeCache();
    const first = await runJudge(records(6), fast(server.baseUrl), { cache });
    expect(server.requests).toHaveLength(6);
    expect(cache.size).toBe(6);
    const before = server.requests.length;
    const second = await runJudge(records(6), fast(server.baseUrl), { cache });
    expect(server.requests.length - before).toBe(0);
    expect(Array.from(second.scores)).toEqual(Array.from(first.scores));
    expect(second.problems).toEqual(first.problems);
    expect(second.stats).toMatchObject({ fromCache: 6, requested: 0 });
    expect(second.stats.usage.totalTokens).toBe(0);
    // another model or prompt is another question
    await runJudge(records(1), fast(server.baseUrl, { model: 'other' }), { cache });
    expect(server.requests.length - before).toBe(1);
  });

  it('cancels mid-run: in-flight requests are aborted, nothing new starts, and a new run resumes from the cache', async () => {
    server = await startStubJudge((req) => ({ ...normal(req), delayMs: 30 }));
    const cache = new MemoryJudgeCache();
    const ctl = new AbortController();
    let decided = 0;
    let fetches = 0;
    const countingFetch: typeof fetch = (...args) => (fetches++, fetch(...args));
    const run = runJudge(records(20), fast(server.baseUrl, { concurrency: 2 }), {
      cache,
      signal: ctl.signal,
      transport: { fetch: countingFetch },
      onRecord: () => {
        if (++decided === 4) ctl.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    const started = fetches;
    expect(started).toBeLessThanOrEqual(5); // 4 answered + at most one in flight on the other worker
    await new Promise((r) => setTimeout(r, 80));
    expect(fetches).toBe(started); // nothing started after the abort
    const sent = server.requests.length;
    expect(sent).toBeLessThanOrEqual(started);
    const cachedAfterCancel = cache.size;
    expect(cachedAfterCancel).toBeGreaterThanOrEqual(4);

    // "Reload": a new run with the same (persisted) cache asks only for what is missing.
    const resumed = await runJudge(records(20), fast(server.baseUrl, { concurrency: 4 }), { cache });
    expect(resumed.stats.fromCache).toBe(cachedAfterCancel);
    expect(server.requests.length - sent).toBe(20 - cachedAfterCancel);
    expect(Array.from(resumed.scores)).toEqual(records(20).map((_, i) => truth(i)));
  });

  it('refuses to start with unusable settings, saying what to fix', async () => {
    expect(judgeSettingsProblems({ baseUrl: 'localhost:8080', model: ' ', concurrency: 0 })).toEqual([
      expect.stringMatching(/http:\/\/ or https:\/\//),
      'Give the model name the endpoint serves.',
      expect.stringMatching(/Concurrency must be a whole number from 1 to 64, got 0/),
    ]);
    await expect(runJudge(records(1), { baseUrl: 'ftp://x', model: 'm' })).rejects.toThrow(/cannot start/);
  });
});
