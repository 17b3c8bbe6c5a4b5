import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { PhaseSettings, StoredDataset } from './records';
import {
  clearCurrentDataset,
  damagedDatasetMessage,
  loadCurrentDataset,
  saveCurrentDataset,
  savePhaseSettings,
} from './storedDataset';
import { emptyStudioDB, putRaw } from './testing/studioDB';

function dataset(): StoredDataset {
  return {
    fileName: 'a.json',
    byteSize: 10,
    contentHash: 'abc',
    format: 'alpaca-json',
    formatLabel: 'Alpaca',
    loadedAt: 1,
    records: [
      { id: '0', instruction: 'Add 2 and 2', input: '', output: '4', meta: { level: 1 } },
      {
        id: '1',
        instruction: 'Hi',
        input: '',
        output: 'Hello',
        history: [{ user: 'a', assistant: 'b', trained: false }],
        meta: {},
      },
    ],
    report: { accepted: 2, rejected: [], warnings: [] },
    scoreSets: [{ scorerId: 'heuristic', scores: new Float64Array([1.5, Number.NaN]), problems: [] }],
  };
}

const settings: PhaseSettings = {
  scorerId: 'heuristic',
  mode: 'cutoffs',
  cutoffs: [1.5, 3.5],
  phaseCount: 3,
  heldOutFraction: 0.05,
  seed: 7,
};

beforeEach(emptyStudioDB);

describe('the saved dataset', () => {
  it('is nothing before anything was saved', async () => {
    expect(await loadCurrentDataset()).toBeUndefined();
  });

  it('comes back as it was saved, score arrays (NaN included) and phase settings with it', async () => {
    await saveCurrentDataset(dataset());
    await savePhaseSettings(settings);
    const loaded = await loadCurrentDataset();
    expect(loaded).toEqual({ dataset: dataset(), settings });
    expect(loaded?.dataset?.scoreSets[0]!.scores).toBeInstanceOf(Float64Array);
    expect(loaded?.problem).toBeUndefined();
  });

  it('a new file replaces the old one', async () => {
    await saveCurrentDataset(dataset());
    await saveCurrentDataset({ ...dataset(), fileName: 'b.json' });
    expect((await loadCurrentDataset())?.dataset?.fileName).toBe('b.json');
  });

  it('a damaged dataset is set aside with a message that says where it is damaged', async () => {
    const damaged = { ...dataset(), records: [{ ...dataset().records[0]!, output: 4 }] };
    await putRaw('datasets', damaged, 'current');
    await savePhaseSettings(settings);
    const loaded = await loadCurrentDataset();
    expect(loaded).toEqual({
      problem: damagedDatasetMessage('records.0.output: Invalid type: Expected string but received 4'),
    });
    expect(loaded?.problem).toBe(
      'The dataset saved in this browser is damaged (records.0.output: Invalid type: Expected string but received 4) and was set aside. Load the file again; until then "Export saved data" keeps a copy of what is stored.',
    );
  });

  it('damaged phase settings give way to the defaults without a message; the dataset still loads', async () => {
    await saveCurrentDataset(dataset());
    await putRaw('phaseSettings', { ...settings, mode: 'sideways' }, 'current');
    expect(await loadCurrentDataset()).toEqual({ dataset: dataset(), settings: undefined });
  });

  it('is gone, settings too, once cleared', async () => {
    await saveCurrentDataset(dataset());
    await savePhaseSettings(settings);
    await clearCurrentDataset();
    expect(await loadCurrentDataset()).toBeUndefined();
    await saveCurrentDataset(dataset());
    expect(await loadCurrentDataset()).toEqual({ dataset: dataset(), settings: undefined });
  });
});
