import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StoredDataset } from '../core/data/storedDataset';
import { makeRecord } from '../core/phases/testing/records';
import type { PhaseSettings } from '../core/runs/settings';

const saved = vi.hoisted(() => ({ settings: [] as PhaseSettings[], fail: false }));
vi.mock('../storage/storedDataset', () => ({
  savePhaseSettings: async (s: PhaseSettings) => {
    if (saved.fail) throw new Error('Could not save the phase settings');
    saved.settings.push(s);
  },
}));

const { defaultScorerId, evenCutoffs, PAPER_CUTOFFS, usePhasesStore } = await import('./phasesStore');
const initial = usePhasesStore.getState();

const records = Array.from({ length: 100 }, (_, i) => makeRecord(`r${i}`));
const field = Float64Array.from(records, (_, i) => 1 + (i % 5));
const dataset: StoredDataset = {
  fileName: 'd.json',
  byteSize: 1,
  format: 'alpaca-json',
  formatLabel: 'Alpaca',
  loadedAt: 0,
  records,
  report: {} as StoredDataset['report'],
  scoreSets: [
    { scorerId: 'field', scores: field, problems: [] },
    { scorerId: 'heuristic', scores: Float64Array.from(records, () => 2), problems: [] },
  ],
};

beforeEach(() => {
  vi.useFakeTimers();
  usePhasesStore.setState(initial, true);
  saved.settings.length = 0;
  saved.fail = false;
});

afterEach(() => vi.useRealTimers());

describe('phases store', () => {
  it('starts a dataset on its own scores with the paper’s cut-offs, and saves those settings', async () => {
    usePhasesStore.getState().datasetChanged(dataset);
    const { settings, plan, phaseById } = usePhasesStore.getState();
    expect(settings).toMatchObject({ scorerId: 'field', mode: 'cutoffs', cutoffs: PAPER_CUTOFFS, phaseCount: 3 });
    expect(plan!.phases).toHaveLength(3);
    expect(phaseById.size).toBe(100);
    await vi.runAllTimersAsync();
    expect(saved.settings).toEqual([settings]);
  });

  it("starts the heuristic's squeezed scores with equal-size phases and says why; a change of settings clears the note", () => {
    const squeezed = Float64Array.from(records, (_, i) => 2 + (i % 10) / 10);
    usePhasesStore.getState().datasetChanged({
      ...dataset,
      scoreSets: [{ scorerId: 'heuristic', scores: squeezed, problems: [] }],
    });
    const { settings, plan, defaultNote } = usePhasesStore.getState();
    expect(settings).toMatchObject({ scorerId: 'heuristic', mode: 'quantiles', phaseCount: 3 });
    expect(plan!.phases.every((p) => p.recordIds.length > 20)).toBe(true);
    expect(defaultNote).toContain('would make phases of 0 / 100 / 0 records');
    usePhasesStore.getState().update({ mode: 'cutoffs', cutoffs: PAPER_CUTOFFS });
    expect(usePhasesStore.getState().defaultNote).toBeUndefined();
    // the dataset's own difficulty field keeps the paper's cut-offs, with no note
    usePhasesStore.getState().datasetChanged(dataset);
    expect(usePhasesStore.getState().settings).toMatchObject({ mode: 'cutoffs', cutoffs: PAPER_CUTOFFS });
    expect(usePhasesStore.getState().defaultNote).toBeUndefined();
  });

  it('a phase count spreads the cut-offs evenly; cut-offs set the phase count', () => {
    usePhasesStore.getState().datasetChanged(dataset);
    usePhasesStore.getState().update({ phaseCount: 4 });
    expect(usePhasesStore.getState().settings).toMatchObject({ phaseCount: 4, cutoffs: evenCutoffs(4) });
    usePhasesStore.getState().update({ cutoffs: [2.5] });
    expect(usePhasesStore.getState().settings).toMatchObject({ phaseCount: 2, cutoffs: [2.5] });
    expect(usePhasesStore.getState().plan!.phases).toHaveLength(2);
  });

  it('keeps the last good plan and says why when settings give none', () => {
    usePhasesStore.getState().datasetChanged(dataset);
    const good = usePhasesStore.getState().plan;
    usePhasesStore.getState().update({ cutoffs: [3.5, 1.5] });
    expect(usePhasesStore.getState().plan).toBe(good);
    expect(usePhasesStore.getState().settingsProblem).toBeTruthy();
  });

  it('saved settings for a scorer the dataset lacks give way to the defaults', () => {
    usePhasesStore.getState().datasetChanged(dataset, {
      scorerId: 'judge',
      mode: 'cutoffs',
      cutoffs: [2],
      phaseCount: 2,
      heldOutFraction: 0.1,
      seed: 1,
    });
    expect(usePhasesStore.getState().settings!.scorerId).toBe('field');
    expect(usePhasesStore.getState().scoreSet()!.scorerId).toBe('field');
  });

  it('says when the settings could not be saved', async () => {
    saved.fail = true;
    usePhasesStore.getState().datasetChanged(dataset);
    await vi.runAllTimersAsync();
    expect(usePhasesStore.getState().storageProblem).toBe('Could not save the phase settings');
  });

  it('prefers the file’s scores only when most records carry one', () => {
    expect(defaultScorerId(dataset.scoreSets)).toBe('field');
    const sparse = { scorerId: 'field', scores: Float64Array.from(records, () => NaN), problems: [] };
    expect(defaultScorerId([sparse, dataset.scoreSets[1]!])).toBe('heuristic');
  });
});
