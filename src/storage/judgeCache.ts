/**
 * The LLM judge's replies in IndexedDB (object store `judgeReplies`, key = `judgeCacheKey`, value = the raw reply),
 * so a reload or a second run never pays for the same question twice, and a run cut short by a reload resumes:
 * records with a cached reply are skipped.
 *
 * A memory layer sits in front: a run first reads the keys it needs in one transaction ({@link warm}), so the
 * thousands of `get` calls a run makes do not each open a transaction; and a reply whose write failed (quota) is
 * still not asked again in this page.
 */
import type { CachedJudgement, JudgeCache } from '../core/difficulty/judge/cache';
import { openStudioDB, StorageError } from './db';

const STORE = 'judgeReplies';

export class IdbJudgeCache implements JudgeCache {
  private readonly memory = new Map<string, CachedJudgement>();
  /** The last write failure, for the UI (the run goes on; only resumability suffers). */
  writeProblem?: string;

  async get(key: string): Promise<CachedJudgement | undefined> {
    const hit = this.memory.get(key);
    if (hit !== undefined) return hit;
    const db = await openStudioDB();
    const value = await db.get(STORE, key);
    if (value !== undefined) this.memory.set(key, value);
    return value;
  }

  async set(key: string, value: CachedJudgement): Promise<void> {
    this.memory.set(key, value);
    try {
      const db = await openStudioDB();
      await db.put(STORE, value, key);
    } catch (error) {
      const problem = new StorageError('Could not keep a judge reply in this browser', error);
      this.writeProblem = problem.message;
      throw problem;
    }
  }

  /** Reads these keys into memory in one transaction; returns 1 where a reply is cached (record order). */
  async warm(keys: readonly string[]): Promise<Uint8Array> {
    const found = new Uint8Array(keys.length);
    const missing: number[] = [];
    keys.forEach((k, i) => (this.memory.has(k) ? (found[i] = 1) : missing.push(i)));
    if (missing.length === 0) return found;
    const db = await openStudioDB();
    const stored = new Set(await db.getAllKeys(STORE));
    const wanted = missing.filter((i) => stored.has(keys[i]!));
    if (wanted.length > 0) {
      const tx = db.transaction(STORE, 'readonly');
      const values = await Promise.all(wanted.map((i) => tx.store.get(keys[i]!)));
      await tx.done;
      wanted.forEach((i, j) => {
        const v = values[j];
        if (v !== undefined) {
          this.memory.set(keys[i]!, v);
          found[i] = 1;
        }
      });
    }
    return found;
  }

  /** Which of these keys have a reply (1 = cached), without reading the replies: for the estimate. */
  async which(keys: readonly string[]): Promise<Uint8Array> {
    const db = await openStudioDB();
    const stored = new Set(await db.getAllKeys(STORE));
    return Uint8Array.from(keys, (k) => (this.memory.has(k) || stored.has(k) ? 1 : 0));
  }

  /** Replies stored in this browser (every model, prompt and dataset). */
  async count(): Promise<number> {
    const db = await openStudioDB();
    return db.count(STORE);
  }

  /** Forgets every stored reply: the next run asks (and pays) again. */
  async clear(): Promise<void> {
    this.memory.clear();
    const db = await openStudioDB();
    try {
      await db.clear(STORE);
    } catch (error) {
      throw new StorageError('Could not clear the stored judge replies', error);
    }
  }
}

/** The page's one cache. */
export const judgeCache = new IdbJudgeCache();
