import { describe, expect, it } from 'vitest';
import { isModelFile, modelScoreSet, PRETRAINED_MODEL_NEEDED } from './modelScoring';

describe('model scorers', () => {
  it('takes the app’s index.html for a missing model file', () => {
    expect(isModelFile(true, 'application/octet-stream')).toBe(true);
    expect(isModelFile(true, null)).toBe(true);
    expect(isModelFile(true, 'text/html; charset=utf-8')).toBe(false);
    expect(isModelFile(false, 'application/octet-stream')).toBe(false);
  });

  it('says why a random model is refused', () => {
    expect(PRETRAINED_MODEL_NEEDED).toMatch(/pretrained model/);
    expect(PRETRAINED_MODEL_NEEDED).toMatch(/randomly initialised/i);
    expect(PRETRAINED_MODEL_NEEDED).toMatch(/meaningless/);
  });

  it('makes a score set under the scorer’s registry id', () => {
    const set = modelScoreSet('ifd', Float64Array.of(1, 5), []);
    expect(set).toEqual({ scorerId: 'ifd', scores: Float64Array.of(1, 5), problems: [] });
  });
});
