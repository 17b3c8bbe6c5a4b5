import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_TRAIN_SETTINGS } from '../core/runs/settings';
import type { StoredCheckpoint, StoredRun } from './records';
import { deleteRun, loadCheckpointBytes, loadRuns, saveCheckpointBytes, saveRun, storageUse } from './runStorage';
import { emptyStudioDB, putRaw } from './testing/studioDB';

function run(id: string, startedAt: number): StoredRun {
  return {
    id,
    label: 'Phased',
    settings: DEFAULT_TRAIN_SETTINGS,
    dataKey: {
      fileName: 'a.json',
      scorerId: 'heuristic',
      cutoffs: [1.5, 3.5],
      heldOutFraction: 0.05,
      heldOutSeed: 1,
      trainRecords: 9,
      heldOutRecords: 1,
    },
    status: 'done',
    startedAt,
    // A diverged run's loss is NaN: it is kept as it is.
    points: [{ step: 1, tokens: 10, loss: Number.NaN, lr: 1e-3, phase: 0 }],
    evals: [],
    phases: [{ phase: 0, label: 'easy', sourcePhases: [1], startTokens: 0, steps: 1 }],
    totalSteps: 1,
    checkpointStep: 1,
  };
}

const checkpoint = (runId: string, slot: string, step: number): StoredCheckpoint => ({
  runId,
  slot,
  step,
  reason: 'phase end',
  savedAt: 5,
  bytes: new Uint8Array([step, 2, 3]),
});

beforeEach(emptyStudioDB);

describe('saved runs', () => {
  it('come back as saved, oldest first', async () => {
    await saveRun(run('run-b', 20));
    await saveRun(run('run-a', 10));
    const { runs, setAside } = await loadRuns();
    expect(runs.map((r) => r.id)).toEqual(['run-a', 'run-b']);
    expect(runs[0]).toEqual(run('run-a', 10));
    expect(setAside).toEqual([]);
  });

  it('a run saved again replaces the old record', async () => {
    await saveRun(run('run-a', 10));
    await saveRun({ ...run('run-a', 10), status: 'stopped' });
    const { runs } = await loadRuns();
    expect(runs.map((r) => [r.id, r.status])).toEqual([['run-a', 'stopped']]);
  });

  it('a damaged run is set aside with a message naming it and what is wrong; the others load', async () => {
    await saveRun(run('run-a', 10));
    await putRaw('runs', { ...run('run-b', 20), status: 'exploded' }, 'run-b');
    await putRaw('runs', { ...run('run-c', 30), points: 'none' }, 'run-c');
    const { runs, setAside } = await loadRuns();
    expect(runs.map((r) => r.id)).toEqual(['run-a']);
    expect(setAside).toHaveLength(2);
    expect(setAside[0]).toMatch(
      /^The saved run run-b is damaged \(status: Invalid type: Expected \("queued" \| .*\) but received "exploded"\) and was set aside; "Export saved data" keeps a copy\.$/,
    );
    expect(setAside[1]).toBe(
      'The saved run run-c is damaged (points: Invalid type: Expected Array but received "none") and was set aside; "Export saved data" keeps a copy.',
    );
  });
});

describe('checkpoints', () => {
  it('come back byte for byte, per slot (latest by default)', async () => {
    await saveCheckpointBytes(checkpoint('run-a', 'latest', 7));
    await saveCheckpointBytes(checkpoint('run-a', 'phase-1', 3));
    expect(await loadCheckpointBytes('run-a')).toEqual(checkpoint('run-a', 'latest', 7));
    expect((await loadCheckpointBytes('run-a', 'phase-1'))?.bytes).toEqual(new Uint8Array([3, 2, 3]));
    expect(await loadCheckpointBytes('run-a', 'phase-2')).toBeUndefined();
    expect(await loadCheckpointBytes('run-b')).toBeUndefined();
  });

  it('a newer checkpoint in a slot replaces the older one', async () => {
    await saveCheckpointBytes(checkpoint('run-a', 'latest', 7));
    await saveCheckpointBytes(checkpoint('run-a', 'latest', 9));
    expect((await loadCheckpointBytes('run-a'))?.step).toBe(9);
  });
});

describe('deleting a run', () => {
  it('removes it and every checkpoint of it, and nothing of another run', async () => {
    await saveRun(run('run-a', 10));
    await saveRun(run('run-b', 20));
    await saveCheckpointBytes(checkpoint('run-a', 'latest', 7));
    await saveCheckpointBytes(checkpoint('run-a', 'phase-1', 3));
    await saveCheckpointBytes(checkpoint('run-b', 'latest', 4));
    await deleteRun('run-a');
    expect((await loadRuns()).runs.map((r) => r.id)).toEqual(['run-b']);
    expect(await loadCheckpointBytes('run-a')).toBeUndefined();
    expect(await loadCheckpointBytes('run-a', 'phase-1')).toBeUndefined();
    expect((await loadCheckpointBytes('run-b'))?.step).toBe(4);
  });

  it('of a run that is not there is no error', async () => {
    await expect(deleteRun('run-x')).resolves.toBeUndefined();
  });
});

describe('storageUse', () => {
  it('is unknown where the platform cannot tell (Node has no navigator.storage)', async () => {
    expect(await storageUse()).toBeUndefined();
  });

  it('is unknown, not a rejection, where the browser refuses the estimate', async () => {
    vi.stubGlobal('navigator', {
      storage: { estimate: () => Promise.reject(new DOMException('denied', 'SecurityError')) },
    });
    try {
      expect(await storageUse()).toBeUndefined();
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('is what the browser estimates', async () => {
    vi.stubGlobal('navigator', { storage: { estimate: () => Promise.resolve({ usage: 5, quota: 100 }) } });
    try {
      expect(await storageUse()).toEqual({ usage: 5, quota: 100 });
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
