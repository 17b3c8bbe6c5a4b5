// Property-based check of the share-link and configuration-file parser: whatever a link or file holds, the result
// is a configuration or a ConfigError naming problems — never another error.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, configFromJson, configFromUrlValue, configToUrlValue } from './shareConfig';
import { DEFAULT_TRAIN_SETTINGS } from './settings';

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
    const damaged = fc.tuple(fc.nat(valid.length), fc.nat(6), fc.string({ maxLength: 4 })).map(([at, cut, insert]) => valid.slice(0, at) + insert + valid.slice(at + cut));
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 80 }), damaged), (value) => accepted(() => configFromUrlValue(value))), RUNS);
  });

  it('any JSON in a configuration file, with settings of every type', () => {
    const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('toString', '__proto__', 'constructor', 1e9, -1, 0, Number.MAX_VALUE));
    const train = fc.dictionary(fc.oneof(fc.constantFrom(...Object.keys(DEFAULT_TRAIN_SETTINGS), 'hyper', 'constructor'), fc.string({ maxLength: 6 })), value, { maxKeys: 6 });
    const hyper = fc.dictionary(fc.oneof(fc.constantFrom(...Object.keys(DEFAULT_TRAIN_SETTINGS.hyper)), fc.string({ maxLength: 6 })), value, { maxKeys: 6 });
    const file = fc.record({ kind: fc.constantFrom('phased-ift-studio/config', 'x'), version: fc.constantFrom(1, 2, '1'), train: fc.tuple(train, hyper).map(([t, h]) => ({ ...t, hyper: h })), phases: value }, { requiredKeys: ['kind', 'version'] });
    fc.assert(fc.property(file, (f) => accepted(() => configFromJson(JSON.stringify(f)))), RUNS);
  });
});
