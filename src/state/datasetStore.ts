import { create } from 'zustand';
import { formatHubId, parseHubId } from '../core/hf/hubId';
import { downloadHubDataset } from './hfDownload';
import { useHubAccess } from './hubAccess';
import type { CsvMapping } from '../core/data/csv';
import { dataClient, WorkerParseError, type WorkerProgress } from '../worker/dataClient';
import {
  clearCurrentDataset,
  loadCurrentDataset,
  saveCurrentDataset,
  type StoredDataset,
} from '../storage/storedDataset';
import { usePhasesStore } from './phasesStore';
import type { ScoreSet } from '../core/data/scoreSet';

/**
 * What a Hub dataset's load read, when its repository holds more Parquet files than the one read: the studio reads
 * one file per dataset, the train split's first.
 */
export function hubReadNotes(id: string, read: string, listed: readonly string[]): string[] {
  const others = listed.filter((p) => p !== read);
  if (others.length === 0) return [];
  const shown = others.slice(0, 3).join(', ') + (others.length > 3 ? `, … (${others.length} in all)` : '');
  return [
    `Read ${read} of ${id}, one of its ${listed.length} Parquet files; not read: ${shown}. The studio reads one file per ` +
      "dataset (the train split's first): for more records, download the others and join them into one file.",
  ];
}

export const DEMO_DATASET_URL = `${import.meta.env.BASE_URL}demo/demo-suite.json`;
/** Files above this size are refused before reading: the browser would run out of memory long before training. */
export const MAX_FILE_BYTES = 1024 * 1024 * 1024;

export interface LoadProblem {
  fileName: string;
  message: string;
  hint: string;
}

/** The file behind a tabular dataset, kept so the user can change the column mapping without dropping it again. */
interface TabularSource {
  bytes: ArrayBuffer;
  fileName: string;
  columns: string[];
  mapping: CsvMapping;
  notes: readonly string[];
}

interface DatasetState {
  dataset?: StoredDataset;
  loading?: { fileName: string; progress?: WorkerProgress };
  /** The last file that could not be read. The dataset above, if any, is untouched. */
  problem?: LoadProblem;
  storageProblem?: string;
  tabular?: TabularSource;
  restored: boolean;
  /** A file given while another was still being read: it was not read (one file at a time); this says so. */
  ignoredFile?: string;

  loadFile(file: File): Promise<void>;
  /** `notes` join the load report's (what a Hub download read and left). */
  loadBytes(bytes: ArrayBuffer, fileName: string, csvMapping?: CsvMapping, notes?: readonly string[]): Promise<void>;
  loadDemo(): Promise<void>;
  /** A dataset of the Hub by id (`owner/name[@revision]`): its first Parquet file (the train split's), as if dropped. */
  loadHubDataset(text: string): Promise<void>;
  remapColumns(mapping: CsvMapping): Promise<void>;
  restore(): Promise<void>;
  unload(): Promise<void>;
  cancelLoading(): void;
  dismissProblem(): void;
  dismissIgnoredFile(): void;
  /** Adds scores computed later (judge, IFD …), replacing the set with the same scorerId, and saves the dataset. */
  addScoreSet(scoreSet: ScoreSet): Promise<void>;
}

