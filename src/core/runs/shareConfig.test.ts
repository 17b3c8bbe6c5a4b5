import { describe, expect, it } from 'vitest';
import { baseModelRef, DEFAULT_TRAIN_SETTINGS, type PhaseSettings } from './settings';
import { ConfigError, configFromJson, configFromUrlValue, configToJson, configToUrlValue } from './shareConfig';

const phases: PhaseSettings = {
  scorerId: 'field',
  mode: 'cutoffs',
  cutoffs: [1.5, 3.5],
  phaseCount: 3,
  heldOutFraction: 0.05,
  seed: 7,
};
const train = {
  ...DEFAULT_TRAIN_SETTINGS,
  arm: { kind: 'custom' as const, order: [2, 1, 3] },
  hyper: { ...DEFAULT_TRAIN_SETTINGS.hyper, lr: 0.001 },
};

describe('shared configuration', () => {
  it('round-trips through JSON and through a URL value', () => {
    expect(configFromJson(configToJson(train, phases))).toEqual({
      kind: 'phased-ift-studio/config',
      version: 1,
      train,
      phases,
    });
    const value = configToUrlValue(train, phases);
    expect(value).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(configFromUrlValue(value).train).toEqual(train);
  });

  it('fills what a file leaves out with the defaults', () => {
    const read = configFromJson(
      JSON.stringify({ kind: 'phased-ift-studio/config', version: 1, train: { hyper: { lr: 0.01 } } }),
    );
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

describe('shared configuration: one schema with the form’s limits', () => {
  const file = (trainPart: object, extra: object = {}) =>
    JSON.stringify({ kind: 'phased-ift-studio/config', version: 1, train: trainPart, ...extra });
  const link = (trainPart: object) => btoa(file(trainPart)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const problemsOf = (read: () => unknown): string[] => {
    try {
      read();
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    throw new Error('accepted');
  };

  const bad: [string, object][] = [
    ['train.hyper.batchSize', { hyper: { batchSize: 1e9 } }],
    ['train.hyper.warmupRatio', { hyper: { warmupRatio: 5 } }],
    ['train.hyper.eps', { hyper: { eps: 0 } }],
    ['train.logEvery', { logEvery: 0 }],
    ['train.hyper.weightDecay', { hyper: { weightDecay: -0.1 } }],
    ['train.preset', { preset: 'toString' }],
  ];
  it.each(bad)('refuses %s out of the form’s range, by file and by link', (field, trainPart) => {
    for (const problems of [
      problemsOf(() => configFromJson(file(trainPart))),
      problemsOf(() => configFromUrlValue(link(trainPart))),
    ]) {
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(`"${field}"`);
    }
  });

  it('lists every problem at once', () => {
    const all = { preset: 'toString', logEvery: 0, hyper: { batchSize: 1e9, warmupRatio: 5, eps: 0, weightDecay: -1 } };
    expect(problemsOf(() => configFromJson(file(all)))).toHaveLength(6);
  });

  it('names unknown keys, with a guess at the one meant', () => {
    const problems = problemsOf(() =>
      configFromJson(
        file(
          { hyper: { heldOutFractoin: 0.1, bathSize: 8 } },
          { phases: { ...phases, heldOutFractoin: 0.1 }, colour: 1 },
        ),
      ),
    );
    expect(problems).toContain('Unknown hyper-parameter "train.hyper.bathSize" — did you mean batchSize?');
    expect(problems).toContain('Unknown setting "phases.heldOutFractoin" — did you mean heldOutFraction?');
    expect(
      problems.some((p) => p.startsWith('Unknown hyper-parameter "train.hyper.heldOutFractoin" (known: lr,')),
    ).toBe(true);
    expect(problems.some((p) => p.startsWith('Unknown setting "colour"'))).toBe(true);
    expect(problemsOf(() => configFromJson(file({ arm: { kind: 'custom', order: [1], odrer: [2] } })))[0]).toContain(
      '"train.arm.odrer" — did you mean order?',
    );
  });

  it('takes a model only from the studio itself: its base model or an imported model', () => {
    const base = baseModelRef('/studio/');
    const elsewhere = { kind: 'base', url: 'https://example.com/evil.safetensors', name: 'the demo base model' };
    for (const problems of [
      problemsOf(() => configFromJson(file({ model: elsewhere }), { baseModel: base })),
      problemsOf(() => configFromUrlValue(link({ model: elsewhere }), { baseModel: base })),
    ]) {
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(
        /^"train\.model\.url" must be the studio’s own base model \(\/studio\/models\/base\/base\.safetensors\)/,
      );
    }
    expect(
      problemsOf(() => configFromJson(file({ model: { kind: 'url', url: 'https://example.com/m' } })))[0],
    ).toContain('"train.model.kind"');
    expect(
      problemsOf(() =>
        configFromJson(file({ model: { kind: 'hf', id: 'https://example.com/m', name: 'm', prune: false } })),
      )[0],
    ).toContain('"train.model.id"');

    // The base model comes back as the studio's own reference, whatever name the file gave it.
    expect(
      configFromJson(file({ model: { ...base, name: 'something else' } }), { baseModel: base }).train.model,
    ).toEqual(base);
    expect(configFromJson(configToJson({ ...train, model: base }), { baseModel: base }).train.model).toEqual(base);
    const imported = { kind: 'hf' as const, id: 'hf-m4x2k1-0a9z', name: 'gpt2-small', prune: true };
    expect(configFromUrlValue(configToUrlValue({ ...train, model: imported })).train.model).toEqual(imported);
  });
});
