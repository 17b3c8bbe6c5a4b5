import { describe, expect, it } from 'vitest';
import type { Run } from '../core/runs/run';
import { DEFAULT_TRAIN_SETTINGS } from '../core/runs/settings';
import type { TrainResponse } from '../worker/trainProtocol';
import { applyTrainResponse, savesAtOnce } from './trainMessages';
import { startTiming } from '../core/runs/runTiming';

const run: Run = {
  id: 'r',
  label: 'one-off',
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
  status: 'running',
  startedAt: 0,
  points: [],
  evals: [],
  phases: [],
  totalSteps: 0,
};
type Finished = Extract<TrainResponse, { type: 'finished' }>;
const finished = (status: string, error?: string): Finished => ({
  type: 'finished',
  runId: 'r',
  summary: { status, error } as unknown as Finished['summary'],
  memory: { numTensors: 3, numBytes: 0 },
});

describe('applyTrainResponse', () => {
  it('keeps the backend and the model the worker chose', () => {
    const choice = {
      name: 'wasm' as const,
      reason: 'no WebGPU',
      skipped: [{ name: 'webgpu' as const, why: 'missing' }],
    };
    expect(applyTrainResponse(run, { type: 'backend', runId: 'r', choice }).backend).toEqual(choice);
    const config = {
      vocabSize: 10,
      contextLength: 8,
      layers: 1,
      width: 8,
      heads: 1,
      mlpRatio: 4,
      layerNormEps: 1e-5,
      attentionScale: 'sqrt' as const,
    };
    expect(
      applyTrainResponse(run, { type: 'model', runId: 'r', config, parameters: 123, vocabSize: 10, notes: ['n'] })
        .model,
    ).toEqual({ config, parameters: 123, notes: ['n'] });
  });

  it('passes loop events to applyRunEvent', () => {
    const next = applyTrainResponse(run, {
      type: 'event',
      runId: 'r',
      event: { type: 'error', message: 'boom', phase: 0, step: 1, stepInPhase: 1, lastGoodCheckpoint: null },
    });
    expect(next).toMatchObject({ status: 'error', error: 'boom' });
  });

  it('keeps one sample snapshot per phase, the newest', () => {
    const snap = (phase: number, step: number) => ({ phase, label: `p${phase}`, step, tokensSeen: 0, samples: [] });
    let r = applyTrainResponse(run, { type: 'samples', runId: 'r', snapshot: snap(0, 1) });
    r = applyTrainResponse(r, { type: 'samples', runId: 'r', snapshot: snap(1, 2) });
    r = applyTrainResponse(r, { type: 'samples', runId: 'r', snapshot: snap(0, 3) });
    expect(r.samples!.map((s) => [s.phase, s.step])).toEqual([
      [1, 2],
      [0, 3],
    ]);
  });

  it('times a launched run by the arrival of its messages', () => {
    const launched = { ...run, timing: startTiming(undefined, 1000) };
    const after = applyTrainResponse(
      applyTrainResponse(
        launched,
        { type: 'backend', runId: 'r', choice: { name: 'wasm', reason: '', skipped: [] } },
        3000,
      ),
      finished('done'),
      9000,
    );
    expect(after.timing).toMatchObject({ launchedAt: 1000, backendAt: 3000, finishedAt: 9000, lastAt: 9000 });
    expect(applyTrainResponse(run, finished('done'), 9000).timing).toBeUndefined();
  });

  it('keeps exact match', () => {
    const outcome = { skipped: 'no held-out records', examples: [] };
    expect(applyTrainResponse(run, { type: 'exactMatch', runId: 'r', outcome }).exactMatch).toEqual(outcome);
  });

  it('finishes as the summary says, an earlier error winning, and counts leftover tensors', () => {
    expect(applyTrainResponse(run, finished('done'))).toMatchObject({ status: 'done', leftoverTensors: 3 });
    expect(applyTrainResponse(run, finished('stopped')).status).toBe('stopped');
    expect(applyTrainResponse(run, finished('error', 'NaN'))).toMatchObject({ status: 'error', error: 'NaN' });
    expect(applyTrainResponse({ ...run, status: 'error', error: 'first' }, finished('done'))).toMatchObject({
      status: 'error',
      error: 'first',
    });
  });

  it('fails with the worker’s message', () => {
    expect(applyTrainResponse(run, { type: 'failed', runId: 'r', message: 'crashed' })).toMatchObject({
      status: 'error',
      error: 'crashed',
    });
  });

  it('saves at once what a reload must not lose, and throttles the rest', () => {
    expect(savesAtOnce(finished('done'))).toBe(true);
    expect(savesAtOnce({ type: 'failed', runId: 'r', message: 'x' })).toBe(true);
    expect(savesAtOnce({ type: 'backend', runId: 'r', choice: { name: 'cpu', reason: '', skipped: [] } })).toBe(false);
  });
});
