import { beforeEach, describe, expect, it, vi } from 'vitest';
import { makeRecord } from '../core/phases/testing/records';
import { planByCutoffs } from '../core/phases/plan';
import type { StoredDataset } from '../core/data/storedDataset';
import { dataKeyOf, type Run } from '../core/runs/run';
import { DEFAULT_TRAIN_SETTINGS, DEMO_HYPER } from '../core/runs/settings';
import type { TrainRequest, TrainResponse } from '../worker/trainProtocol';

// The store's edges: the training worker and IndexedDB. Both are replaced, so the store's own logic runs in Node.
const worker = vi.hoisted(() => ({
  starts: [] as { request: Extract<TrainRequest, { type: 'start' }>; reply: (m: TrainResponse) => void }[],
  sent: [] as Exclude<TrainRequest, { type: 'start' }>[],
}));
const saved = vi.hoisted(() => ({
  runs: [] as Run[],
  checkpoints: [] as { runId: string; slot: string; step: number }[],
  deleted: [] as string[],
  stored: [] as Run[],
  setAside: [] as string[],
}));

vi.mock('../worker/trainClient', () => ({
  trainClient: {
    start: (request: Extract<TrainRequest, { type: 'start' }>, reply: (m: TrainResponse) => void) =>
      worker.starts.push({ request, reply }),
    send: (request: Exclude<TrainRequest, { type: 'start' }>) => worker.sent.push(request),
  },
}));
vi.mock('../storage/runStorage', () => ({
  saveRun: async (run: Run) => void saved.runs.push(run),
  loadRuns: async () => ({ runs: saved.stored, setAside: saved.setAside }),
  saveCheckpointBytes: async (c: { runId: string; slot: string; step: number }) =>
    void saved.checkpoints.push({ runId: c.runId, slot: c.slot, step: c.step }),
  loadCheckpointBytes: async () => undefined,
  deleteRun: async (id: string) => void saved.deleted.push(id),
  storageUse: async () => undefined,
}));

const { useTrainStore } = await import('./trainStore');
const initial = useTrainStore.getState();

const records = Array.from({ length: 40 }, (_, i) => ({ ...makeRecord(`r${i}`), score: 1 + (i % 5) }));
const dataset: StoredDataset = {
  fileName: 'demo.json',
  byteSize: 1,
  contentHash: 'h',
  format: 'alpaca-json',
  formatLabel: 'Alpaca',
  loadedAt: 0,
  records,
  report: { total: 40, valid: 40, issues: [] } as unknown as StoredDataset['report'],
  scoreSets: [],
};
const plan = planByCutoffs(
  records,
  Float64Array.from(records, (r) => r.score!),
  [2.5],
  { scorerId: 'field', heldOut: { fraction: 0.1, seed: 1 } },
);
const flush = () => new Promise((r) => setTimeout(r, 0));
const run = (i = 0) => useTrainStore.getState().runs[i]!;

beforeEach(() => {
  useTrainStore.setState(initial, true);
  worker.starts.length = 0;
  worker.sent.length = 0;
  saved.runs.length = 0;
  saved.checkpoints.length = 0;
  saved.deleted.length = 0;
  saved.stored = [];
  saved.setAside = [];
});

