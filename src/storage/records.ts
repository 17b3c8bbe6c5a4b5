/**
 * The records kept in IndexedDB, one type per object store. Their own file so that `db.ts` (which names the stores)
 * and the modules that read and write them (which open the database through `db.ts`) import in one direction only.
 */
import type { StoredDataset } from '../core/data/storedDataset';
import type { HfModelDescription } from '../core/hf/modelDescription';
import type { Run } from '../core/runs/run';
import type { PhaseSettings } from '../core/runs/settings';

export type { PhaseSettings, StoredDataset };

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

export interface StoredModelMeta {
  kind: 'meta';
  id: string;
  name: string;
  importedAt: number;
  /** 'files' (dropped) or the base URL it was downloaded from. */
  origin: string;
  description: HfModelDescription;
  /** Stored file name → bytes. */
  fileSizes: Record<string, number>;
  /** The same folder imported again replaces this one rather than adding a copy. */
  fingerprint: string;
  /** Train on at most this many positions (memory grows with it); undefined = all the model has. */
  maxContext?: number;
  /** Prune the vocabulary to the tokens of the run's data (on by default: the biggest speed lever). */
  prune: boolean;
}

export interface StoredModelFiles {
  kind: 'files';
  id: string;
  files: Record<string, ArrayBuffer>;
}

export type StoredModelEntry = StoredModelMeta | StoredModelFiles;
