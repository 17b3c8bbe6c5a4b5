import { describe, expect, it } from 'vitest';
import { savedDataJson } from './exportSaved';

describe('savedDataJson', () => {
  it('writes score sets as number lists (NaN as null) and keeps damaged records as they are', () => {
    const json = savedDataJson({
      datasets: [{ fileName: 'a.json', scoreSets: [{ scorerId: 'heuristic', scores: new Float64Array([1.5, Number.NaN]) }] }],
      runs: [{ id: 'run-1', points: 'damaged' }],
    });
    const parsed = JSON.parse(json) as { exportedAt: string; datasets: { scoreSets: { scores: unknown }[] }[]; runs: unknown[] };
    expect(parsed.datasets[0].scoreSets[0].scores).toEqual([1.5, null]);
    expect(parsed.runs).toEqual([{ id: 'run-1', points: 'damaged' }]);
    expect(Number.isNaN(Date.parse(parsed.exportedAt))).toBe(false);
  });
});
