import { describe, expect, it } from 'vitest';
import { HYPER_LIMITS, RUN_LIMITS } from '../../core/runs/settingLimits';
import { inPercent, numberProblem } from './numberInput';

describe('numberProblem', () => {
  it('accepts numbers within inclusive bounds', () => {
    expect(numberProblem('0.5', 0.1, 100)).toBeUndefined();
    expect(numberProblem('100', 0.1, 100)).toBeUndefined();
    expect(numberProblem('0.1', 0.1, 100)).toBeUndefined();
    expect(numberProblem('-3')).toBeUndefined();
  });

  it('says what is wrong with empty, non-numeric and out-of-range text', () => {
    expect(numberProblem('  ')).toBe('Enter a number.');
    expect(numberProblem('1e400')).toBe('"1e400" is not a number.');
    expect(numberProblem('0', 0.1, 100)).toBe('At least 0.1.');
    expect(numberProblem('150', 0.1, 100)).toBe('At most 100.');
  });
});

describe('numberProblem with a setting’s limit', () => {
  it('holds the same limits as links and files, rounding left to the form', () => {
    expect(numberProblem('0', HYPER_LIMITS.lr)).toBe('Above 0.');
    expect(numberProblem('1e9', HYPER_LIMITS.batchSize)).toBe('At most 1024.');
    expect(numberProblem('2.5', HYPER_LIMITS.batchSize)).toBeUndefined();
    expect(numberProblem('5', HYPER_LIMITS.warmupRatio)).toBe('At most 1.');
    expect(numberProblem('-0.1', HYPER_LIMITS.weightDecay)).toBe('At least 0.');
    expect(numberProblem('0', RUN_LIMITS.logEvery)).toBe('At least 1.');
  });

  it('shows a share’s limit in percent', () => {
    expect(inPercent(RUN_LIMITS.trainShare)).toEqual({ min: 0.1, max: 100, above: undefined, below: undefined });
    expect(numberProblem('150', inPercent(RUN_LIMITS.trainShare))).toBe('At most 100.');
  });
});
