import { describe, expect, it, vi } from 'vitest';

// The store's edges: the parsing worker, IndexedDB and the phases store. The worker's answer is held back, so a
// second file arrives while the first is still being read.
const worker = vi.hoisted(() => ({
  finish: undefined as undefined | ((value: unknown) => void),
  calls: [] as string[],
}));
vi.mock('../worker/dataClient', () => ({
  WorkerParseError: class extends Error {},
  dataClient: {
    parse: (input: { fileName: string }) => {
      worker.calls.push(input.fileName);
      return new Promise((resolve) => (worker.finish = resolve));
    },
    cancel: () => undefined,
  },
}));
vi.mock('../storage/storedDataset', () => ({
  saveCurrentDataset: async () => undefined,
  loadCurrentDataset: async () => undefined,
  clearCurrentDataset: async () => undefined,
}));
vi.mock('./phasesStore', () => ({ usePhasesStore: { getState: () => ({ datasetChanged: () => undefined }) } }));

const { useDatasetStore, stillReadingMessage } = await import('./datasetStore');

const file = (name: string) => new File(['[{"instruction": "a", "output": "b"}]'], name);

describe('dataset store: one file at a time', () => {
  it('names a second file dropped while one is read, reads only the first, and clears the note on the next load', async () => {
    const first = useDatasetStore.getState().loadFile(file('first.json'));
    await vi.waitFor(() => expect(useDatasetStore.getState().loading?.fileName).toBe('first.json'));
    await useDatasetStore.getState().loadFile(file('second.json'));
    expect(useDatasetStore.getState().ignoredFile).toBe(stillReadingMessage('first.json', 'second.json'));
    expect(useDatasetStore.getState().ignoredFile).toBe(
      'Still reading "first.json"; "second.json" was not read. Drop "second.json" again when "first.json" is done.',
    );
    expect(worker.calls).toEqual(['first.json']);

    worker.finish!({
      contentHash: 'h',
      format: 'alpaca-json',
      formatLabel: 'Alpaca',
      records: [],
      report: { accepted: 1, rejected: [], warnings: [] },
      scoreSets: [],
    });
    await first;
    expect(useDatasetStore.getState().dataset?.fileName).toBe('first.json');
    // The note stays until the person drops again (it is what they read when the first file is done).
    expect(useDatasetStore.getState().ignoredFile).toBeDefined();

    const second = useDatasetStore.getState().loadFile(file('second.json'));
    await vi.waitFor(() => expect(useDatasetStore.getState().loading?.fileName).toBe('second.json'));
    expect(useDatasetStore.getState().ignoredFile).toBeUndefined();
    worker.finish!({
      contentHash: 'h2',
      format: 'alpaca-json',
      formatLabel: 'Alpaca',
      records: [],
      report: { accepted: 1, rejected: [], warnings: [] },
      scoreSets: [],
    });
    await second;
    expect(worker.calls).toEqual(['first.json', 'second.json']);
  });
});
