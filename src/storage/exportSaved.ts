import { openStudioDB, StorageError } from './db';

/**
 * Everything the user made that lives in this browser, as JSON text: the saved dataset, its phase settings and every
 * run (checkpoint bytes and imported models left out: they are large and can be remade). Read raw, without the shape
 * checks, so that a damaged record is kept too: this is the way out when the page itself fails.
 */
export async function exportSavedData(): Promise<string> {
  const db = await openStudioDB();
  try {
    const tx = db.transaction(['datasets', 'phaseSettings', 'runs']);
    const [datasets, phaseSettings, runs] = await Promise.all([
      tx.objectStore('datasets').getAll(),
      tx.objectStore('phaseSettings').getAll(),
      tx.objectStore('runs').getAll(),
    ]);
    return savedDataJson({ datasets, phaseSettings, runs });
  } catch (error) {
    throw new StorageError('Could not read the saved data to export it', error);
  }
}

/** JSON that keeps typed arrays (score sets) as plain number lists; NaN becomes null, as JSON has no NaN. */
export function savedDataJson(saved: Record<string, unknown[]>): string {
  return JSON.stringify(
    { exportedAt: new Date().toISOString(), ...saved },
    (_key, value: unknown) =>
      ArrayBuffer.isView(value) && !(value instanceof DataView)
        ? Array.from(value as unknown as ArrayLike<number>)
        : value,
    1,
  );
}
