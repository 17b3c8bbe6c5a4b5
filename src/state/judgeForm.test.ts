import { describe, expect, it } from 'vitest';
import {
  DEFAULT_JUDGE_PROMPT,
  estimateJudgeRun,
  judgeCacheKey,
  MemoryJudgeCache,
  runJudge,
  type JudgeRunResult,
} from '../core/difficulty/judge';
import { makeRecord } from '../core/phases/testing/records';
import {
  API_KEY_STORAGE_KEY,
  DEFAULT_JUDGE_FORM,
  destinationSummary,
  endpointHost,
  estimateSummary,
  FORM_STORAGE_KEY,
  formatDuration,
  formatTokens,
  formToSettings,
  judgeCacheKeys,
  judgeScoreSet,
  loadJudgeForm,
  promptIsDefault,
  saveJudgeForm,
  scoredCount,
  type JudgeForm,
} from './judgeForm';

class FakeStorage {
  readonly map = new Map<string, string>();
  getItem(k: string) {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.map.set(k, v);
  }
  removeItem(k: string) {
    this.map.delete(k);
  }
  /** Everything stored, as one string: what a snooping script could read. */
  dump() {
    return [...this.map.entries()].map(([k, v]) => `${k}=${v}`).join('\n');
  }
}

const form = (patch: Partial<JudgeForm> = {}): JudgeForm => ({
  ...DEFAULT_JUDGE_FORM,
  baseUrl: 'http://127.0.0.1:9/v1',
  model: 'm',
  ...patch,
});

describe('the judge form in storage', () => {
  it('keeps the API key out of storage unless "remember" is ticked', () => {
    const s = new FakeStorage();
    saveJudgeForm(s, form({ apiKey: 'sk-secret-123' }));
    expect(s.dump()).not.toContain('sk-secret-123');
    expect(loadJudgeForm(s).apiKey).toBe('');
    expect(loadJudgeForm(s).model).toBe('m');
  });

  it('remembers the key only when asked, and forgets it when unticked', () => {
    const s = new FakeStorage();
    saveJudgeForm(s, form({ apiKey: 'sk-secret-123', rememberKey: true }));
    expect(s.getItem(API_KEY_STORAGE_KEY)).toBe('sk-secret-123');
    expect(s.getItem(FORM_STORAGE_KEY)).not.toContain('sk-secret-123');
    const back = loadJudgeForm(s);
    expect(back.apiKey).toBe('sk-secret-123');
    expect(back.rememberKey).toBe(true);
    saveJudgeForm(s, { ...back, rememberKey: false });
    expect(s.dump()).not.toContain('sk-secret-123');
  });

  it('restores an edited prompt and falls back to defaults on garbage', () => {
    const s = new FakeStorage();
    const prompt = { ...DEFAULT_JUDGE_PROMPT, system: 'be brief' };
    saveJudgeForm(s, form({ prompt, concurrency: 7 }));
    const back = loadJudgeForm(s);
    expect(back.prompt.system).toBe('be brief');
    expect(back.concurrency).toBe(7);
    expect(promptIsDefault(back.prompt)).toBe(false);
    s.setItem(FORM_STORAGE_KEY, '{not json');
    expect(loadJudgeForm(s)).toEqual(DEFAULT_JUDGE_FORM);
    s.setItem(FORM_STORAGE_KEY, JSON.stringify({ baseUrl: 5, prompt: { user: 1 } }));
    expect(loadJudgeForm(s)).toEqual(DEFAULT_JUDGE_FORM);
  });

  it('sends no key at all when the field is blank', () => {
    expect('apiKey' in formToSettings(form({ apiKey: '  ' }))).toBe(false);
    expect(formToSettings(form({ apiKey: ' k ' })).apiKey).toBe('k');
  });
});

describe('what the panel says', () => {
  it('names the host the records go to, and how many', () => {
    expect(endpointHost('http://127.0.0.1:8080/v1')).toBe('127.0.0.1:8080');
    expect(endpointHost('not a url')).toBeUndefined();
    expect(destinationSummary(50, 50, 'https://api.openai.com/v1')).toBe('50 records will be sent to api.openai.com.');
    expect(destinationSummary(1, 1, 'http://localhost:11434/v1')).toBe('1 record will be sent to localhost:11434.');
    expect(destinationSummary(5000, 1200, 'http://h:1/v1')).toBe(
      '1,200 of 5,000 records will be sent to h:1 (the other 3,800 are cached and are not sent again).',
    );
    expect(destinationSummary(50, 0, 'http://h:1/v1')).toMatch(
      /^All 50 records are already answered \(cached\): nothing will be sent to h:1/,
    );
  });

  it('formats durations and token counts', () => {
    expect(formatDuration(4.4)).toBe('4 s');
    expect(formatDuration(120)).toBe('2 min');
    expect(formatDuration(200)).toBe('3 min 20 s');
    expect(formatDuration(3600 * 2 + 300)).toBe('2 h 5 min');
    expect(formatTokens(999)).toBe('999');
    expect(formatTokens(1234)).toBe('1.2 K');
    expect(formatTokens(56_000)).toBe('56 K');
    expect(formatTokens(1_234_567)).toBe('1.23 M');
  });

  it('summarises an estimate, cached records included', () => {
    const records = Array.from({ length: 10 }, (_, i) => makeRecord(String(i), `instruction ${i}`, '', `output ${i}`));
    const e = estimateJudgeRun(records, DEFAULT_JUDGE_PROMPT, {
      concurrency: 2,
      cached: [1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
    });
    expect(estimateSummary(e)).toMatch(
      /^8 requests \(2 cached, skipped\), ≈ .* tokens \(.* prompt \+ 64 completion\), ≈ 8 s at 2 in parallel\.$/,
    );
    const all = estimateJudgeRun(records, DEFAULT_JUDGE_PROMPT, { concurrency: 2, cached: new Array(10).fill(1) });
    expect(estimateSummary(all)).toBe('10 records, all cached: no request, no tokens, no cost.');
  });
});

describe('a judge run as a score set', () => {
  it('uses the core cache keys, so what the page finds cached is what runJudge skips', async () => {
    const records = [makeRecord('a', 'one', '', 'x'), makeRecord('b', 'two', '', 'y')];
    const settings = formToSettings(form());
    const keys = judgeCacheKeys(records, settings);
    expect(keys[0]).toBe(
      judgeCacheKey(records[0]!, { baseUrl: settings.baseUrl, model: 'm', prompt: DEFAULT_JUDGE_PROMPT }),
    );
    const cache = new MemoryJudgeCache();
    cache.set(keys[0]!, { reply: '4', model: 'm', at: 0 });
    cache.set(keys[1]!, { reply: 'no idea', model: 'm', at: 0 });
    const fetchNever = () => Promise.reject(new Error('no request expected'));
    const result: JudgeRunResult = await runJudge(records, settings, { cache, transport: { fetch: fetchNever } });
    expect(result.stats.requested).toBe(0);
    const set = judgeScoreSet(result);
    expect(set.scorerId).toBe('judge');
    expect(set.scores[0]).toBe(4);
    expect(Number.isNaN(set.scores[1]!)).toBe(true);
    expect(set.problems).toEqual([{ index: 1, id: 'b', message: expect.stringContaining('no idea') }]);
    expect(Object.keys(set.problems[0]!)).toEqual(['index', 'id', 'message']);
    expect(scoredCount(set.scores)).toBe(1);
  });
});
