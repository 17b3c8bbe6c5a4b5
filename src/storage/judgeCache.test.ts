import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CachedJudgement } from '../core/difficulty/judge/cache';
import { IdbJudgeCache } from './judgeCache';
import { emptyStudioDB } from './testing/studioDB';

const reply = (text: string): CachedJudgement => ({ reply: text, model: 'gpt-4o-mini', at: 5 });

beforeEach(emptyStudioDB);

describe('IdbJudgeCache', () => {
  it('keeps a reply across pages: a fresh cache (an empty memory) reads it from IndexedDB', async () => {
    await new IdbJudgeCache().set('k1', reply('Score: 3'));
    const reloaded = new IdbJudgeCache();
    expect(await reloaded.get('k1')).toEqual(reply('Score: 3'));
    expect(await reloaded.get('k2')).toBeUndefined();
    expect(await reloaded.count()).toBe(1);
  });

  it('warm and which mark the cached keys in record order; warm reads them into memory', async () => {
    const page = new IdbJudgeCache();
    await page.set('a', reply('1'));
    await page.set('c', reply('3'));
    const reloaded = new IdbJudgeCache();
    expect([...(await reloaded.which(['a', 'b', 'c']))]).toEqual([1, 0, 1]);
    expect([...(await reloaded.warm(['c', 'b', 'a']))]).toEqual([1, 0, 1]);
    // From memory now: gone from IndexedDB, still answered in this page.
    await emptyStudioDB();
    expect(await reloaded.get('a')).toEqual(reply('1'));
    expect([...(await reloaded.warm(['a', 'c']))]).toEqual([1, 1]);
    expect(await new IdbJudgeCache().get('a')).toBeUndefined();
  });

  it('forgets every reply when cleared: the next run asks again', async () => {
    const page = new IdbJudgeCache();
    await page.set('a', reply('1'));
    await page.clear();
    expect(await page.get('a')).toBeUndefined();
    expect(await page.count()).toBe(0);
    expect([...(await page.which(['a']))]).toEqual([0]);
  });
});
