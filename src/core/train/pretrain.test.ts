import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import { gptConfigFromPreset } from '../model/config';
import { disposeGptCaches, disposeGptParams, initGptParams } from '../model/gpt';
import {
  pretrain,
  rowLengthAt,
  shortRowSteps,
  type PretrainCorpus,
  type PretrainEvent,
  type PretrainSettings,
} from './pretrain';

beforeAll(async () => {
  await setNodeBackend('cpu');
});

/** A corpus a tiny model learns in a few dozen steps: the tokens 0..7 counting up, over and over. */
function countingCorpus(): PretrainCorpus {
  let at = 0;
  return {
    next(length) {
      const row = Int32Array.from({ length }, (_, i) => (at + i) % 8);
      at += length;
      return row;
    },
  };
}

const SETTINGS: PretrainSettings = {
  steps: 30,
  batchSize: 4,
  lr: 1e-2,
  minLrRatio: 0.1,
  warmupRatio: 0.1,
  weightDecay: 0.1,
  logEvery: 5,
  evalEvery: 10,
  shortFraction: 0,
  shortLength: 8,
  longEvery: 0,
};

describe('pretrain', () => {
  it('trains on a tiny corpus: the loss falls, one step event per window, one eval per evalEvery; frees what it made', async () => {
    const config = gptConfigFromPreset('micro', 8, { contextLength: 16, layers: 1 });
    const params = initGptParams(config, 1);
    const heldOut = [countingCorpus().next(17), countingCorpus().next(20).subarray(3)];
    const events: PretrainEvent[] = [];
    disposeGptCaches();
    const before = tf.memory().numTensors;
    try {
      const r = await pretrain({
        model: { config, params },
        settings: SETTINGS,
        corpus: countingCorpus(),
        heldOut,
        onEvent: (e) => void events.push(e),
      });
      expect(tf.memory().numTensors - before).toBeLessThanOrEqual(1); // at most the model's cached causal mask
      expect(r.losses).toHaveLength(30);
      expect(r.tokens).toBe(30 * 4 * 16);
      const steps = events.filter((e) => e.type === 'step');
      expect(steps.map((e) => e.step)).toEqual([5, 10, 15, 20, 25, 30]);
      expect(events.filter((e) => e.type === 'eval').map((e) => [e.step, e.last])).toEqual([
        [10, false],
        [20, false],
        [30, true],
      ]);
      expect(r.evals.map((e) => e.step)).toEqual([10, 20, 30]);
      // From about ln 8 ≈ 2.08 to well under half of it (measured: windows 1.87 → 0.12, held-out 0.70 → 0.11).
      expect(r.losses[0]!).toBeGreaterThan(1.8);
      const first = steps[0]!.type === 'step' ? steps[0]!.meanLoss : NaN;
      const last = steps[5]!.type === 'step' ? steps[5]!.meanLoss : NaN;
      expect(last).toBeLessThan(first / 2);
      expect(r.evals[2]!.loss).toBeLessThan(r.evals[0]!.loss);
      expect(r.evals[2]!.loss).toBeLessThan(0.5);
    } finally {
      disposeGptParams(params);
      disposeGptCaches();
    }
  });

  it('trains the first shortFraction of the steps on short rows, every longEvery-th of them on full rows', () => {
    const s = { ...SETTINGS, steps: 10, shortFraction: 0.5, shortLength: 8, longEvery: 2 };
    expect(shortRowSteps(s)).toBe(5);
    expect(Array.from({ length: 10 }, (_, i) => rowLengthAt(s, i, 16))).toEqual([8, 16, 8, 16, 8, 16, 16, 16, 16, 16]);
    expect(rowLengthAt({ ...s, shortLength: 32 }, 0, 16)).toBe(16);
  });
});
