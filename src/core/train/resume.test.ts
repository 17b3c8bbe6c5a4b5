import { describe, expect, it } from 'vitest';
import { PAPER_HYPER } from './hyper';
import type { RunConfig } from './runConfig';
import type { RunCursor } from './runCursor';
import { asRunCursor, checkResumable, runCursor } from './resume';
import type { StagePlan } from './stagePlan';

const config: RunConfig = {
  arm: { kind: 'easy-to-hard' },
  hyper: { ...PAPER_HYPER, batchSize: 2, gradAccumulation: 2 },
  seed: 3,
  logEvery: 5,
  evalEvery: 0,
  template: 'paper',
  contextLength: 32,
};
const plan = (rows: number): StagePlan => ({
  examples: [],
  order: new Int32Array(rows),
  steps: Math.ceil(rows / 4),
  truncation: { examples: 0, promptTruncated: 0, responseTruncated: 0, tokensDropped: 0, trainedTokensDropped: 0 },
});
const plans = [plan(10), plan(8)];

describe('runCursor', () => {
  it('places the data-order position at the step’s first row, capped at the stage’s end; 0 past the last stage', () => {
    expect(runCursor(config, plans, { stage: 0, stepInStage: 2, globalStep: 2, tokensSeen: 40 })).toEqual({
      stage: 0,
      stepInStage: 2,
      position: 8,
      globalStep: 2,
      tokensSeen: 40,
      seed: 3,
      config,
    });
    expect(runCursor(config, plans, { stage: 0, stepInStage: 3, globalStep: 3, tokensSeen: 50 }).position).toBe(10);
    expect(runCursor(config, plans, { stage: 2, stepInStage: 0, globalStep: 5, tokensSeen: 90 }).position).toBe(0);
  });
});

describe('checkResumable', () => {
  const cursor = (over: Partial<RunCursor>): RunCursor => ({
    ...runCursor(config, plans, { stage: 1, stepInStage: 1, globalStep: 4, tokensSeen: 9 }),
    ...over,
  });

  it('accepts a cursor of the same trajectory inside the plan, including the end of the run', () => {
    expect(() => checkResumable(cursor({}), config, plans)).not.toThrow();
    expect(() => checkResumable(cursor({ stage: 2, stepInStage: 0 }), config, plans)).not.toThrow();
    // logEvery and evalEvery do not change the trajectory.
    expect(() => checkResumable(cursor({}), { ...config, logEvery: 1, evalEvery: 7 }, plans)).not.toThrow();
  });

  it('refuses another seed, hyper-parameter or context length, and a cursor outside the plan', () => {
    expect(() => checkResumable(cursor({}), { ...config, seed: 4 }, plans)).toThrow(
      /different arm, hyper-parameters, seed/,
    );
    expect(() => checkResumable(cursor({}), { ...config, hyper: { ...config.hyper, lr: 1 } }, plans)).toThrow(
      /different arm/,
    );
    expect(() => checkResumable(cursor({}), { ...config, contextLength: 64 }, plans)).toThrow(/context length/);
    expect(() => checkResumable(cursor({ stepInStage: 3 }), config, plans)).toThrow(/stage 1, step 3\) lies outside/);
    expect(() => checkResumable(cursor({ stage: 3, stepInStage: 0 }), config, plans)).toThrow(/lies outside/);
  });
});

describe('asRunCursor', () => {
  it('passes a runner’s cursor and refuses anything else', () => {
    const c = runCursor(config, plans, { stage: 0, stepInStage: 1, globalStep: 1, tokensSeen: 3 });
    expect(asRunCursor(JSON.parse(JSON.stringify(c)))).toEqual(c);
    expect(() => asRunCursor(undefined)).toThrow(/no training cursor/);
    expect(() => asRunCursor({ ...c, seed: '3' })).toThrow(/no training cursor/);
    expect(() => asRunCursor({ ...c, config: undefined })).toThrow(/no training cursor/);
  });
});
