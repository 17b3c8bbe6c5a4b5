import { create } from 'zustand';
import type { Run } from '../core/runs/run';
import {
  parseRecordedResults,
  recordedRuns,
  RECORDED_RESULTS_FILE,
  type RecordedResults,
} from '../core/runs/recordedResults';
import { BASE_MODEL } from './baseModelStore';

/**
 * The recorded results shipped with the studio, opened on request and held in memory only: they are shown in
 * Compare beside, never among, the person's own runs (which live in trainStore and IndexedDB), and go on Remove.
 */
interface RecordedResultsState {
  status: 'closed' | 'loading' | 'open' | 'error';
  label?: RecordedResults['recorded'];
  setup?: RecordedResults['setup'];
  runs: Run[];
  error?: string;
  /** Bumped on every open, so Compare starts from the recorded runs' own selection. */
  openedAt: number;
  open(): Promise<void>;
  remove(): void;
}

export const RECORDED_RESULTS_URL = `${import.meta.env.BASE_URL}${RECORDED_RESULTS_FILE}`;

export const useRecordedResultsStore = create<RecordedResultsState>((set, get) => ({
  status: 'closed',
  runs: [],
  openedAt: 0,
  async open() {
    if (get().status === 'loading') return;
    set({ status: 'loading', error: undefined });
    try {
      const response = await fetch(RECORDED_RESULTS_URL);
      if (!response.ok)
        throw new Error(`Could not fetch the recorded results (HTTP ${response.status} for ${RECORDED_RESULTS_URL}).`);
      const file = parseRecordedResults(await response.text(), RECORDED_RESULTS_FILE);
      set({
        status: 'open',
        label: file.recorded,
        setup: file.setup,
        runs: recordedRuns(file, BASE_MODEL),
        openedAt: Date.now(),
      });
    } catch (error) {
      set({ status: 'error', runs: [], label: undefined, setup: undefined, error: (error as Error).message });
    }
  },
  remove() {
    set({ status: 'closed', runs: [], label: undefined, setup: undefined, error: undefined });
  },
}));
