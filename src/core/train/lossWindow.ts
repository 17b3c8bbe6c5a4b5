import * as tf from '@tensorflow/tfjs-core';
import type { RunEvent } from './events';

/** CPU-side facts about a step whose loss still sits in the device ring buffer. */
export interface PendingStep {
  stage: number;
  stepInStage: number;
  globalStep: number;
  lr: number;
  tokens: number;
  /** State before this step, for the cursor of a "before-error" checkpoint. */
  optStepBefore: number;
  tokensBefore: number;
}

/** One read of the window: the pending steps with their losses and gradient norms, in step order. */
export interface WindowRead {
  steps: PendingStep[];
  losses: number[];
  norms: number[];
  /** Index of the first step whose loss or norm is not finite; -1 when every one is. */
  firstBad: number;
}

/**
 * The latest `size` steps' losses and gradient norms, kept on the device in two ring-buffer variables so that a step
 * reads nothing back: `push` shifts a step's scalars in (inside the step's tidy), `read` fetches the pending ones with
 * one async read. Two variables whatever the size, so `tf.memory().numTensors` does not grow with steps.
 */
export class LossWindow {
  private readonly lossRing: tf.Variable;
  private readonly normRing: tf.Variable;
  private pending: PendingStep[] = [];

  constructor(readonly size: number) {
    this.lossRing = tf.tidy(() => tf.variable(tf.zeros([size]), false));
    this.normRing = tf.tidy(() => tf.variable(tf.zeros([size]), false));
  }

  /** Steps pushed since the last read; read before it exceeds `size` or the oldest are lost. */
  get pendingSteps(): number {
    return this.pending.length;
  }

  get tensorCount(): number {
    return 2;
  }

  /** Shifts a step's loss and norm in (the oldest drop out); NaN-safe and allocation-neutral. Call inside a tidy. */
  push(loss: tf.Scalar, norm: tf.Scalar): void {
    this.shift(this.lossRing, loss);
    this.shift(this.normRing, norm);
  }

  /** The host-side facts of the step whose scalars were pushed last. */
  note(step: PendingStep): void {
    this.pending.push(step);
  }

  /** The pending steps' values with one GPU → CPU read, or null (and no read) when none is pending. */
  async read(): Promise<WindowRead | null> {
    const n = this.pending.length;
    if (n === 0) return null;
    const snap = tf.tidy(() => tf.concat([this.lossRing, this.normRing]));
    let values: Float32Array;
    try {
      values = (await snap.data()) as Float32Array;
    } finally {
      snap.dispose();
    }
    const W = this.size;
    const losses = Array.from(values.subarray(W - n, W));
    const norms = Array.from(values.subarray(2 * W - n, 2 * W));
    const steps = this.pending;
    this.pending = [];
    const firstBad = losses.findIndex((l, i) => !Number.isFinite(l) || !Number.isFinite(norms[i]));
    return { steps, losses, norms, firstBad };
  }

  dispose(): void {
    this.lossRing.dispose();
    this.normRing.dispose();
  }

  private shift(ring: tf.Variable, x: tf.Scalar): void {
    const v = tf.reshape(x, [1]);
    ring.assign(this.size === 1 ? v : tf.concat([tf.slice(ring, [1], [this.size - 1]), v]));
  }
}

/**
 * The `step` event for a read's finite steps (those before `firstBad`), or null when there is none: their mean loss
 * and gradient norm, each loss and each LR, and tokens per second over `ms` of training.
 */
export function windowStepEvent(
  read: WindowRead,
  ms: number,
  elapsedMs: number,
): Extract<RunEvent, { type: 'step' }> | null {
  const good = read.firstBad < 0 ? read.steps.length : read.firstBad;
  if (good === 0) return null;
  const last = read.steps[good - 1]!;
  const losses = read.losses.slice(0, good);
  const tokens = read.steps.slice(0, good).reduce((a, s) => a + s.tokens, 0);
  return {
    type: 'step',
    phase: last.stage,
    step: last.globalStep,
    stepInPhase: last.stepInStage + 1,
    loss: losses.reduce((a, b) => a + b, 0) / good,
    losses,
    lr: last.lr,
    lrs: read.steps.slice(0, good).map((s) => s.lr),
    gradNorm: read.norms.slice(0, good).reduce((a, b) => a + b, 0) / good,
    tokensSeen: last.tokensBefore + last.tokens,
    tokensPerSec: ms > 0 ? (tokens / ms) * 1000 : 0,
    elapsedMs,
    windowMs: ms,
  };
}
