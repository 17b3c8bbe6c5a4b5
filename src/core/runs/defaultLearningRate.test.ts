import { describe, expect, it } from 'vitest';
import { defaultLearningRate } from './defaultLearningRate';
import { baseModelRef, DEFAULT_TRAIN_SETTINGS, DEMO_HYPER, type ModelRef } from './settings';

const imported: ModelRef = { kind: 'hf', id: 'gpt2', name: 'GPT-2', prune: false };

describe('defaultLearningRate', () => {
  it('gives a model trained from scratch 2e-3 and a pretrained one (base or imported) 1e-3', () => {
    expect(defaultLearningRate(undefined)).toBe(2e-3);
    expect(defaultLearningRate(baseModelRef('/'))).toBe(1e-3);
    expect(defaultLearningRate(imported)).toBe(1e-3);
  });

  it("is where the form's default and the demo experiment take their rates from", () => {
    expect(DEFAULT_TRAIN_SETTINGS.model).toBeUndefined();
    expect(DEFAULT_TRAIN_SETTINGS.hyper.lr).toBe(defaultLearningRate(DEFAULT_TRAIN_SETTINGS.model));
    expect(DEMO_HYPER.lr).toBe(defaultLearningRate(baseModelRef()));
  });
});
