import { describe, expect, it } from 'vitest';
import { numberProblem } from './numberInput';

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
