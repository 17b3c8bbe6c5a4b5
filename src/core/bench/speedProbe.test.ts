import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import { gptConfigFromPreset } from '../model/config';
import { disposeGptCaches } from '../model/gpt';
import { measureSpeed, perTokenMs } from './speedProbe';

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

describe('ms per generated token', () => {
  it("is the extra tokens' share of the difference when the longer generation took longer", () => {
    expect(perTokenMs(10, 26, 8)).toBe(2);
  });

  it('falls back to the whole generation per token when noise hid the difference (never 0)', () => {
    expect(perTokenMs(30, 27, 8)).toBe(3);
    expect(perTokenMs(27, 27, 8)).toBe(3);
  });
});