describe('train store settings', () => {
  it('updates settings and the recipe, and records that a model was chosen', () => {
    const s = useTrainStore.getState();
    s.update({ seed: 7 });
    s.updateHyper({ lr: 5e-4 });
    expect(useTrainStore.getState().settings).toMatchObject({
      seed: 7,
      hyper: { ...DEFAULT_TRAIN_SETTINGS.hyper, lr: 5e-4 },
    });
    expect(useTrainStore.getState().modelChosen).toBe(false);
    s.chooseModel({ preset: 'tiny' });
    expect(useTrainStore.getState()).toMatchObject({ modelChosen: true, settings: { preset: 'tiny' } });
  });

  it('adopts the base model with the fine-tuning rate, keeping a rate the person typed, and never over a chosen model', () => {
    useTrainStore.getState().adoptBaseModel();
    expect(useTrainStore.getState().settings).toMatchObject({ model: { kind: 'base' }, hyper: { lr: DEMO_HYPER.lr } });

    useTrainStore.setState(initial, true);
    useTrainStore.getState().updateHyper({ lr: 3e-3 });
    useTrainStore.getState().adoptBaseModel();
    expect(useTrainStore.getState().settings.hyper.lr).toBe(3e-3);

    useTrainStore.setState(initial, true);
    useTrainStore.getState().chooseModel({ preset: 'micro' });
    useTrainStore.getState().adoptBaseModel();
    expect(useTrainStore.getState().settings.model).toBeUndefined();
  });

  it('keeps a typed learning rate even when it is the from-scratch default, and lets other settings leave it to the model', () => {
    useTrainStore.getState().updateHyper({ lr: DEFAULT_TRAIN_SETTINGS.hyper.lr });
    useTrainStore.getState().adoptBaseModel();
    expect(useTrainStore.getState()).toMatchObject({
      lrChosen: true,
      settings: { model: { kind: 'base' }, hyper: { lr: DEFAULT_TRAIN_SETTINGS.hyper.lr } },
    });

    useTrainStore.setState(initial, true);
    useTrainStore.getState().updateHyper({ batchSize: 8 });
    useTrainStore.getState().adoptBaseModel();
    expect(useTrainStore.getState()).toMatchObject({
      lrChosen: false,
      settings: { hyper: { lr: DEMO_HYPER.lr, batchSize: 8 } },
    });
  });

  it('replaces every setting at once from a shared configuration', () => {
    const settings = { ...DEFAULT_TRAIN_SETTINGS, seed: 42, maxSteps: 10 };
    useTrainStore.getState().replaceSettings(settings);
    expect(useTrainStore.getState()).toMatchObject({ settings, modelChosen: true });
  });
});

describe('train store queue', () => {
  it('queues one run per arm and seed, saves them, and starts only the first', async () => {
    useTrainStore.getState().queue([{ kind: 'easy-to-hard' }, { kind: 'one-off' }], [1, 2], plan, dataset);
    await flush();
    const runs = useTrainStore.getState().runs;
    expect(runs.map((r) => [r.settings.arm.kind, r.settings.seed])).toEqual([
      ['easy-to-hard', 1],
      ['easy-to-hard', 2],
      ['one-off', 1],
      ['one-off', 2],
    ]);
    expect(runs.every((r) => r.label.endsWith(`seed ${r.settings.seed}`))).toBe(true);
    expect(runs.map((r) => r.status)).toEqual(['starting', 'queued', 'queued', 'queued']);
    expect(useTrainStore.getState().activeRunId).toBe(runs[0]!.id);
    expect(worker.starts).toHaveLength(1);
    const { request } = worker.starts[0]!;
    expect(request).toMatchObject({
      runId: runs[0]!.id,
      model: { kind: 'random' },
      config: { seed: 1, arm: { kind: 'easy-to-hard' } },
    });
    expect(request.phases.flat().length + request.heldOut.length).toBe(40);
    expect(runs[0]!.dataKey).toMatchObject({
      fileName: 'demo.json',
      contentHash: 'h',
      scorerId: 'field',
      cutoffs: [2.5],
    });
    expect(new Set(saved.runs.map((r) => r.id))).toEqual(new Set(runs.map((r) => r.id)));
    expect(saved.runs.some((r) => 'lastCheckpoint' in r)).toBe(false);
  });

  it('folds worker messages into the run, saves checkpoints, and starts the next run when one finishes', async () => {
    useTrainStore.getState().queue([{ kind: 'easy-to-hard' }], [1, 2], plan, dataset);
    await flush();
    const { reply, request } = worker.starts[0]!;
    const id = request.runId;
    reply({ type: 'backend', runId: id, choice: { name: 'cpu', reason: 'asked for', skipped: [] } });
    reply({
      type: 'event',
      runId: id,
      event: {
        type: 'step',
        phase: 0,
        step: 2,
        stepInPhase: 2,
        loss: 2,
        losses: [2.5, 1.5],
        lr: 1e-3,
        lrs: [1e-3, 1e-3],
        gradNorm: 1,
        tokensSeen: 64,
        tokensPerSec: 100,
        elapsedMs: 50,
        windowMs: 50,
      },
    });
    expect(run()).toMatchObject({ status: 'running', backend: { name: 'cpu' }, tokensPerSec: 100 });
    expect(run().points.map((p) => p.loss)).toEqual([2.5, 1.5]);

    const bytes = new Uint8Array([9]);
    const cursor = { stage: 1, stepInStage: 0, position: 0, globalStep: 2 } as never;
    reply({
      type: 'event',
      runId: id,
      event: { type: 'checkpoint', reason: 'phase-end', phase: 0, step: 2, cursor, bytes },
    });
    await flush();
    expect(saved.checkpoints).toEqual([
      { runId: id, slot: 'latest', step: 2 },
      { runId: id, slot: 'phase-1', step: 2 },
    ]);
    expect(run()).toMatchObject({ lastCheckpoint: { step: 2, reason: 'phase-end' }, checkpointStep: 2 });

    const summary = { status: 'done' } as Extract<TrainResponse, { type: 'finished' }>['summary'];
    reply({ type: 'finished', runId: id, summary, memory: { numTensors: 0, numBytes: 0 } });
    await flush();
    expect(run(0)).toMatchObject({ status: 'done', leftoverTensors: 0 });
    expect(run(1).status).toBe('starting');
    expect(worker.starts.map((s) => s.request.runId)).toEqual([id, run(1).id]);
  });

  it('pauses, resumes and stops through the worker; stop also stops what is queued', async () => {
    useTrainStore.getState().queue([{ kind: 'easy-to-hard' }], [1, 2], plan, dataset);
    await flush();
    const s = useTrainStore.getState();
    s.pause();
    expect(run(0).status).toBe('paused');
    s.resume();
    expect(run(0).status).toBe('running');
    s.stop();
    expect(worker.sent.map((m) => m.type)).toEqual(['pause', 'resume', 'stop']);
    expect(run(1).status).toBe('stopped');
  });
});

