// What survives a reload (IndexedDB): the dataset, every score computed for it, and how the user set up the phases.
import { openStudioDB, StorageError } from './db';
import type { PhaseSettings, StoredDataset } from './records';
import { checkPhaseSettings, checkStoredDataset } from './storedShape';

export type { PhaseSettings, StoredDataset };

const KEY = 'current';

export async function saveCurrentDataset(dataset: StoredDataset): Promise<void> {
  const db = await openStudioDB();
  try {
    await db.put('datasets', dataset, KEY);
  } catch (error) {
    throw new StorageError('Could not save the dataset in this browser', error);
  }
}

export async function savePhaseSettings(settings: PhaseSettings): Promise<void> {
  const db = await openStudioDB();
  try {
    await db.put('phaseSettings', settings, KEY);
  } catch (error) {
    throw new StorageError('Could not save the phase settings', error);
  }
}

/**
 * The saved dataset and its phase settings, each only when it has the shape the studio needs. A damaged dataset is
 * set aside (left in storage, where an export still finds it, until a new file replaces it) and `problem` says so;
 * damaged phase settings are dropped quietly: the defaults take their place.
 */
export async function loadCurrentDataset(): Promise<
  { dataset?: StoredDataset; settings?: PhaseSettings; problem?: string } | undefined
> {
  const db = await openStudioDB();
  let stored: unknown;
  let storedSettings: unknown;
  try {
    stored = await db.get('datasets', KEY);
    storedSettings = await db.get('phaseSettings', KEY);
  } catch (error) {
    throw new StorageError('Could not read the saved dataset', error);
  }
  if (stored === undefined) return undefined;
  const dataset = checkStoredDataset(stored);
  if (!dataset.ok) return { problem: damagedDatasetMessage(dataset.problem) };
  const settings = storedSettings === undefined ? undefined : checkPhaseSettings(storedSettings);
  return { dataset: dataset.value, settings: settings?.ok ? settings.value : undefined };
}

export function damagedDatasetMessage(problem: string): string {
  return `The dataset saved in this browser is damaged (${problem}) and was set aside. Load the file again; until then "Export saved data" keeps a copy of what is stored.`;
}

export async function clearCurrentDataset(): Promise<void> {
  const db = await openStudioDB();
  try {
    await db.delete('datasets', KEY);
    await db.delete('phaseSettings', KEY);
  } catch (error) {
    throw new StorageError('Could not delete the saved dataset', error);
  }
}
