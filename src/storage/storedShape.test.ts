import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_SETTINGS } from '../core/runs/settings';
import { checkPhaseSettings, checkStoredDataset, checkStoredRun } from './storedShape';

function dataset(): Record<string, unknown> {
  return {
    fileName: 'a.json',
    byteSize: 10,
    format: 'alpaca-json',
    formatLabel: 'Alpaca',
    loadedAt: 1,
    records: [
      { id: '0', instruction: 'Add 2 and 2', input: '', output: '4', meta: { task: 'add', level: 1 } },
      {
        id: '1',
        instruction: 'Hi',
        input: '',
        output: 'Hello',
        history: [{ user: 'a', assistant: 'b', trained: false }],
        meta: {},
      },
    ],
    report: { accepted: 2, rejected: [{ index: 3, reason: 'no output' }], warnings: [] },
    scoreSets: [{ scorerId: 'heuristic', scores: new Float64Array([1, Number.NaN]), problems: [] }],
  };
}

function run(): Record<string, unknown> {
  return {
    id: 'run-1',
    label: 'Phased',
    settings: DEFAULT_TRAIN_SETTINGS,
    dataKey: {
      fileName: 'a.json',
      scorerId: 'heuristic',
      cutoffs: [2, 3],
      heldOutFraction: 0.1,
      heldOutSeed: 1,
      trainRecords: 9,
      heldOutRecords: 1,
    },
    status: 'done',
    startedAt: 5,
    points: [{ step: 1, tokens: 10, loss: Number.NaN, lr: 1e-3, phase: 0 }],
    evals: [],
    phases: [{ phase: 0, label: 'easy', sourcePhases: [1], startTokens: 0 }],
    totalSteps: 1,
  };
}

describe('checkStoredDataset', () => {
  it('accepts a dataset as the studio saves it (NaN scores, a conversation, extra fields from a newer build)', () => {
    expect(checkStoredDataset(dataset()).ok).toBe(true);
    expect(checkStoredDataset({ ...dataset(), addedLater: 1 }).ok).toBe(true);
  });

  it('names where a damaged dataset goes wrong', () => {
    const damaged = dataset();
    (damaged.records as Record<string, unknown>[])[1]!.output = 42;
    expect(checkStoredDataset(damaged)).toEqual({ ok: false, problem: expect.stringMatching(/^records\.1\.output: /) });
    expect(checkStoredDataset({ ...dataset(), records: 'oops' })).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/^records: /),
    });
    expect(
      checkStoredDataset({ ...dataset(), scoreSets: [{ scorerId: 'x', scores: [1], problems: [] }] }),
    ).toMatchObject({ ok: false, problem: expect.stringMatching(/^scoreSets\.0\.scores/) });
    expect(checkStoredDataset(null).ok).toBe(false);
    expect(checkStoredDataset('a string').ok).toBe(false);
  });
});

describe('checkPhaseSettings', () => {
  it('accepts saved settings and refuses a damaged mode', () => {
    const settings = {
      scorerId: 'heuristic',
      mode: 'cutoffs',
      cutoffs: [2, 3],
      phaseCount: 3,
      heldOutFraction: 0.1,
      seed: 1,
    };
    expect(checkPhaseSettings(settings).ok).toBe(true);
    expect(checkPhaseSettings({ ...settings, mode: 'sideways' })).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/^mode: /),
    });
  });
});

describe('checkStoredRun', () => {
  it('accepts a run as the studio saves it, a NaN loss included', () => {
    expect(checkStoredRun(run()).ok).toBe(true);
  });

  it('names where a damaged run goes wrong', () => {
    expect(checkStoredRun({ ...run(), points: {} })).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/^points: /),
    });
    expect(checkStoredRun({ ...run(), status: 'flying' })).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/^status: /),
    });
    expect(checkStoredRun({ ...run(), settings: { ...DEFAULT_TRAIN_SETTINGS, hyper: undefined } })).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/^settings\.hyper: /),
    });
  });
});