describe('train store history', () => {
  it('restores saved runs, marking the ones that were still going as interrupted', async () => {
    const base = {
      label: 'x',
      settings: DEFAULT_TRAIN_SETTINGS,
      dataKey: {
        fileName: 'd',
        scorerId: 'field',
        cutoffs: [],
        heldOutFraction: 0.1,
        heldOutSeed: 1,
        trainRecords: 1,
        heldOutRecords: 1,
      },
      points: [],
      evals: [],
      phases: [],
      totalSteps: 0,
    };
    saved.stored = [
      { ...base, id: 'b', status: 'running', startedAt: 2 },
      { ...base, id: 'a', status: 'done', startedAt: 1 },
    ];
    await useTrainStore.getState().restoreRuns();
    expect(useTrainStore.getState().runs.map((r) => [r.id, r.status])).toEqual([
      ['a', 'done'],
      ['b', 'interrupted'],
    ]);
    expect(saved.runs.map((r) => [r.id, r.status])).toEqual([['b', 'interrupted']]);
  });

  it('deletes a run that is not training, here and in storage', async () => {
    useTrainStore.getState().queue([{ kind: 'easy-to-hard' }], [1, 2], plan, dataset);
    await flush();
    const [active, queued] = useTrainStore.getState().runs;
    await useTrainStore.getState().deleteRun(active!.id);
    await useTrainStore.getState().deleteRun(queued!.id);
    expect(useTrainStore.getState().runs.map((r) => r.id)).toEqual([active!.id]);
    expect(saved.deleted).toEqual([queued!.id]);
  });

  it('refuses to resume a run on other data, and says why', async () => {
    useTrainStore.setState({ runs: [{ ...(await queuedRun()), status: 'interrupted' }], activeRunId: undefined });
    await useTrainStore.getState().resumeRun(run().id, plan, { ...dataset, contentHash: 'other' });
    expect(useTrainStore.getState().notice).toMatch(/trained on demo.json with other phases/);
  });
});

