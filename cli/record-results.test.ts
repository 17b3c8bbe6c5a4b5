import { describe, expect, it } from 'vitest';
import { baseModelRef } from '../src/core/runs/settings';
import {
  parseRecordedResults,
  recordedRuns,
  RecordedResultsError,
  RECORDED_ID_PREFIX,
} from '../src/core/runs/recordedResults';
import { DEMO_HYPER } from '../src/core/runs/settings';
import type { ExperimentResult, RunResult } from './experiment';
import { recordResults } from './record-results';

const em = (rates: number[]) => {
  // NaN: a level with no records (n 0), as exactMatch.ts reports it.
  const buckets = rates.map((r, i) =>
    Number.isNaN(r)
      ? { bucket: String(i + 1), n: 0, correct: 0, rate: r, correctNormalized: 0, rateNormalized: r }
      : { bucket: String(i + 1), n: 10, correct: r * 10, rate: r, correctNormalized: r * 10, rateNormalized: r },
  );
  return {
    buckets,
    overall: {
      bucket: 'all',
      n: 10 * rates.length,
      correct: 0,
      rate: rates.reduce((a, b) => a + b, 0) / rates.length,
      correctNormalized: 0,
      rateNormalized: 0,
    },
  };
};
const samples = (steps: number[], tokens: number[]) =>
  steps.map((step, i) => ({
    phase: i,
    label: `after stage ${i + 1}`,
    step,
    tokensSeen: tokens[i]!,
    samples: [
      {
        id: 'h1',
        bucket: '1',
        instruction: 'add 1 and 2',
        input: '',
        expected: '3',
        generated: '3',
        correct: true,
        stop: 'eos' as const,
      },
    ],
  }));

function run(arm: string, seed: number, withTokens: boolean): RunResult {
  return {
    arm,
    label: arm,
    seed,
    steps: 30,
    tokensSeen: 3000,
    budget: 0,
    trainMs: 1000,
    wallMs: 2000,
    lossCurve: [10, 20, 30].map((step) => ({
      step,
      loss: 3 - step / 20,
      ...(withTokens ? { tokens: step * 100 + 7 } : {}),
    })),
    heldOutLoss: { buckets: [{ bucket: '1', loss: 1.5, records: 5, tokens: 50 }], overall: 1.5, tokens: 50 },
    // A level without held-out records has rate NaN: JSON writes null.
    exactMatch: em([0.5, 0.1, Number.NaN]),
    ood: em([0.2, 0, 0]),
    samples: arm === 'one-off' ? samples([30], [3000]) : samples([10, 20, 30], [800, 2000, 3000]),
  } as RunResult;
}

function experiment(withTokens: boolean): ExperimentResult {
  return {
    command: 'npm run experiment -- --arms one-off,easy-to-hard --seed-list 1,2',
    startedAt: '2026-12-03T18:25:45.000Z',
    wallMs: 1,
    machine: {
      cpus: 2,
      cpu: 'Test CPU',
      node: 'v20.0.0',
      backend: 'wasm',
      loadAverageAtStart: [],
      loadAverageAtEnd: [],
    },
    options: {
      arms: [{ kind: 'one-off' }, { kind: 'easy-to-hard' }],
      suitePath: '/x/public/demo/demo-suite.json',
      cutoffs: [1.5, 3.5],
      heldOut: { fraction: 0.1, seed: 0, maxPerPhase: 500 },
      hyper: DEMO_HYPER,
    },
    base: { path: '/x/public/models/base/base.safetensors' },
    data: {
      phases: [
        { phase: 1, range: [1, 1.5], train: 10, heldOut: 5 },
        { phase: 2, range: [1.5, 5], train: 20, heldOut: 5 },
      ],
      trainFraction: 0.25,
      contextLength: 296,
    },
    runs: [
      run('one-off', 1, withTokens),
      run('easy-to-hard', 1, withTokens),
      run('one-off', 2, withTokens),
      run('easy-to-hard', 2, withTokens),
    ],
  } as unknown as ExperimentResult;
}

