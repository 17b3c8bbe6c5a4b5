import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_SETTINGS, type PhaseSettings } from './settings';
import { ConfigError, configFromJson, configFromUrlValue, configToJson, configToUrlValue } from './shareConfig';

const phases: PhaseSettings = { scorerId: 'field', mode: 'cutoffs', cutoffs: [1.5, 3.5], phaseCount: 3, heldOutFraction: 0.05, seed: 7 };
const train = { ...DEFAULT_TRAIN_SETTINGS, arm: { kind: 'custom' as const, order: [2, 1, 3] }, hyper: { ...DEFAULT_TRAIN_SETTINGS.hyper, lr: 0.001 } };

describe('shared configuration', () => {
  it('round-trips through JSON and through a URL value', () => {
    expect(configFromJson(configToJson(train, phases))).toEqual({ kind: 'phased-ift-studio/config', version: 1, train, phases });
    const value = configToUrlValue(train, phases);
    expect(value).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(configFromUrlValue(value).train).toEqual(train);
  });

  it('fills what a file leaves out with the defaults', () => {
    const read = configFromJson(JSON.stringify({ kind: 'phased-ift-studio/config', version: 1, train: { hyper: { lr: 0.01 } } }));
    expect(read.train.hyper.lr).toBe(0.01);
    expect(read.train.hyper.batchSize).toBe(DEFAULT_TRAIN_SETTINGS.hyper.batchSize);
    expect(read.train.arm).toEqual(DEFAULT_TRAIN_SETTINGS.arm);
  });

  it('names every problem instead of guessing', () => {
    const bad = JSON.stringify({
      kind: 'phased-ift-studio/config',
      version: 1,
      train: { lrr: 1, arm: { kind: 'sideways' }, hyper: { batchSize: 0, lr: 'fast' } },
      phases: { mode: 'cutoffs', cutoffs: [3.5, 1.5], phaseCount: 3, heldOutFraction: 0.9, seed: 1 },
    });
    try {
      configFromJson(bad);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toContain('train.lrr');
      expect(problems).toContain('train.arm.kind');
      expect(problems).toContain('train.hyper.batchSize');
      expect(problems).toContain('train.hyper.lr');
      expect(problems).toContain('phases.cutoffs');
      expect(problems).toContain('phases.heldOutFraction');
    }
  });

  it('refuses files that are not studio configurations', () => {
    expect(() => configFromJson('not json')).toThrow(/not JSON/);
    expect(() => configFromJson('{"instruction": "x"}')).toThrow(/not a Phased IFT Studio configuration/);
    expect(() => configFromJson('{"kind": "phased-ift-studio/config", "version": 9}')).toThrow(/Version 9/);
    expect(() => configFromUrlValue('%%%')).toThrow(/damaged/);
  });
});
