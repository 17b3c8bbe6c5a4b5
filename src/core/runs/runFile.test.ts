import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { armSlug, parseTrainFile, phasesFromScores, TrainFileError } from './runFile';
import { PAPER_HYPER } from '../train/hyper';
import { rec } from '../text/testing/toyData';

describe('parseTrainFile', () => {
  it('fills defaults: paper hyper-parameters, cut-offs 1.5/3.5, one-off vs easy→hard', () => {
    const f = parseTrainFile({ dataset: 'd.json', run: { hyper: { lr: 0.01 } } });
    expect(f.cutoffs).toEqual([1.5, 3.5]);
    expect(f.arms).toEqual([{ kind: 'one-off' }, { kind: 'easy-to-hard' }]);
    expect(f.run.hyper).toEqual({ ...PAPER_HYPER, lr: 0.01 });
    expect(f.run).toMatchObject({ template: 'paper', logEvery: 10 });
    expect(f.backend).toBe('wasm');
    expect(parseTrainFile({ dataset: 'd', arm: { kind: 'custom', order: [2, 1, 3] } }).arms).toEqual([
      { kind: 'custom', order: [2, 1, 3] },
    ]);
  });

  it("reads a chat template by its choice, for the run to read from the model's files", () => {
    expect(parseTrainFile({ dataset: 'd', run: { template: 'chatml' } }).run.template).toEqual({ chat: 'chatml' });
    expect(parseTrainFile({ dataset: 'd', run: { template: 'alpaca' } }).run.template).toBe('alpaca');
  });

  it('lists every problem, each naming its field', () => {
    try {
      parseTrainFile({
        arms: [{ kind: 'sideways' }],
        run: { template: 'vicuna', steps: 3, hyper: { lr: '1e-3', momentum: 0.9 } },
        colour: 'red',
      });
      throw new Error('should have thrown');
    } catch (e) {
      expect(e).toBeInstanceOf(TrainFileError);
      const p = (e as TrainFileError).problems.join('\n');
      expect(p).toMatch(/Unknown field "colour"/);
      expect(p).toMatch(/"dataset" must be/);
      expect(p).toMatch(/"arms\[0\]\.kind" must be one of/);
      expect(p).toMatch(/Unknown hyper-parameter "run.hyper.momentum"/);
      expect(p).toMatch(/"run.hyper.lr" must be a number/);
      expect(p).toMatch(/"run.template" must be one of paper, alpaca, model, chatml, llama3/);
      expect(p).toMatch(/Unknown field "run.steps"/);
    }
  });
});

describe('phasesFromScores', () => {
  it('buckets by score at the cut-offs (level → score), holds out per phase with the phase as bucket', () => {
    const records = [1, 1, 2, 3, 3, 4, 5, 5, 1.4999, 3.5].map((s, i) => rec(`r${i}`, `q${i}`, `a${i}`, '', s));
    records.push(rec('unscored', 'q', 'a'));
    const d = phasesFromScores(records, [1.5, 3.5], { fraction: 0.2, seed: 0, maxPerPhase: 10 });
    const all = (i: number) =>
      [...d.phases[i]!, ...d.heldOut.filter((h) => h.bucket === String(i + 1)).map((h) => h.record)]
        .map((r) => r.id)
        .sort();
    expect(all(0)).toEqual(['r0', 'r1', 'r8']);
    expect(all(1)).toEqual(['r2', 'r3', 'r4']);
    expect(all(2)).toEqual(['r5', 'r6', 'r7', 'r9']);
    expect(d.heldOut.length).toBeGreaterThanOrEqual(3);
    expect(d.plan.unscored).toEqual(['unscored']);
    // No record is both trained on and held out.
    const held = new Set(d.heldOut.map((h) => h.record.id));
    expect(d.phases.flat().some((r) => held.has(r.id))).toBe(false);
    expect(phasesFromScores(records, [1.5, 3.5], { fraction: 0 }, 1).phases.map((p) => p.length)).toEqual([1, 1, 1]);
  });

  it('names arm folders', () => {
    expect(armSlug({ kind: 'custom', order: [2, 1, 3] })).toBe('custom-2-1-3');
    expect(armSlug({ kind: 'hard-to-easy' })).toBe('hard-to-easy');
  });
});

describe('parseTrainFile: the same limits as the Train form', () => {
  const problemsOf = (json: unknown): string[] => {
    try {
      parseTrainFile(json);
    } catch (e) {
      if (e instanceof TrainFileError) return e.problems;
      throw e;
    }
    throw new Error('accepted');
  };

  it.each([
    ['run.hyper.batchSize', { run: { hyper: { batchSize: 1e9 } } }],
    ['run.hyper.warmupRatio', { run: { hyper: { warmupRatio: 5 } } }],
    ['run.hyper.eps', { run: { hyper: { eps: 0 } } }],
    ['run.logEvery', { run: { logEvery: 0 } }],
    ['run.hyper.weightDecay', { run: { hyper: { weightDecay: -0.1 } } }],
    ['model.preset', { model: { preset: 'toString' } }],
    ['heldOut.fraction', { heldOut: { fraction: 80 } }],
  ])('refuses %s', (field, part) => {
    const problems = problemsOf({ dataset: 'd.json', ...part });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`"${field}"`);
  });

  it('names unknown keys anywhere, with a guess', () => {
    const problems = problemsOf({
      dataset: 'd',
      heldOut: { fractoin: 0.1 },
      model: { overrides: { layer: 2 } },
      run: { arm: { kind: 'one-off' } },
    });
    expect(problems).toEqual([
      'Unknown field "heldOut.fractoin" — did you mean fraction?',
      'Unknown field "model.overrides.layer" — did you mean layers?',
      expect.stringMatching(/^Unknown field "run.arm": the arm goes in "arms"/),
    ]);
  });

  it('reads the example run.json as it is', () => {
    const example = JSON.parse(
      readFileSync(new URL('../../../cli/examples/run.json', import.meta.url), 'utf8'),
    ) as Record<string, unknown>;
    const f = parseTrainFile(example);
    expect(f.run.hyper).toEqual({ ...PAPER_HYPER, lr: 0.002, minLrRatio: 0.1 });
    expect(f.heldOut).toEqual({ fraction: 0.05, seed: 0, maxPerPhase: 60 });
    expect(f.model).toEqual({ preset: 'tiny', seed: 1, overrides: { contextLength: 128 } });
  });
});
