import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import { gptConfigFromPreset } from '../model/config';
import { initGptParams, disposeGptParams } from '../model/params';
import { randomizeGptParams } from '../model/testing/randomParams';
import { BatchBuilder, fitToContext, truncationStats } from '../text/batches';
import { encodeExample } from '../text/template';
import { rec, ToyTokenizer } from '../text/testing/toyData';
import { GradAccumulator, type AdamW } from './optimizer';
import type { StagePlan } from './stagePlan';
import { trainStep, type StepParts } from './trainStep';

beforeAll(async () => {
  await setNodeBackend('cpu');
});

const tok = new ToyTokenizer();
const config = gptConfigFromPreset('micro', tok.vocabSize, { contextLength: 48 });

/** Responses of very different lengths, so per-micro-batch means differ from the token-weighted mean. */
const plan: StagePlan = (() => {
  const outputs = ['a', 'a much longer answer here', 'bc', 'twelve chars', 'x', 'a medium one', 'yz', 'the longest answer of them'];
  const examples = outputs.map((o, i) => fitToContext(encodeExample('paper', tok, rec(`r${i}`, `q${i}`, o)), config.contextLength));
  return { examples, order: Int32Array.from(examples.keys()), steps: 1, truncation: truncationStats(examples) };
})();

/** An optimizer stand-in that keeps what a step hands to AdamW: the step's gradients and loss. */
function capturingOptimizer(): { opt: AdamW; seen: { grads?: Record<string, Float32Array>; loss?: number } } {
  const seen: { grads?: Record<string, Float32Array>; loss?: number } = {};
  const opt = {
    apply(grads: Record<string, tf.Tensor>, _lr: number, { loss }: { loss: tf.Scalar }) {
      seen.grads = Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, g.dataSync() as Float32Array]));
      seen.loss = loss.dataSync()[0];
      return tf.scalar(0);
    },
  } as unknown as AdamW;
  return { opt, seen };
}

function stepWith(batchSize: number, accumulate: boolean) {
  const params = initGptParams(config, 3);
  randomizeGptParams(params, 5, { embeddings: 0.5, weights: 0.3 });
  const { opt, seen } = capturingOptimizer();
  const acc = accumulate ? new GradAccumulator(params) : null;
  const parts: StepParts = { model: { config, params }, opt, acc, builder: new BatchBuilder(batchSize, config.contextLength, tok.padId) };
  const { norm } = trainStep(parts, plan, [0, plan.examples.length], 1e-3, null);
  norm?.dispose();
  acc?.dispose();
  disposeGptParams(params);
  return seen;
}

describe('trainStep with gradient accumulation', () => {
  it('B × k micro-batches on rows of unequal length equal one batch of B·k: loss and every gradient', () => {
    const one = stepWith(8, false);
    for (const [B, label] of [[4, '4 × 2'], [2, '2 × 4'], [3, '3 × 3 (a short last micro-batch)']] as const) {
      const acc = stepWith(B, true);
      expect(acc.loss, label).toBeCloseTo(one.loss!, 5);
      expect(Object.keys(acc.grads!).sort(), label).toEqual(Object.keys(one.grads!).sort());
      for (const [name, g] of Object.entries(one.grads!)) {
        const a = acc.grads![name]!;
        let worst = 0;
        let scale = 0;
        for (let i = 0; i < g.length; i++) {
          worst = Math.max(worst, Math.abs(a[i]! - g[i]!));
          scale = Math.max(scale, Math.abs(g[i]!));
        }
        expect(worst, `${label} ${name}`).toBeLessThanOrEqual(1e-5 * scale + 1e-7);
      }
    }
  });
});
