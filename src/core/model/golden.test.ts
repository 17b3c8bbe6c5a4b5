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

// About 10× the largest error measured on the cpu backend (both models, ids and weights fixed, so every run alike).
/** Measured 1.5e-6 (one model) and 2.9e-6 (the other). */
const LOGITS_TOLERANCE = 3e-5;
/** Measured 4.8e-7 for both: one float32 step at the loss's size. */
const LOSS_TOLERANCE = 5e-6;

const reference = goldenJson<Record<'gpt2' | 'gpt_neo', GoldenReference>>('reference.json');

describe('golden logits and losses from transformers', () => {
  for (const architecture of ['gpt2', 'gpt_neo'] as const) {
    it(`${architecture}: logits within ${LOGITS_TOLERANCE}, masked loss within ${LOSS_TOLERANCE}`, () => {
      const ref = reference[architecture];
      const imported = importHfModel(goldenFolder(architecture));
      const vars = paramsFromArrays(imported.config, imported.params);
      try {
        const [B, T] = [ref.ids.length, ref.ids[0]!.length];
        const { logits, loss } = tf.tidy(() => {
          const ids = tf.tensor2d(ref.ids.flat(), [B, T], 'int32');
          return {
            logits: gptLogits(imported.config, vars, ids).dataSync() as Float32Array,
            loss: gptLoss(
              imported.config,
              vars,
              ids,
              tf.tensor2d(ref.targets.flat(), [B, T], 'int32'),
              tf.tensor2d(ref.mask.flat(), [B, T]),
            ).dataSync()[0]!,
          };
        });
        expect(maxAbsDiff(logits, ref.logits)).toBeLessThanOrEqual(LOGITS_TOLERANCE);
        // The model is not trivial: its logits spread over several units.
        expect(Math.max(...ref.logits) - Math.min(...ref.logits)).toBeGreaterThan(2);
        expect(Math.abs(loss - ref.loss)).toBeLessThanOrEqual(LOSS_TOLERANCE);
      } finally {
        disposeGptParams(vars);
      }
    });
  }
});