describe('train store: continue from a checkpoint with new settings', () => {
  it('starts a new run from a failed run’s checkpoint weights with the current settings, leaving the failed run as it was', async () => {
    const failed = await queuedRun();
    const bytes = new Uint8Array([1, 2, 3]);
    useTrainStore.setState({
      runs: [
        {
          ...failed,
          status: 'error',
          error: 'Training diverged',
          lastCheckpoint: { bytes, step: 6, reason: 'before-error' },
        },
      ],
      activeRunId: undefined,
    });
    worker.starts.length = 0;
    useTrainStore.getState().updateHyper({ lr: 1e-4 });
    useTrainStore.getState().update({ seed: 3 });
    await useTrainStore.getState().continueWithNewSettings(failed.id, plan, dataset);
    await flush();
    const [old, next] = useTrainStore.getState().runs;
    expect(old).toMatchObject({
      id: failed.id,
      status: 'error',
      settings: { hyper: { lr: DEFAULT_TRAIN_SETTINGS.hyper.lr } },
    });
    expect(next).toMatchObject({
      status: 'starting',
      label: `Easy → hard · from ${failed.label} step 6`,
      settings: { seed: 3, hyper: { lr: 1e-4 } },
    });
    expect(next!.id).not.toBe(failed.id);
    expect(worker.starts).toHaveLength(1);
    const { request } = worker.starts[0]!;
    // A new run (not a resume) from those weights, trained with the new settings, its rows fitted to the data.
    expect(request).toMatchObject({
      runId: next!.id,
      model: { kind: 'checkpoint', resume: false },
      config: { seed: 3, hyper: { lr: 1e-4 }, contextLength: 0 },
    });
    expect(Array.from(new Uint8Array((request.model as { bytes: ArrayBuffer }).bytes))).toEqual([1, 2, 3]);
    expect(request.phases.flat().length + request.heldOut.length).toBe(40);
    expect(saved.runs.some((r) => r.id === next!.id)).toBe(true);
  });

  it('says so when the run has no checkpoint, and does nothing while a run trains', async () => {
    const failed = await queuedRun();
    useTrainStore.setState({ runs: [{ ...failed, status: 'error' }], activeRunId: undefined });
    worker.starts.length = 0;
    await useTrainStore.getState().continueWithNewSettings(failed.id, plan, dataset);
    expect(useTrainStore.getState().notice).toMatch(/has no saved checkpoint to continue from/);
    useTrainStore.setState({ activeRunId: 'other', notice: undefined });
    await useTrainStore.getState().continueWithNewSettings(failed.id, plan, dataset);
    expect(useTrainStore.getState().runs).toHaveLength(1);
    expect(worker.starts).toHaveLength(0);
  });
});

describe('train store after a reload', () => {
  const stored = (id: string, status: Run['status'], startedAt: number): Run => ({
    id,
    label: `run ${id}`,
    settings: DEFAULT_TRAIN_SETTINGS,
    dataKey: dataKeyOf(plan, dataset),
    status,
    startedAt,
    points: [],
    evals: [],
    phases: [],
    totalSteps: 0,
  });

  it('keeps the queue behind the interrupted run, says so in one line, and starts it when the resumed run ends', async () => {
    saved.stored = [stored('q1', 'running', 1), stored('q2', 'queued', 2)];
    await useTrainStore.getState().restoreRuns();
    expect(useTrainStore.getState().runs.map((r) => [r.id, r.status])).toEqual([
      ['q1', 'interrupted'],
      ['q2', 'queued'],
    ]);
    expect(useTrainStore.getState().restoredNote).toBe(
      'Restored after the reload: run "run q1" was interrupted: Resume continues it from its last checkpoint; 1 queued run waits in the queue and starts after the resumed run.',
    );

    await useTrainStore.getState().resumeRun('q1', plan, dataset);
    await flush();
    expect(worker.starts.map((s) => s.request.runId)).toEqual(['q1']);
    worker.starts[0]!.reply({
      type: 'finished',
      runId: 'q1',
      summary: { status: 'done' },
      memory: { numTensors: 0, numBytes: 0 },
    } as unknown as TrainResponse);
    await flush();
    expect(worker.starts.map((s) => s.request.runId)).toEqual(['q1', 'q2']);
    useTrainStore.getState().dismissRestoredNote();
    expect(useTrainStore.getState().restoredNote).toBeUndefined();
  });

  it('offers a waiting run its own Resume once no interrupted run is left ahead of it', async () => {
    saved.stored = [stored('w1', 'running', 1), stored('w2', 'queued', 2)];
    await useTrainStore.getState().restoreRuns();
    await useTrainStore.getState().deleteRun('w1');
    expect(useTrainStore.getState().runs.map((r) => [r.id, r.status])).toEqual([['w2', 'interrupted']]);
  });

  it('sets a damaged saved run aside with the message storage gave', async () => {
    saved.setAside = ['The saved run r9 is damaged (points: expected array) and was set aside.'];
    await useTrainStore.getState().restoreRuns();
    expect(useTrainStore.getState().notice).toBe(
      'The saved run r9 is damaged (points: expected array) and was set aside.',
    );
  });
});

async function queuedRun(): Promise<Run> {
  useTrainStore.getState().queue([{ kind: 'easy-to-hard' }], [1], plan, dataset);
  await flush();
  return run();
}
