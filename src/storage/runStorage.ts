import { openStudioDB, StorageError } from './db';
import type { StoredCheckpoint, StoredRun } from './records';
import { checkStoredRun } from './storedShape';

export type { StoredCheckpoint, StoredRun };

export async function saveRun(run: StoredRun): Promise<void> {
  const db = await openStudioDB();
  try {
    await db.put('runs', run, run.id);
  } catch (error) {
    throw new StorageError(`Could not save run ${run.id}`, error);
  }
}

/** The saved runs that have the shape the studio needs, oldest first; each damaged one is set aside with a message. */
export async function loadRuns(): Promise<{ runs: StoredRun[]; setAside: string[] }> {
  const db = await openStudioDB();
  let stored: { key: string; value: unknown }[];
  try {
    const tx = db.transaction('runs');
    const [keys, values] = await Promise.all([tx.store.getAllKeys(), tx.store.getAll()]);
    stored = keys.map((key, i) => ({ key, value: values[i] }));
  } catch (error) {
    throw new StorageError('Could not read the saved runs', error);
  }
  const runs: StoredRun[] = [];
  const setAside: string[] = [];
  for (const { key, value } of stored) {
    const run = checkStoredRun(value);
    if (run.ok) runs.push(run.value);
    else
      setAside.push(
        `The saved run ${key} is damaged (${run.problem}) and was set aside; "Export saved data" keeps a copy.`,
      );
  }
  return { runs: runs.sort((a, b) => a.startedAt - b.startedAt), setAside };
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
  const estimate = await navigator.storage.estimate().catch(() => undefined);
  return estimate?.usage !== undefined && estimate.quota !== undefined
    ? { usage: estimate.usage, quota: estimate.quota }
    : undefined;
}