export const useDatasetStore = create<DatasetState>()((set, get) => ({
  restored: false,

  async loadFile(file) {
    if (refuseWhileLoading(file.name)) return;
    if (file.size === 0) {
      set({
        problem: {
          fileName: file.name,
          message: `"${file.name}" is empty.`,
          hint: 'Choose a file that holds records.',
        },
      });
      return;
    }
    if (file.size > MAX_FILE_BYTES) {
      set({
        problem: {
          fileName: file.name,
          message: `"${file.name}" is ${(file.size / 2 ** 30).toFixed(1)} GiB; the studio reads files up to 1 GiB.`,
          hint: 'Take a sample of the records (a browser-sized fine-tune needs far fewer).',
        },
      });
      return;
    }
    let bytes: ArrayBuffer;
    try {
      bytes = await file.arrayBuffer();
    } catch (error) {
      set({
        problem: {
          fileName: file.name,
          message: `The browser could not read "${file.name}" (${String(error)}).`,
          hint: 'Check that the file is still there and readable.',
        },
      });
      return;
    }
    await get().loadBytes(bytes, file.name);
  },

  async loadBytes(bytes, fileName, csvMapping, notes = []) {
    if (refuseWhileLoading(fileName)) return;
    // The worker takes ownership of the buffer it is sent; keep a copy only where a re-mapping may need it.
    const tabular = /\.(csv|tsv|tab|txt|parquet)$/i.test(fileName) ? bytes.slice(0) : undefined;
    const byteSize = bytes.byteLength;
    set({ loading: { fileName }, problem: undefined, ignoredFile: undefined });
    try {
      const parsed = await dataClient.parse(
        { bytes, fileName },
        { csvMapping, onProgress: (progress) => set({ loading: { fileName, progress } }) },
      );
      const dataset: StoredDataset = {
        fileName,
        byteSize,
        contentHash: parsed.contentHash,
        format: parsed.format,
        formatLabel: parsed.formatLabel,
        loadedAt: Date.now(),
        records: parsed.records,
        report:
          notes.length > 0 ? { ...parsed.report, notes: [...notes, ...(parsed.report.notes ?? [])] } : parsed.report,
        scoreSets: parsed.scoreSets,
      };
      set({
        dataset,
        loading: undefined,
        tabular:
          tabular && parsed.columns
            ? { bytes: tabular, fileName, columns: parsed.columns.names, mapping: parsed.columns.mapping, notes }
            : undefined,
      });
      usePhasesStore.getState().datasetChanged(dataset);
      try {
        await saveCurrentDataset(dataset);
        set({ storageProblem: undefined });
      } catch (error) {
        set({ storageProblem: `${(error as Error).message} The dataset is loaded, but will not survive a reload.` });
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof WorkerParseError && error.cancelled) {
        set({ loading: undefined });
        return;
      }
      const hint = error instanceof WorkerParseError ? error.hint : '';
      set({ loading: undefined, problem: { fileName, message, hint } });
    }
  },

  async loadHubDataset(text) {
    let repo;
    try {
      repo = parseHubId(text, 'dataset');
    } catch (error) {
      set({ problem: { fileName: text.trim(), message: (error as Error).message, hint: '' } });
      return;
    }
    const { hub, token } = useHubAccess.getState();
    const fileName = formatHubId(repo);
    if (refuseWhileLoading(fileName)) return;
    set({ loading: { fileName }, problem: undefined, ignoredFile: undefined });
    let files;
    let listed: string[] = [];
    try {
      files = await downloadHubDataset(hub, repo, () => {}, {
        token: token.trim() || undefined,
        maxFiles: 1,
        listed: (paths) => (listed = paths),
      });
    } catch (error) {
      set({ loading: undefined, problem: { fileName, message: (error as Error).message, hint: '' } });
      return;
    }
    set({ loading: undefined });
    const [first] = files;
    if (first)
      await get().loadBytes(
        first.bytes,
        first.path.split('/').pop()!,
        undefined,
        hubReadNotes(fileName, first.path, listed),
      );
  },

  async loadDemo() {
    const fileName = 'demo-suite.json';
    try {
      const response = await fetch(DEMO_DATASET_URL);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      await get().loadBytes(await response.arrayBuffer(), fileName);
    } catch (error) {
      set({
        problem: {
          fileName,
          message: `Could not fetch the demo dataset (${(error as Error).message}).`,
          hint: 'Is the studio server still running?',
        },
      });
    }
  },

  async remapColumns(mapping) {
    const tabular = get().tabular;
    if (!tabular) return;
    await get().loadBytes(tabular.bytes.slice(0), tabular.fileName, mapping, tabular.notes);
  },

  async restore() {
    try {
      const saved = await loadCurrentDataset();
      if (saved?.problem) set({ storageProblem: saved.problem });
      if (saved?.dataset && !get().dataset) {
        set({ dataset: saved.dataset });
        usePhasesStore.getState().datasetChanged(saved.dataset, saved.settings);
      }
    } catch (error) {
      set({ storageProblem: (error as Error).message });
    } finally {
      set({ restored: true });
    }
  },

  async unload() {
    set({ dataset: undefined, tabular: undefined, problem: undefined });
    usePhasesStore.getState().datasetChanged(undefined);
    try {
      await clearCurrentDataset();
    } catch (error) {
      set({ storageProblem: (error as Error).message });
    }
  },

  cancelLoading() {
    dataClient.cancel();
  },

  dismissProblem() {
    set({ problem: undefined });
  },

  dismissIgnoredFile() {
    set({ ignoredFile: undefined });
  },

  async addScoreSet(scoreSet) {
    const current = get().dataset;
    if (!current) return;
    if (scoreSet.scores.length !== current.records.length) {
      throw new Error(
        `The "${scoreSet.scorerId}" scores cover ${scoreSet.scores.length} records, but the dataset has ${current.records.length}.`,
      );
    }
    const dataset: StoredDataset = {
      ...current,
      scoreSets: [...current.scoreSets.filter((s) => s.scorerId !== scoreSet.scorerId), scoreSet],
    };
    set({ dataset });
    usePhasesStore.getState().datasetChanged(dataset, usePhasesStore.getState().settings);
    try {
      await saveCurrentDataset(dataset);
      set({ storageProblem: undefined });
    } catch (error) {
      set({
        storageProblem: `${(error as Error).message} The new scores are on screen, but will not survive a reload.`,
      });
    }
  },
}));

/**
 * One file at a time: a second one given while the first is read is not queued (the person may well have dropped the
 * wrong one, and a queue would silently replace what they are waiting for); it is named, so they can drop it again.
 */
function refuseWhileLoading(fileName: string): boolean {
  const loading = useDatasetStore.getState().loading;
  if (!loading) return false;
  useDatasetStore.setState({ ignoredFile: stillReadingMessage(loading.fileName, fileName) });
  return true;
}

export function stillReadingMessage(reading: string, dropped: string): string {
  return `Still reading "${reading}"; "${dropped}" was not read. Drop "${dropped}" again when "${reading}" is done.`;
}
