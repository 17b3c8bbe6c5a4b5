// A Qwen3-like model's masked-loss gradients on every Node backend the studio trains on: wasm (the CPU fallback in
// the browser) must have every kernel the grouped attention's backward needs, and agree with the cpu backend.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import type { GptConfig } from './config';
import { disposeGptParams, gptLoss, initGptParams, type GptParams } from './gpt';
import { randomizeGptParams } from './testing/randomParams';

/** wasm's float32 sums (XNNPACK matmuls) run in another order than cpu's: measured 6.9e-7 here; 10× that. */
const BACKEND_GRADIENT_TOLERANCE = 7e-6;

const QWEN3ISH: GptConfig = {
  vocabSize: 13,
  contextLength: 8,
  layers: 2,
  width: 16,
  heads: 4,
  mlpRatio: 4,
  layerNormEps: 1e-6,
  attentionScale: 'sqrt',
  qkvBias: true,
  norm: 'rmsNorm',
  positions: 'rope',
  rope: { theta: 10000 },
  mlp: 'swiglu',
  mlpHidden: 24,
  attention: 'grouped',
  kvHeads: 2,
  headDim: 6,
  qkNorm: true,
  attnOutBias: false,
  mlpBias: false,
  head: 'untied',
};

const IDS = [1, 5, 7, 3, 9, 12, 2, 10, 2, 2, 4, 0];
const TARGETS = [5, 7, 3, 9, 12, 1, 10, 2, 2, 4, 0, 6];
const MASK = [0, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 0];

async function gradientsOn(backend: 'cpu' | 'wasm'): Promise<Record<string, Float32Array>> {
  await setNodeBackend(backend);
  const params: GptParams = initGptParams(QWEN3ISH, 3);
  randomizeGptParams(params, 5, { embeddings: 0.7, weights: 0.4 });
  try {
    const { grads } = tf.variableGrads(() =>
      gptLoss(
        QWEN3ISH,
        params,
        tf.tensor2d(IDS, [2, 6], 'int32'),
        tf.tensor2d(TARGETS, [2, 6], 'int32'),
        tf.tensor2d(MASK, [2, 6]),
      ),
    );
    const out: Record<string, Float32Array> = {};
    for (const [name, v] of Object.entries(params)) out[name] = grads[v.name]!.dataSync() as Float32Array;
    tf.dispose(grads);
    return out;
  } finally {
    disposeGptParams(params);
  }
}

afterAll(async () => {
  await setNodeBackend('cpu');
});

describe('grouped attention with q/k norms, rotary positions and SwiGLU', () => {
  it(`trains on wasm: every parameter's gradient equals cpu's within ${BACKEND_GRADIENT_TOLERANCE}`, async () => {
    const cpu = await gradientsOn('cpu');
    const wasm = await gradientsOn('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(Object.keys(wasm).sort()).toEqual(Object.keys(cpu).sort());
    let worst = 0;
    for (const [name, g] of Object.entries(cpu)) {
      const w = wasm[name]!;
      for (let j = 0; j < g.length; j++) worst = Math.max(worst, Math.abs(g[j]! - w[j]!));
    }
    expect(worst).toBeLessThan(BACKEND_GRADIENT_TOLERANCE);
  });
});
