import { describe, expect, it } from 'vitest';
import { describeLimit, HYPER_LIMITS, limitProblem, RUN_LIMITS } from './settingLimits';
import { DEFAULT_TRAIN_SETTINGS } from './settings';
import { closestKey } from './schemaProblems';

describe('setting limits', () => {
  it('say what a setting must be', () => {
    expect(describeLimit(HYPER_LIMITS.batchSize)).toBe('a whole number from 1 to 1024');
    expect(describeLimit(HYPER_LIMITS.lr)).toBe('a number above 0');
    expect(describeLimit(HYPER_LIMITS.beta2)).toBe('a number ≥ 0 and below 1');
    expect(describeLimit(RUN_LIMITS.seed)).toBe('a whole number');
  });

  it('name the bound a value breaks, inclusive min/max and exclusive above/below', () => {
    expect(limitProblem(0, HYPER_LIMITS.lr)).toBe('Above 0.');
    expect(limitProblem(1, HYPER_LIMITS.beta1)).toBe('Below 1.');
    expect(limitProblem(1024, HYPER_LIMITS.batchSize)).toBeUndefined();
    expect(limitProblem(1025, HYPER_LIMITS.batchSize)).toBe('At most 1024.');
    expect(limitProblem(0, RUN_LIMITS.logEvery)).toBe('At least 1.');
    expect(limitProblem(2.5, HYPER_LIMITS.batchSize)).toBe('A whole number.');
    expect(limitProblem(2.5, HYPER_LIMITS.batchSize, { wholeNumbers: false })).toBeUndefined();
    expect(limitProblem(NaN, {})).toBe('A finite number.');
  });

  it('hold the defaults', () => {
    for (const [k, limit] of Object.entries(HYPER_LIMITS))
      expect(limitProblem(DEFAULT_TRAIN_SETTINGS.hyper[k as keyof typeof HYPER_LIMITS], limit), k).toBeUndefined();
    for (const k of ['seed', 'maxSteps', 'logEvery', 'evalEvery', 'trainShare'] as const)
      expect(limitProblem(DEFAULT_TRAIN_SETTINGS[k], RUN_LIMITS[k]), k).toBeUndefined();
  });

  it('guess the key a typo meant, and only a near one', () => {
    expect(closestKey('heldOutFractoin', ['seed', 'heldOutFraction'])).toBe('heldOutFraction');
    expect(closestKey('lrr', ['lr', 'minLrRatio'])).toBe('lr');
    expect(closestKey('colour', ['lr', 'seed'])).toBeUndefined();
  });
});
