import type { Run } from '../core/runs/run';
import { openStudioDB, StorageError } from './db';

/** A run as kept in IndexedDB: everything but checkpoint bytes, which live in their own store. */
export type StoredRun = Omit<Run, 'lastCheckpoint'> & { checkpointStep?: number };

export interface StoredCheckpoint {
  runId: string;
  /** 'latest' or `phase-${n}` (1-based stage of the arm). */
  slot: string;
  step: number;
  reason: string;
  savedAt: number;
  bytes: Uint8Array;
}

export async function saveRun(run: StoredRun): Promise<void> {
  const db = await openStudioDB();
  try {
    await db.put('runs', run, run.id);
  } catch (error) {
    throw new StorageError(`Could not save run ${run.id}`, error);
  }
}

export async function loadRuns(): Promise<StoredRun[]> {
  const db = await openStudioDB();
  try {
    const runs = await db.getAll('runs');
    return runs.sort((a, b) => a.startedAt - b.startedAt);
  } catch (error) {
    throw new StorageError('Could not read the saved runs', error);
  }
}

export async function saveCheckpointBytes(checkpoint: StoredCheckpoint): Promise<void> {
  const db = await openStudioDB();
  try {
    await db.put('checkpoints', checkpoint, `${checkpoint.runId}/${checkpoint.slot}`);
  } catch (error) {
    throw new StorageError(`Could not save the checkpoint of run ${checkpoint.runId} (step ${checkpoint.step})`, error);
  }
}

export async function loadCheckpointBytes(runId: string, slot = 'latest'): Promise<StoredCheckpoint | undefined> {
  const db = await openStudioDB();
  try {
    return await db.get('checkpoints', `${runId}/${slot}`);
  } catch (error) {
    throw new StorageError(`Could not read the checkpoint of run ${runId}`, error);
  }
}

export async function deleteRun(runId: string): Promise<void> {
  const db = await openStudioDB();
  try {
    const tx = db.transaction(['runs', 'checkpoints'], 'readwrite');
    await tx.objectStore('runs').delete(runId);
    const keys = await tx.objectStore('checkpoints').index('byRun').getAllKeys(runId);
    for (const key of keys) await tx.objectStore('checkpoints').delete(key);
    await tx.done;
  } catch (error) {
    throw new StorageError(`Could not delete run ${runId}`, error);
  }
}

/** What the browser says this site uses and may use, in bytes; undefined where the browser cannot tell. */
export async function storageUse(): Promise<{ usage: number; quota: number } | undefined> {
  if (typeof navigator === 'undefined' || !navigator.storage?.estimate) return undefined;
  const { usage, quota } = await navigator.storage.estimate();
  return usage !== undefined && quota !== undefined ? { usage, quota } : undefined;
}
