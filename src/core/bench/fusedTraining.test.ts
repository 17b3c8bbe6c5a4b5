import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { openStepSession } from './stepBench';
import { validateGptConfig } from '../model/config';
import { disposeGptCaches } from '../model/gpt';
import { setNodeBackend } from '../kernels/nodeBackends';
import { describeAdapter, startDawnWebGPU } from '../kernels/webgpu/dawnNode';
import { fusedKernelsActive } from '../kernels/webgpu/fusedOps';

// The fused path trained on webgpu (Dawn) against the composite path trained on cpu: same model, batch and AdamW,
// 50 steps; every step's loss must agree to float32 accuracy (the differences compound through the updates).

const CONFIG = validateGptConfig({ vocabSize: 64, contextLength: 16, layers: 1, width: 32, heads: 2, mlpRatio: 4, layerNormEps: 1e-5, attentionScale: 'sqrt' });
const STEPS = 50;

async function losses(): Promise<number[]> {
  disposeGptCaches();
  const session = openStepSession({ config: CONFIG, batchSize: 4, seed: 3 });
  try {
    const out: number[] = [];
    for (let i = 0; i < STEPS; i++) out.push((await session.timedRun(1)).loss);
    return out;
  } finally {
    session.dispose();
    disposeGptCaches();
  }
}

afterAll(async () => {
  await setNodeBackend('cpu');
});

describe('fused training step', () => {
  it('gives the composite path’s losses over 50 steps (webgpu fused vs cpu composite)', async () => {
    await setNodeBackend('cpu');
    expect(fusedKernelsActive()).toBe(false);
    const reference = await losses();
    console.log(`fused training on webgpu: ${describeAdapter(await startDawnWebGPU())}`);
    expect(fusedKernelsActive()).toBe(true);
    const tensorsBefore = tf.memory().numTensors;
    const fused = await losses();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(reference[STEPS - 1]).toBeLessThan(reference[0] - 0.5); // it learns, so the comparison covers real updates
    for (let i = 0; i < STEPS; i++) expect(Math.abs(fused[i] - reference[i]), `step ${i + 1}`).toBeLessThan(2e-4 * (1 + i / 10));
  }, 600_000);
});
