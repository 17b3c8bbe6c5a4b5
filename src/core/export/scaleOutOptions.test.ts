import { describe, expect, it } from 'vitest';
import { planByCutoffs } from '../phases/plan';
import { scaleOutRecipe } from './scaleOut';
import { resolveScaleOut, ScaleOutError, type ScaleOutOptions } from './scaleOutOptions';
import { plan, recipe, records } from './testing/recipe';

describe('scale-out options', () => {
  it('makes names safe and never puts "__" in a path', () => {
    const r = resolveScaleOut(plan, { baseName: '../my__data set.jsonl' });
    expect(r.base).toBe('my_data-set');
    expect(r.folder).toBe('my_data-set-scale-out');
    for (const f of recipe({ baseName: '../my__data set.jsonl' })) expect(f.fileName).not.toContain('__');
  });

  it('refuses options that cannot make a working recipe, saying what to do', () => {
    const bad: [ScaleOutOptions, RegExp][] = [
      [{ order: [1, 2] }, /each of the 3 phases exactly once/],
      [{ order: [1, 1, 3] }, /exactly once/],
      [{ order: [0, 1, 2] }, /exactly once/],
      [{ gpus: 0 }, /GPUs/],
      [{ template: 'llama 2' }, /template/],
      [{ baseModel: '  ' }, /base model/],
      [{ hyper: { learningRate: 0 } }, /learningRate/],
      [{ hyper: { warmupRatio: 1 } }, /warmupRatio/],
      [{ hyper: { perDeviceTrainBatchSize: 2.5 } }, /perDeviceTrainBatchSize/],
      [{ hyper: { lrSchedulerType: 'cosine_annealing' } }, /lr_scheduler_type/],
    ];
    for (const [options, message] of bad) {
      let error: unknown;
      try {
        recipe(options);
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(options)).toBeInstanceOf(ScaleOutError);
      expect((error as ScaleOutError).message).toMatch(message);
      expect((error as ScaleOutError).hint.length).toBeGreaterThan(10);
    }
  });

  it('refuses a plan with an empty phase (LLaMA-Factory cannot train on an empty dataset)', () => {
    const sparse = planByCutoffs(records.slice(0, 2), [1, 4.5], [1.5, 3.5], { scorerId: 'field' });
    expect(() => scaleOutRecipe(sparse, records.slice(0, 2), [1, 4.5])).toThrow(/Phase 2 has no training records/);
  });
});
