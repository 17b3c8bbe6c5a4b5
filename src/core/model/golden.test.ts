/**
 * The studio's GPT against the reference implementation itself: logits and masked losses of tiny random GPT-2 and
 * GPT-Neo models, computed by `transformers` (python/make_golden.py; committed, so this always runs).
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { goldenFolder, goldenJson, type GoldenReference } from '../golden/goldenFiles';
import { setNodeBackend } from '../kernels/nodeBackends';
import { disposeGptParams, gptLogits, gptLoss } from './gpt';
import { importHfModel } from '../hf/importModel';
import { paramsFromArrays } from './paramArrays';
import { maxAbsDiff } from '../hf/testing/importedLogits';

beforeAll(async () => {
  await setNodeBackend('cpu');
});

const reference = goldenJson<Record<'gpt2' | 'gpt_neo', GoldenReference>>('reference.json');

describe('golden logits and losses from transformers', () => {
  for (const architecture of ['gpt2', 'gpt_neo'] as const) {
    it(`${architecture}: logits within 1e-4, masked loss within 1e-5`, () => {
      const ref = reference[architecture];
      const imported = importHfModel(goldenFolder(architecture));
      const vars = paramsFromArrays(imported.config, imported.params);
      try {
        const [B, T] = [ref.ids.length, ref.ids[0]!.length];
        const { logits, loss } = tf.tidy(() => {
          const ids = tf.tensor2d(ref.ids.flat(), [B, T], 'int32');
          return {
            logits: gptLogits(imported.config, vars, ids).dataSync() as Float32Array,
            loss: gptLoss(imported.config, vars, ids, tf.tensor2d(ref.targets.flat(), [B, T], 'int32'), tf.tensor2d(ref.mask.flat(), [B, T])).dataSync()[0]!,
          };
        });
        expect(maxAbsDiff(logits, ref.logits)).toBeLessThanOrEqual(1e-4);
        // The model is not trivial: its logits spread over several units.
        expect(Math.max(...ref.logits) - Math.min(...ref.logits)).toBeGreaterThan(2);
        expect(Math.abs(loss - ref.loss)).toBeLessThanOrEqual(1e-5);
      } finally {
        disposeGptParams(vars);
      }
    });
  }
});
