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
import { createAdamW, trainOnBatch, trainStep, uploadBatch, type StepParts } from './trainStep';

beforeAll(async () => {
  await setNodeBackend('cpu');
});

const tok = new ToyTokenizer();
const config = gptConfigFromPreset('micro', tok.vocabSize, { contextLength: 48 });

/** Responses of very different lengths, so per-micro-batch means differ from the token-weighted mean. */
const plan: StagePlan = (() => {
  const outputs = [
    'a',
    'a much longer answer here',
    'bc',
    'twelve chars',
    'x',
    'a medium one',
    'yz',
    'the longest answer of them',
  ];
  const examples = outputs.map((o, i) =>
    fitToContext(encodeExample('paper', tok, rec(`r${i}`, `q${i}`, o)), config.contextLength),
  );
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
  const parts: StepParts = {
    model: { config, params },
    opt,
    acc,
    builder: new BatchBuilder(batchSize, config.contextLength, tok.padId),
  };
  const { norm } = trainStep(parts, plan, [0, plan.examples.length], 1e-3, null);
  norm?.dispose();
  acc?.dispose();
  disposeGptParams(params);
  return seen;
}

describe('trainStep with gradient accumulation', () => {
  it('B × k micro-batches on rows of unequal length equal one batch of B·k: loss and every gradient', () => {
    const one = stepWith(8, false);
    for (const [B, label] of [
      [4, '4 × 2'],
      [2, '2 × 4'],
      [3, '3 × 3 (a short last micro-batch)'],
    ] as const) {
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

describe('createAdamW and trainOnBatch', () => {
  it('makes the AdamW of the given hyper-parameters, weight decay on matrices only, the guard on', () => {
    const params = initGptParams(config, 3);
    const before = tf.memory().numTensors;
    const opt = createAdamW(params, { beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.05, clipNorm: 2 });
    try {
      expect(tf.memory().numTensors - before).toBe(opt.tensorCount);
      expect(opt.options).toMatchObject({
        beta1: 0.8,
        beta2: 0.99,
        eps: 1e-6,
        weightDecay: 0.05,
        clipNorm: 2,
        guardNonFinite: true,
      });
      const decayed = opt.groupNames.flat().filter((n) => opt.options.decay!(n));
      expect(decayed).toContain('h.0.attn.c_attn.weight');
      expect(decayed).toContain('wte');
      expect(decayed.some((n) => n.endsWith('.bias') || n.includes('ln_'))).toBe(false);
    } finally {
      opt.dispose();
      disposeGptParams(params);
    }
  });

  it('one call is one AdamW step on the batch; a micro-batch that does not update needs an accumulator', () => {
    const params = initGptParams(config, 3);
    const opt = createAdamW(params, { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, clipNorm: 1 });
    const hb = new BatchBuilder(2, config.contextLength, tok.padId).build(plan.examples.slice(0, 2));
    const wteBefore = params.wte!.dataSync().slice();
    try {
      expect(() =>
        tf.tidy(
          () =>
            void trainOnBatch({ model: { config, params }, opt }, uploadBatch(hb, 2, config.contextLength), 1e-3, {
              update: false,
            }),
        ),
      ).toThrow(/accumulator/);
      expect(opt.step).toBe(0);
      const loss = tf.tidy(
        () => trainOnBatch({ model: { config, params }, opt }, uploadBatch(hb, 2, config.contextLength), 1e-3)!.loss,
      );
      expect(opt.step).toBe(1);
      expect(Number.isFinite(loss.dataSync()[0])).toBe(true);
      loss.dispose();
      expect(params.wte!.dataSync()).not.toEqual(wteBefore);
    } finally {
      opt.dispose();
      disposeGptParams(params);
    }
  });
});