describe('record:results', () => {
  it('keeps every run, labelled with machine, date, command, seeds and commit, and the studio reads it back', () => {
    const file = recordResults(experiment(true), { commit: 'abc1234' });
    expect(file.recorded).toEqual({
      machine: '2 × Test CPU, Node v20.0.0, tfjs wasm backend (in Node, not a browser)',
      date: '2026-12-03T18:25:45.000Z',
      command: 'npm run experiment -- --arms one-off,easy-to-hard --seed-list 1,2',
      seeds: [1, 2],
      commit: 'abc1234',
    });
    expect(file.setup).toMatchObject({
      dataset: 'demo-suite.json',
      baseModel: 'public/models/base/base.safetensors',
      trainFraction: 0.25,
      trainRecords: 30,
      heldOutRecords: 10,
    });
    expect(file.runs.map((r) => [r.arm.kind, r.seed])).toEqual([
      ['one-off', 1],
      ['easy-to-hard', 1],
      ['one-off', 2],
      ['easy-to-hard', 2],
    ]);
    expect(file.runs[0]!.lossCurve).toEqual([
      { step: 10, tokens: 1007, loss: 2.5 },
      { step: 20, tokens: 2007, loss: 2 },
      { step: 30, tokens: 3007, loss: 1.5 },
    ]);
    const again = parseRecordedResults(JSON.stringify(file), 'test');
    expect(again).toEqual(file);

    const runs = recordedRuns(again, baseModelRef('/'));
    expect(runs).toHaveLength(4);
    expect(
      runs.every(
        (r) => r.id.startsWith(RECORDED_ID_PREFIX) && r.label.includes('· recorded, seed') && r.status === 'done',
      ),
    ).toBe(true);
    expect(runs.map((r) => r.id)).toEqual([
      'recorded:one-off:seed-1',
      'recorded:easy-to-hard:seed-1',
      'recorded:one-off:seed-2',
      'recorded:easy-to-hard:seed-2',
    ]);
    // The NaN of a level without records comes back as NaN, not 0.
    expect(runs[0]!.exactMatch!.byLevel!.buckets[2]!.rate).toBeNaN();
    expect(runs[0]!.exactMatch!.byLevel!.buckets[0]!.rate).toBe(0.5);
    expect(runs[1]!.phases.map((p) => [p.startTokens, p.endTokens])).toEqual([
      [0, 800],
      [800, 2000],
      [2000, 3000],
    ]);
    expect(runs[1]!.evals).toEqual([
      {
        step: 30,
        tokens: 3000,
        phase: 2,
        atPhaseEnd: true,
        heldOutLoss: 1.5,
        buckets: [{ bucket: '1', loss: 1.5, records: 5, tokens: 50 }],
      },
    ]);
    expect(runs[0]!.settings.seed).toBe(1);
    expect(runs[2]!.settings.seed).toBe(2);
  });

  it('interpolates tokens between phase ends when the curve did not log them, and says so', () => {
    const file = recordResults(experiment(false), { commit: 'abc1234' });
    expect(file.recorded.note).toMatch(/interpolated between phase ends/);
    // easy → hard: phase ends at steps 10 / 20 / 30 with 800 / 2000 / 3000 tokens.
    expect(file.runs[1]!.lossCurve.map((p) => p.tokens)).toEqual([800, 2000, 3000]);
    // one-off: one phase end at step 30 → straight from (0, 0) to (30, 3000).
    expect(file.runs[0]!.lossCurve.map((p) => p.tokens)).toEqual([1000, 2000, 3000]);
  });

  it('a damaged file is refused with what is wrong and where', () => {
    const file = recordResults(experiment(true), { commit: 'abc1234' });
    expect(() => parseRecordedResults('{"format":', 'recorded-results.json')).toThrow(
      /recorded-results.json is not JSON/,
    );
    const broken = JSON.parse(JSON.stringify(file)) as { runs: { lossCurve: unknown }[] };
    broken.runs[1]!.lossCurve = 'nope';
    expect(() => parseRecordedResults(JSON.stringify(broken), 'recorded-results.json')).toThrow(RecordedResultsError);
    expect(() => parseRecordedResults(JSON.stringify(broken), 'recorded-results.json')).toThrow(/runs\.1\.lossCurve/);
    expect(() => parseRecordedResults(JSON.stringify({ ...file, version: 2 }), 'x')).toThrow(/version/);
  });
});
