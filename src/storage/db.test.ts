// The IndexedDB classes as globals (idb checks instanceof IDBRequest …); each test then gets a database of its own.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  BLOCKED_NOTICE,
  CLOSED_FOR_UPGRADE_NOTICE,
  NEWER_DATA_NOTICE,
  type ConnectionNotice,
} from './connectionNotice';
import type { CachedJudgement } from '../core/difficulty/judge/cache';

const DB_NAME = 'phased-ift-studio';

/** Another tab's connection, opened with the plain IndexedDB API at `version`; it ignores requests to let go. */
function otherTab(version: number, upgrade?: (db: IDBDatabase) => void): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, version);
    request.onupgradeneeded = () => upgrade?.(request.result);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('open failed'));
  });
}

/** This tab's storage modules, fresh (db.ts holds one connection per page), and every notice it gives. */
async function thisTab() {
  const db = await import('./db');
  const notices: (ConnectionNotice['kind'] | undefined)[] = [];
  db.onConnectionNotice((notice) => notices.push(notice?.kind));
  return { ...db, runStorage: await import('./runStorage'), judgeCache: await import('./judgeCache'), notices };
}

const until = async (done: () => boolean) => {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(done()).toBe(true);
};

beforeEach(() => {
  vi.stubGlobal('indexedDB', new IDBFactory());
  vi.resetModules();
});
afterEach(() => vi.unstubAllGlobals());

describe('openStudioDB', () => {
  it('creates every store in a new database, and adds the missing ones to an old one without losing its records', async () => {
    const old = await otherTab(3, (db) => db.createObjectStore('runs'));
    const tx = old.transaction('runs', 'readwrite');
    tx.objectStore('runs').put({ id: 'run-1' }, 'run-1');
    await new Promise((r) => (tx.oncomplete = r));
    old.close();

    const { openStudioDB, notices } = await thisTab();
    const db = await openStudioDB();
    expect([...db.objectStoreNames].sort()).toEqual([
      'checkpoints',
      'datasets',
      'judgeReplies',
      'models',
      'phaseSettings',
      'runs',
    ]);
    expect(db.version).toBe(5);
    expect(await db.get('runs', 'run-1')).toEqual({ id: 'run-1' });
    expect(notices).toEqual([undefined]);
  });

  it('waits on an older tab that holds the database open, says so, and goes on by itself once it closes', async () => {
    const older = await otherTab(4);
    const { openStudioDB, notices } = await thisTab();
    let opened = false;
    const opening = openStudioDB().then((db) => ((opened = true), db));
    await until(() => notices.includes('blocked'));
    expect(opened).toBe(false);
    expect(BLOCKED_NOTICE.message).toMatch(/^Another tab of the studio holds an older version of the saved data open/);
    older.close();
    expect((await opening).version).toBe(5);
    expect(notices).toEqual([undefined, 'blocked', undefined]);
  });

  it('lets go when a newer tab needs to upgrade, says so, and refuses every later save with that message', async () => {
    const { openStudioDB, runStorage, judgeCache, notices } = await thisTab();
    await openStudioDB();
    const newer = await otherTab(6);
    expect(newer.version).toBe(6);
    expect(notices).toEqual([undefined, 'closed-for-upgrade']);
    const refused = `${CLOSED_FOR_UPGRADE_NOTICE.message} (connection closed for another tab).`;
    await expect(openStudioDB()).rejects.toThrow(refused);
    await expect(runStorage.loadRuns()).rejects.toThrow(refused);
    const cache = new judgeCache.IdbJudgeCache();
    const reply: CachedJudgement = { reply: 'Score: 2', model: 'm', at: 1 };
    await expect(cache.set('k', reply)).rejects.toThrow(/^Could not keep a judge reply in this browser/);
    expect(cache.writeProblem).toBe(`Could not keep a judge reply in this browser (StorageError: ${refused}).`);
    // Still answered in this page: only resuming after a reload suffers.
    expect(await cache.get('k')).toEqual(reply);
    newer.close();
  });

  it('refuses data saved by a newer version with the reload message, and tries again on the next use', async () => {
    (await otherTab(6)).close();
    const { openStudioDB, StorageError, notices } = await thisTab();
    const error: unknown = await openStudioDB().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message.startsWith(`${NEWER_DATA_NOTICE.message} (VersionError: `)).toBe(true);
    expect(notices).toEqual([undefined, 'newer-data']);
    await expect(openStudioDB()).rejects.toThrow(NEWER_DATA_NOTICE.message);
  });
});

describe('StorageError', () => {
  it('says what failed with the browser’s words, and what to do when the quota is full', async () => {
    const { StorageError } = await import('./db');
    expect(new StorageError('Could not save run r1', new DOMException('disk on fire', 'UnknownError')).message).toBe(
      'Could not save run r1 (UnknownError: disk on fire).',
    );
    const quota = new StorageError('Could not save run r1', new DOMException('full', 'QuotaExceededError'));
    expect(quota.message).toBe(
      "Could not save run r1: the browser's storage quota is full. Free space (delete old runs or datasets) or allow more storage for this site.",
    );
    expect(quota.cause).toBeInstanceOf(DOMException);
  });
});
