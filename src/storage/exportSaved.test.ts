import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { exportSavedData, savedDataJson } from './exportSaved';
import { savePhaseSettings } from './storedDataset';
import { putRaw } from './testing/studioDB';

describe('savedDataJson', () => {
  it('writes score sets as number lists (NaN as null) and keeps damaged records as they are', () => {
    const json = savedDataJson({
      datasets: [
        { fileName: 'a.json', scoreSets: [{ scorerId: 'heuristic', scores: new Float64Array([1.5, Number.NaN]) }] },
      ],
      runs: [{ id: 'run-1', points: 'damaged' }],
    });
    const parsed = JSON.parse(json) as {
      exportedAt: string;
      datasets: { scoreSets: { scores: unknown }[] }[];
      runs: unknown[];
    };
    expect(parsed.datasets[0]!.scoreSets[0]!.scores).toEqual([1.5, null]);
    expect(parsed.runs).toEqual([{ id: 'run-1', points: 'damaged' }]);
    expect(Number.isNaN(Date.parse(parsed.exportedAt))).toBe(false);
  });
});

describe('exportSavedData', () => {
  it('writes out what is stored as it is, a damaged dataset and run included, so nothing is lost with the page', async () => {
    await putRaw(
      'datasets',
      { fileName: 'a.json', records: 'damaged', scoreSets: [{ scorerId: 'heuristic', scores: new Float64Array([2]) }] },
      'current',
    );
    await savePhaseSettings({
      scorerId: 'heuristic',
      mode: 'cutoffs',
      cutoffs: [1.5, 3.5],
      phaseCount: 3,
      heldOutFraction: 0.05,
      seed: 1,
    });
    await putRaw('runs', { id: 'run-1', points: 'damaged' }, 'run-1');
    const saved = JSON.parse(await exportSavedData()) as Record<string, unknown>;
    expect(saved.datasets).toEqual([
      { fileName: 'a.json', records: 'damaged', scoreSets: [{ scorerId: 'heuristic', scores: [2] }] },
    ]);
    expect(saved.phaseSettings).toEqual([
      { scorerId: 'heuristic', mode: 'cutoffs', cutoffs: [1.5, 3.5], phaseCount: 3, heldOutFraction: 0.05, seed: 1 },
    ]);
    expect(saved.runs).toEqual([{ id: 'run-1', points: 'damaged' }]);
  });
});
