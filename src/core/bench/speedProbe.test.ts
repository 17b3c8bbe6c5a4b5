import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import { gptConfigFromPreset } from '../model/config';
import { disposeGptCaches } from '../model/gpt';
import { measureSpeed } from './speedProbe';

beforeAll(async () => {
  await setNodeBackend('cpu');
});

describe('the speed probe', () => {
  it('times a step, a forward pass and a generated token at the run shape, and leaves no tensors behind', async () => {
    const config = gptConfigFromPreset('micro', 40, { contextLength: 64 });
    const before = tf.memory().numTensors;
    const messages: string[] = [];
    const speed = await measureSpeed({ config, batchSize: 4, seqLen: 48, onProgress: (m) => messages.push(m) });
    disposeGptCaches(); // the model's constant tensors (causal masks), kept for the shape on purpose
    expect(tf.memory().numTensors).toBe(before);
    for (const v of Object.values(speed)) expect(Number.isFinite(v) && v >= 0).toBe(true);
    expect(speed.stepMs).toBeGreaterThan(0);
    // a forward pass without gradients is a fraction of a training step (forward + backward + update)
    expect(speed.forwardMs).toBeLessThan(speed.stepMs);
    expect(speed.tokenMs).toBeGreaterThan(0);
    expect(messages.length).toBeGreaterThan(0);
  });
});
