// Property-based check of the share-link and configuration-file parser: whatever a link or file holds, the result
// is a configuration or a ConfigError naming problems — never another error.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, configFromJson, configFromUrlValue, configToUrlValue } from './shareConfig';
import { DEFAULT_TRAIN_SETTINGS } from './settings';
import { HYPER_LIMITS, limitProblem, PHASE_LIMITS, RUN_LIMITS } from './settingLimits';

const RUNS = { numRuns: 300, seed: 20261203 };

function accepted(parse: () => unknown): void {
  try {
    parse();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    expect(error.problems.length).toBeGreaterThan(0);
  }
}

describe('fuzz: shared configurations', () => {
  it('any #config= value, damaged links included', () => {
    const valid = configToUrlValue(DEFAULT_TRAIN_SETTINGS);
    const damaged = fc
      .tuple(fc.nat(valid.length), fc.nat(6), fc.string({ maxLength: 4 }))
      .map(([at, cut, insert]) => valid.slice(0, at) + insert + valid.slice(at + cut));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), damaged), (value) =>
        accepted(() => configFromUrlValue(value)),
      ),
      RUNS,
    );
  });

  it('any JSON in a configuration file, with settings of every type', () => {
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom('toString', '__proto__', 'constructor', 1e9, -1, 0, Number.MAX_VALUE),
    );
    const train = fc.dictionary(
      fc.oneof(
        fc.constantFrom(...Object.keys(DEFAULT_TRAIN_SETTINGS), 'hyper', 'constructor'),
        fc.string({ maxLength: 6 }),
      ),
      value,
      { maxKeys: 6 },
    );
    const hyper = fc.dictionary(
      fc.oneof(fc.constantFrom(...Object.keys(DEFAULT_TRAIN_SETTINGS.hyper)), fc.string({ maxLength: 6 })),
      value,
      { maxKeys: 6 },
    );
    const file = fc.record(
      {
        kind: fc.constantFrom('phased-ift-studio/config', 'x'),
        version: fc.constantFrom(1, 2, '1'),
        train: fc.tuple(train, hyper).map(([t, h]) => ({ ...t, hyper: h })),
        phases: value,
      },
      { requiredKeys: ['kind', 'version'] },
    );
    fc.assert(
      fc.property(file, (f) => accepted(() => configFromJson(JSON.stringify(f)))),
      RUNS,
    );
  });

  it('every configuration it accepts is within the Train form’s limits', () => {
    const number = fc.oneof(
      fc.double({ min: -10, max: 2000 }),
      fc.integer({ min: -5, max: 5000 }),
      fc.constantFrom(0, 1, 0.5, 1e-9, 1e9, -0),
    );
    // Mostly the default, so that some files pass every check and the others fail on one or two values.
    const near = (fallback: number) =>
      fc.oneof({ arbitrary: fc.constant(fallback), weight: 6 }, { arbitrary: number, weight: 1 });
    const d = DEFAULT_TRAIN_SETTINGS;
    const hyper = fc.record(
      Object.fromEntries(Object.keys(HYPER_LIMITS).map((k) => [k, near(d.hyper[k as keyof typeof HYPER_LIMITS])])),
      { requiredKeys: [] },
    );
    const runKeys = ['seed', 'maxSteps', 'logEvery', 'evalEvery', 'trainShare'] as const;
    const train = fc
      .tuple(fc.record(Object.fromEntries(runKeys.map((k) => [k, near(d[k])])), { requiredKeys: [] }), hyper)
      .map(([t, h]) => ({ ...t, hyper: h }));
    const phases = fc.record({
      mode: fc.constant('cutoffs'),
      cutoffs: fc.constant([1.5, 3.5]),
      phaseCount: near(3),
      heldOutFraction: near(0.05),
      seed: near(0),
    });
    const file = fc.record(
      { kind: fc.constant('phased-ift-studio/config'), version: fc.constant(1), train, phases },
      { requiredKeys: ['kind', 'version', 'train'] },
    );
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(file, (f) => {
        let config;
        try {
          config = configFromJson(JSON.stringify(f));
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          refused++;
          return;
        }
        accepted++;
        for (const [k, limit] of Object.entries(HYPER_LIMITS))
          expect(limitProblem(config.train.hyper[k as keyof typeof HYPER_LIMITS], limit), k).toBeUndefined();
        for (const k of runKeys) expect(limitProblem(config.train[k], RUN_LIMITS[k]), k).toBeUndefined();
        if (config.phases)
          for (const k of ['phaseCount', 'heldOutFraction', 'seed'] as const)
            expect(limitProblem(config.phases[k], PHASE_LIMITS[k]), k).toBeUndefined();
      }),
      RUNS,
    );
    // The generator reaches both sides of the limits.
    expect(accepted).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });
});
