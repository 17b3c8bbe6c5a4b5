import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { CachedJudgement } from '../core/difficulty/judge/cache';
import type { PhaseSettings, StoredCheckpoint, StoredDataset, StoredModelEntry, StoredRun } from './records';
import {
  BLOCKED_NOTICE,
  CLOSED_FOR_UPGRADE_NOTICE,
  noticeForOpenFailure,
  type ConnectionNotice,
} from './connectionNotice';

interface StudioDB extends DBSchema {
  /** The dataset on screen, under the key 'current': records, scores and the phase settings. */
  datasets: { key: string; value: StoredDataset };
  /** Kept apart from the records so that moving a cut-off does not rewrite megabytes. */
  phaseSettings: { key: string; value: PhaseSettings };
  /** Every training run: config, status, metrics (no weights). */
  runs: { key: string; value: StoredRun };
  /** Checkpoint bytes, keyed `${runId}/latest` and `${runId}/phase-${n}`; kept apart so listing runs stays cheap. */
  checkpoints: { key: string; value: StoredCheckpoint; indexes: { byRun: string } };
  /** LLM-judge replies keyed by judgeCacheKey (record + prompt + model + URL): a reload or a second run never pays twice. */
  judgeReplies: { key: string; value: CachedJudgement };
  /** Imported models: `meta/<id>` (what the panel lists), `tokenizer/<id>` and `files/<id>` (the bytes): a listing stays cheap. */
  models: { key: string; value: StoredModelEntry };
}

const DB_NAME = 'phased-ift-studio';
// 4 added `judgeReplies` and `models`; 5 exists because some profiles reached 4 before `models` did. Every store is
// created only when missing, so any older database upgrades to all of them.
const DB_VERSION = 5;

let dbPromise: Promise<IDBPDatabase<StudioDB>> | undefined;

/** Told when the connection waits on another tab, was given up to one, or finds newer data; `undefined` = all well. */
type ConnectionListener = (notice: ConnectionNotice | undefined) => void;
const connectionListeners = new Set<ConnectionListener>();
let currentNotice: ConnectionNotice | undefined;

function announce(notice: ConnectionNotice | undefined): void {
  currentNotice = notice;
  for (const listener of connectionListeners) listener(notice);
}

/** Subscribe to the connection's notices; the listener hears the current one at once. Returns the unsubscribe. */
export function onConnectionNotice(listener: ConnectionListener): () => void {
  connectionListeners.add(listener);
  listener(currentNotice);
  return () => connectionListeners.delete(listener);
}

export function openStudioDB(): Promise<IDBPDatabase<StudioDB>> {
  dbPromise ??= openDB<StudioDB>(DB_NAME, DB_VERSION, {
    upgrade(db) {
      if (!db.objectStoreNames.contains('datasets')) db.createObjectStore('datasets');
      if (!db.objectStoreNames.contains('phaseSettings')) db.createObjectStore('phaseSettings');
      if (!db.objectStoreNames.contains('runs')) db.createObjectStore('runs');
      if (!db.objectStoreNames.contains('checkpoints'))
        db.createObjectStore('checkpoints').createIndex('byRun', 'runId');
      if (!db.objectStoreNames.contains('judgeReplies')) db.createObjectStore('judgeReplies');
      if (!db.objectStoreNames.contains('models')) db.createObjectStore('models');
    },
    // An older tab keeps its connection open: the open waits (it is not an error) until that tab closes or reloads.
    blocked() {
      announce(BLOCKED_NOTICE);
    },
    // A newer page wants to upgrade: holding on would block it forever, so let go, and refuse further use here.
    blocking(_current, _wanted, event) {
      (event.target as IDBDatabase).close();
      dbPromise = Promise.reject(
        new StorageError(CLOSED_FOR_UPGRADE_NOTICE.message, 'connection closed for another tab'),
      );
      dbPromise.catch(() => undefined);
      announce(CLOSED_FOR_UPGRADE_NOTICE);
    },
    // The browser closed the connection itself (storage cleared, disk trouble): the next use opens a fresh one.
    terminated() {
      dbPromise = undefined;
    },
  }).then(
    (db) => {
      if (currentNotice?.kind === 'blocked') announce(undefined);
      return db;
    },
    (error: unknown) => {
      dbPromise = undefined;
      const notice = noticeForOpenFailure(error);
      if (notice) {
        announce(notice);
        throw new StorageError(notice.message, error);
      }
      throw new StorageError('The browser refused to open local storage (IndexedDB)', error);
    },
  );
  return dbPromise;
}

/** A storage failure, phrased for the user, with the browser's own words kept as the cause. */
export class StorageError extends Error {
  constructor(what: string, cause: unknown) {
    const detail = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    const quota = cause instanceof Error && cause.name === 'QuotaExceededError';
    super(
      quota
        ? `${what}: the browser's storage quota is full. Free space (delete old runs or datasets) or allow more storage for this site.`
        : `${what} (${detail}).`,
      { cause },
    );
    this.name = 'StorageError';
  }
}
