// What survives a reload (IndexedDB): the dataset, every score computed for it, and how the user set up the phases.
import type { StoredDataset } from '../core/data/storedDataset';
import type { PhaseSettings } from '../core/runs/settings';
import { openStudioDB, StorageError } from './db';

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

export async function loadCurrentDataset(): Promise<{ dataset: StoredDataset; settings?: PhaseSettings } | undefined> {
  const db = await openStudioDB();
  try {
    const dataset = await db.get('datasets', KEY);
    if (!dataset) return undefined;
    return { dataset, settings: await db.get('phaseSettings', KEY) };
  } catch (error) {
    throw new StorageError('Could not read the saved dataset', error);
  }
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
