import { describe, expect, it } from 'vitest';
import { gptConfigFromPreset } from '../model/config';
import { PAPER_HYPER } from './hyper';
import type { RunConfig } from './runConfig';
import { validateRunConfig } from './validateRunConfig';

const good: RunConfig = {
  arm: { kind: 'one-off' },
  hyper: { ...PAPER_HYPER, batchSize: 4 },
  seed: 1,
  logEvery: 5,
  evalEvery: 0,
  template: 'paper',
  contextLength: 32,
};

describe('validateRunConfig', () => {
  it('accepts a usable config', () => {
    expect(() => validateRunConfig(good, gptConfigFromPreset('micro', 40))).not.toThrow();
  });

  it('names every unusable field at once', () => {
    const bad = {
      ...good,
      hyper: { ...good.hyper, batchSize: 0, gradAccumulation: 1.5 },
      logEvery: 0,
      evalEvery: -1,
      contextLength: 1,
      seed: NaN,
    };
    let message = '';
    try {
      validateRunConfig(bad);
    } catch (e) {
      expect(e).toBeInstanceOf(RangeError);
      message = (e as Error).message;
    }
    for (const what of [
      'hyper.batchSize must be a positive integer, got 0',
      'hyper.gradAccumulation',
      'logEvery',
      'evalEvery must be an integer ≥ 0',
      'contextLength must be an integer ≥ 2',
      'seed must be a number',
    ]) {
      expect(message).toContain(what);
    }
  });

  it('refuses a context longer than the model’s', () => {
    expect(() => validateRunConfig({ ...good, contextLength: 64 }, gptConfigFromPreset('micro', 40))).toThrow(
      /contextLength 64 exceeds the model's context \(32 positions\)/,
    );
  });
});
