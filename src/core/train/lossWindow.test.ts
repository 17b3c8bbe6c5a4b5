import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import { LossWindow, windowStepEvent, type PendingStep, type WindowRead } from './lossWindow';

const step = (globalStep: number, tokens = 10): PendingStep => ({
  stage: 0,
  stepInStage: globalStep - 1,
  globalStep,
  lr: 1e-3 * globalStep,
  tokens,
  optStepBefore: globalStep - 1,
  tokensBefore: (globalStep - 1) * tokens,
});

function push(w: LossWindow, loss: number, norm: number, s: PendingStep): void {
  tf.tidy(() => w.push(tf.scalar(loss), tf.scalar(norm)));
  w.note(s);
}

describe('LossWindow', () => {
  beforeAll(async () => {
    await setNodeBackend('cpu');
  });

  it('reads the pending steps’ losses and norms in step order with one read, holding two tensors throughout', async () => {
    const w = new LossWindow(4);
    const before = tf.memory().numTensors;
    expect(await w.read()).toBeNull();
    push(w, 3, 30, step(1));
    push(w, 2, 20, step(2));
    push(w, 1, 10, step(3));
    expect(w.pendingSteps).toBe(3);
    expect(tf.memory().numTensors).toBe(before);
    const read = (await w.read())!;
    expect(read.losses).toEqual([3, 2, 1]);
    expect(read.norms).toEqual([30, 20, 10]);
    expect(read.steps.map((s) => s.globalStep)).toEqual([1, 2, 3]);
    expect(read.firstBad).toBe(-1);
    expect(w.pendingSteps).toBe(0);
    // A full window after the read: the oldest values dropped out of the ring.
    for (let i = 4; i <= 7; i++) push(w, i, i, step(i));
    expect((await w.read())!.losses).toEqual([4, 5, 6, 7]);
    expect(tf.memory().numTensors).toBe(before);
    w.dispose();
    expect(tf.memory().numTensors).toBe(before - w.tensorCount);
  });

  it('marks the first step whose loss or norm is not finite; a window of one works', async () => {
    const w = new LossWindow(3);
    push(w, 1, 1, step(1));
    push(w, 2, Infinity, step(2));
    push(w, NaN, 1, step(3));
    expect((await w.read())!.firstBad).toBe(1);
    w.dispose();
    const one = new LossWindow(1);
    push(one, 5, 6, step(1));
    expect(await one.read()).toMatchObject({ losses: [5], norms: [6], firstBad: -1 });
    one.dispose();
  });
});

describe('windowStepEvent', () => {
  const read = (firstBad: number): WindowRead => ({
    steps: [step(1, 10), step(2, 30), step(3, 50)],
    losses: [3, 1, NaN],
    norms: [4, 2, 1],
    firstBad,
  });

  it('stamps each step with the LR it trained with, not the window’s last', () => {
    const e = windowStepEvent(
      { steps: [step(1), step(2), step(3), step(4)], losses: [4, 3, 2, 1], norms: [1, 1, 1, 1], firstBad: -1 },
      10,
      10,
    )!;
    expect(e.lrs).toEqual([1e-3, 2e-3, 3e-3, 4e-3]);
    expect(e.lr).toBe(4e-3);
  });

  it('averages the finite steps before the first bad one and rates their tokens over the time', () => {
    expect(windowStepEvent(read(2), 2000, 5000)).toEqual({
      type: 'step',
      phase: 0,
      step: 2,
      stepInPhase: 2,
      loss: 2,
      losses: [3, 1],
      lr: 2e-3,
      lrs: [1e-3, 2e-3],
      gradNorm: 3,
      tokensSeen: 60,
      tokensPerSec: 20,
      elapsedMs: 5000,
      windowMs: 2000,
    });
    expect(windowStepEvent(read(0), 10, 10)).toBeNull();
    expect(windowStepEvent({ ...read(-1), losses: [1, 2, 3] }, 0, 0)).toMatchObject({
      step: 3,
      loss: 2,
      tokensSeen: 150,
      tokensPerSec: 0,
    });
  });
});
