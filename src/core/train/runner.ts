import * as tf from '@tensorflow/tfjs-core';
import type { InstructionRecord } from '../data/record';
import { loadCheckpoint, saveCheckpointAsync } from '../model/checkpoint';
import type { GptConfig } from '../model/config';
import { decayMask, gptLoss, type GptParams } from '../model/gpt';
import { buildArm, stageOrder, type Arm } from './arms';
import { BatchBuilder, pretokenize, truncationStats, type HostBatch, type PackedExample, type TruncationStats } from './batches';
import type { BucketLoss, CheckpointReason, Hyper, RunConfig, RunCursor, RunEvent } from './events';
import { AdamW, GradAccumulator, lossAndGrads } from './optimizer';
import { buildSchedule } from './schedule';
import type { Tokenizer } from '../tokenizer/tokenizer';

/**
 * The phased training loop.
 *
 * Per optimizer step: up to `gradAccumulation` micro-batches of [B, T]; each is one synchronous `tf.tidy` around
 * forward + `variableGrads` (+ accumulate); the last also clips, applies AdamW and pushes the step's loss and
 * gradient norm into two small device-side ring buffers. Nothing is read back in a step: every `logEvery` steps
 * (and before an evaluation, a pause, a checkpoint, a phase end) the buffers are read with one `await data()`.
 * The optimizer's on-device guard skips any non-finite update and latches, so when a NaN shows up in a readback the
 * weights are still the state from before the bad step: the runner saves that as a checkpoint and stops with an
 * `error` event naming the step and phase.
 *
 * Tensors owned across steps are all variables (parameters, moments, ring buffers, accumulators) plus the model's
 * cached causal mask, so `tf.memory().numTensors` is the same after every step.
 */

export interface HeldOutRecord {
  record: InstructionRecord;
  /** The difficulty bucket (e.g. the phase number "1", "2", "3") the held-out loss is reported under. */
  bucket: string;
}

export interface RunnerInit {
  config: RunConfig;
  model: { config: GptConfig; params: GptParams };
  tokenizer: Tokenizer;
  /** The phases, easy → hard (phase 1 first); the arm decides the order they are trained in. */
  phases: readonly (readonly InstructionRecord[])[];
  heldOut?: readonly HeldOutRecord[];
  onEvent?: (e: RunEvent) => void;
  /**
   * Continue a run from a checkpoint's cursor; the params must already hold the checkpoint's weights
   * (`resumeFromCheckpoint` prepares all of it from the bytes).
   */
  resume?: { cursor: RunCursor; optimizerState?: Record<string, tf.Tensor> };
  /** Stop (with a checkpoint, as `stop()` does) once the run has done this many optimizer steps in total. */
  maxSteps?: number;
  /** Write checkpoint bytes at phase ends, on stop and before an error (default true). */
  checkpoints?: boolean;
  /**
   * Awaited after each phase's held-out evaluation, before its checkpoint, on the weights as the phase left them
   * (e.g. to generate sample answers). Not counted as training time; it must not change the weights.
   */
  afterPhase?: (stage: number, at: { step: number; tokensSeen: number }) => Promise<void>;
}

export type RunnerState = 'idle' | 'running' | 'paused' | 'stopped' | 'done' | 'error';

export interface RunSummary {
  status: 'done' | 'stopped' | 'error';
  steps: number;
  tokensSeen: number;
  /** Training time without warm-up, pauses, evaluations and checkpoints. */
  elapsedMs: number;
  warmupMs: number;
  readbacks: number;
  /** Every loss read back, in step order (one per optimizer step). */
  losses: number[];
  error?: string;
}

interface StagePlan {
  examples: PackedExample[];
  order: Int32Array;
  steps: number;
  truncation: TruncationStats;
}

/** CPU-side facts about a step whose loss still sits in the device ring buffer. */
interface PendingStep {
  stage: number;
  stepInStage: number;
  globalStep: number;
  lr: number;
  tokens: number;
  /** State before this step, for the cursor of a "before-error" checkpoint. */
  optStepBefore: number;
  tokensBefore: number;
}

export function validateRunConfig(c: RunConfig, model?: GptConfig): void {
  const h = c.hyper;
  const bad: string[] = [];
  const posInt = (v: number, what: string) => {
    if (!Number.isInteger(v) || v < 1) bad.push(`${what} must be a positive integer, got ${v}`);
  };
  posInt(h.batchSize, 'hyper.batchSize');
  posInt(h.gradAccumulation, 'hyper.gradAccumulation');
  posInt(h.epochsPerPhase, 'hyper.epochsPerPhase');
  posInt(c.logEvery, 'logEvery');
  if (!Number.isInteger(c.evalEvery) || c.evalEvery < 0) bad.push(`evalEvery must be an integer ≥ 0 (0 = phase ends only), got ${c.evalEvery}`);
  if (!Number.isInteger(c.contextLength) || c.contextLength < 2) bad.push(`contextLength must be an integer ≥ 2, got ${c.contextLength}`);
  if (model && c.contextLength > model.contextLength) {
    bad.push(`contextLength ${c.contextLength} exceeds the model's context (${model.contextLength} positions)`);
  }
  if (!Number.isFinite(c.seed)) bad.push(`seed must be a number, got ${c.seed}`);
  if (bad.length) throw new RangeError(`Invalid run config: ${bad.join('; ')}.`);
}

/** The parts of a config that change the data order, schedule or updates: a resume must match them. */
function trajectoryKey(c: RunConfig): string {
  return JSON.stringify({ arm: c.arm, hyper: c.hyper, seed: c.seed, template: c.template, contextLength: c.contextLength });
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

/** Lets stop / pause messages in (a macrotask), without the 4 ms clamp of nested `setTimeout(0)` in browsers. */
function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => unknown };
  if (typeof g.setImmediate === 'function') return new Promise((r) => g.setImmediate!(r));
  if (typeof MessageChannel !== 'undefined') {
    return new Promise((r) => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => {
        ch.port1.close();
        r();
      };
      ch.port2.postMessage(null);
    });
  }
  return new Promise((r) => setTimeout(r, 0));
}

export class PhasedRunner {
  readonly arm: Arm;
  readonly config: RunConfig;
  /** LR of every step: `schedule[stage][stepInStage]`. */
  readonly schedule: Float64Array[];
  private readonly plans: StagePlan[];
  private readonly hyper: Hyper;
  private readonly model: { config: GptConfig; params: GptParams };
  private readonly opt: AdamW;
  private readonly acc: GradAccumulator | null;
  private readonly builder: BatchBuilder;
  private readonly evalSets: { bucket: string; examples: PackedExample[] }[];
  private readonly emit: (e: RunEvent) => void;
  private readonly lossRing: tf.Variable;
  private readonly normRing: tf.Variable;
  private readonly window: number;

  private _state: RunnerState = 'idle';
  private _readbacks = 0;
  private pending: PendingStep[] = [];
  private globalStep = 0;
  private tokensSeen = 0;
  private trainMs = 0;
  private clock = 0;
  private windowTokens = 0;
  private warmupMs = 0;
  private readonly losses: number[] = [];
  private stopRequested = false;
  private pauseRequested = false;
  private resumeWaiter: (() => void) | null = null;
  private lastCheckpointInfo: { step: number; reason: CheckpointReason } | null = null;
  private _lastCheckpoint: { bytes: Uint8Array; cursor: RunCursor; reason: CheckpointReason } | null = null;
  private disposed = false;

  constructor(private readonly init: RunnerInit) {
    const c = init.config;
    validateRunConfig(c, init.model.config);
    this.config = c;
    this.hyper = c.hyper;
    this.model = init.model;
    this.emit = init.onEvent ?? (() => {});
    const h = c.hyper;
    this.arm = buildArm(init.phases, c.arm, { epochsPerPhase: h.epochsPerPhase, replayFraction: h.replayFraction, seed: c.seed });
    if (this.arm.stages.length === 0) throw new Error('The arm has no records to train on.');

    // Pre-tokenize once; a record replayed in several stages is encoded once.
    const cache = new Map<InstructionRecord, PackedExample>();
    const rowsPerStep = h.batchSize * h.gradAccumulation;
    this.plans = this.arm.stages.map((stage) => {
      const fresh = stage.records.filter((r) => !cache.has(r));
      const pre = pretokenize(fresh, c.template, init.tokenizer, c.contextLength);
      fresh.forEach((r, i) => cache.set(r, pre.examples[i]));
      const examples = stage.records.map((r) => cache.get(r)!);
      const truncation = truncationStats(examples);
      const order = stageOrder(stage, c.seed);
      return { examples, order, steps: Math.ceil(order.length / rowsPerStep), truncation };
    });
    this.schedule = buildSchedule(
      this.plans.map((p) => p.steps),
      { peakLr: h.lr, minLrRatio: h.minLrRatio, warmupRatio: h.warmupRatio, restartPerPhase: h.restartSchedulePerPhase },
    );

    const byBucket = new Map<string, InstructionRecord[]>();
    for (const { record, bucket } of init.heldOut ?? []) {
      const list = byBucket.get(bucket) ?? [];
      list.push(record);
      byBucket.set(bucket, list);
    }
    this.evalSets = [...byBucket.keys()]
      .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
      .map((bucket) => ({ bucket, examples: pretokenize(byBucket.get(bucket)!, c.template, init.tokenizer, c.contextLength).examples }));

    this.builder = new BatchBuilder(h.batchSize, c.contextLength, init.tokenizer.padId);
    this.opt = new AdamW(init.model.params, {
      beta1: h.beta1,
      beta2: h.beta2,
      eps: h.eps,
      weightDecay: h.weightDecay,
      clipNorm: h.clipNorm,
      decay: decayMask,
    });
    this.acc = h.gradAccumulation > 1 ? new GradAccumulator(init.model.params) : null;
    this.window = c.logEvery;
    this.lossRing = tf.tidy(() => tf.variable(tf.zeros([this.window]), false));
    this.normRing = tf.tidy(() => tf.variable(tf.zeros([this.window]), false));

    if (init.resume) {
      const { cursor, optimizerState } = init.resume;
      if (trajectoryKey(cursor.config) !== trajectoryKey(c)) {
        throw new Error(
          'This checkpoint was saved by a run with a different arm, hyper-parameters, seed, template or context length; ' +
            'resume with the checkpoint’s own run config (cursor.config) or start a new run from its weights.',
        );
      }
      if (cursor.stage > this.plans.length || (cursor.stage < this.plans.length && cursor.stepInStage > this.plans[cursor.stage].steps)) {
        throw new Error(`The checkpoint's cursor (stage ${cursor.stage}, step ${cursor.stepInStage}) lies outside this run's plan.`);
      }
      if (optimizerState) this.opt.loadStateTensors(optimizerState);
      this.globalStep = cursor.globalStep;
      this.tokensSeen = cursor.tokensSeen;
    }
  }

  get state(): RunnerState {
    return this._state;
  }

  /** GPU→CPU reads so far: one per loss window, evaluation, warm-up and checkpoint. */
  get readbacks(): number {
    return this._readbacks;
  }

  get stepsPerStage(): number[] {
    return this.plans.map((p) => p.steps);
  }

  get totalSteps(): number {
    return this.plans.reduce((a, p) => a + p.steps, 0);
  }

  get lastCheckpoint(): { bytes: Uint8Array; cursor: RunCursor; reason: CheckpointReason } | null {
    return this._lastCheckpoint;
  }

  /** Tensors the runner itself owns (optimizer state, accumulators, ring buffers), for leak accounting. */
  get ownedTensors(): number {
    return this.opt.tensorCount + (this.acc?.tensorCount ?? 0) + 2;
  }

  /** Finish the current step, read back, save a checkpoint and end with `done { stopped: true }`. */
  stop(): void {
    this.stopRequested = true;
    this.resumeWaiter?.();
  }

  pause(): void {
    if (this._state === 'running') this.pauseRequested = true;
  }

  resume(): void {
    this.pauseRequested = false;
    this.resumeWaiter?.();
  }

  /** Frees the optimizer state and buffers (not the model's parameters). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.opt.dispose();
    this.acc?.dispose();
    this.lossRing.dispose();
    this.normRing.dispose();
  }

  async run(): Promise<RunSummary> {
    if (this._state !== 'idle') throw new Error(`run() was already called (state: ${this._state}).`);
    this._state = 'running';
    try {
      return await this.loop();
    } catch (err) {
      this._state = 'error';
      const message = err instanceof Error ? err.message : String(err);
      this.emit({ type: 'error', message, phase: -1, step: this.globalStep, stepInPhase: -1, lastGoodCheckpoint: this.lastCheckpointInfo });
      return this.summary('error', message);
    }
  }

  private summary(status: RunSummary['status'], error?: string): RunSummary {
    const s: RunSummary = {
      status,
      steps: this.globalStep,
      tokensSeen: this.tokensSeen,
      elapsedMs: this.trainMs,
      warmupMs: this.warmupMs,
      readbacks: this._readbacks,
      losses: this.losses,
    };
    if (error !== undefined) s.error = error;
    return s;
  }

  private async loop(): Promise<RunSummary> {
    const resume = this.init.resume?.cursor;
    const startStage = resume?.stage ?? 0;
    await this.warmup(Math.min(startStage, this.plans.length - 1));
    this.clock = now();

    for (let s = startStage; s < this.plans.length; s++) {
      const plan = this.plans[s];
      const stage = this.arm.stages[s];
      const startStep = resume && s === startStage ? resume.stepInStage : 0;
      if (startStep === 0 && this.hyper.resetOptimizerPerPhase) this.opt.reset();
      this.emit({
        type: 'phaseStart',
        phase: s,
        label: stage.label,
        sourcePhases: stage.sourcePhases,
        records: stage.ownCount,
        replayed: stage.replayCount,
        epochs: stage.epochs,
        steps: plan.steps,
        globalStep: this.globalStep,
        tokensSeen: this.tokensSeen,
        truncation: plan.truncation,
        resumed: startStep > 0,
      });

      for (let j = startStep; j < plan.steps; j++) {
        if (this.init.maxSteps !== undefined && this.globalStep >= this.init.maxSteps) this.stopRequested = true;
        if (this.pauseRequested && !this.stopRequested) await this.waitWhilePaused();
        if (this.stopRequested) return this.finishStopped(s, j);

        this.trainStep(s, j, false);
        if (this.pending.length >= this.window) {
          if (!(await this.flush())) return this.summary('error', 'non-finite loss');
        }
        if (this.config.evalEvery > 0 && this.globalStep % this.config.evalEvery === 0 && j < plan.steps - 1) {
          if (!(await this.flush())) return this.summary('error', 'non-finite loss');
          await this.evaluate(s, false);
        }
        await yieldToEventLoop();
      }

      if (!(await this.flush())) return this.summary('error', 'non-finite loss');
      this.emit({ type: 'phaseEnd', phase: s, step: this.globalStep, tokensSeen: this.tokensSeen, elapsedMs: this.trainMs });
      await this.evaluate(s, true);
      if (this.init.afterPhase) await this.init.afterPhase(s, { step: this.globalStep, tokensSeen: this.tokensSeen });
      await this.checkpoint('phase-end', s, this.cursorAt(s + 1, 0, this.globalStep, this.tokensSeen));
    }
    this._state = 'done';
    this.emit({ type: 'done', stopped: false, step: this.globalStep, tokensSeen: this.tokensSeen, elapsedMs: this.trainMs, warmupMs: this.warmupMs, readbacks: this._readbacks });
    return this.summary('done');
  }

  private async finishStopped(stage: number, stepInStage: number): Promise<RunSummary> {
    if (!(await this.flush())) return this.summary('error', 'non-finite loss');
    await this.checkpoint('stop', stage, this.cursorAt(stage, stepInStage, this.globalStep, this.tokensSeen));
    this._state = 'stopped';
    this.emit({ type: 'done', stopped: true, step: this.globalStep, tokensSeen: this.tokensSeen, elapsedMs: this.trainMs, warmupMs: this.warmupMs, readbacks: this._readbacks });
    return this.summary('stopped');
  }

  private async waitWhilePaused(): Promise<void> {
    if (!(await this.flush())) {
      this.stopRequested = true;
      return;
    }
    this._state = 'paused';
    while (this.pauseRequested && !this.stopRequested) {
      await new Promise<void>((r) => (this.resumeWaiter = r));
      this.resumeWaiter = null;
    }
    this._state = 'running';
    this.clock = now();
  }

  private cursorAt(stage: number, stepInStage: number, globalStep: number, tokensSeen: number): RunCursor {
    const rowsPerStep = this.hyper.batchSize * this.hyper.gradAccumulation;
    const plan = this.plans[stage];
    return {
      stage,
      stepInStage,
      position: plan ? Math.min(plan.order.length, stepInStage * rowsPerStep) : 0,
      globalStep,
      tokensSeen,
      seed: this.config.seed,
      config: this.config,
    };
  }

  private batchTensors(hb: HostBatch): { ids: tf.Tensor2D; targets: tf.Tensor2D; mask: tf.Tensor2D } {
    const shape: [number, number] = [this.hyper.batchSize, this.config.contextLength];
    return {
      ids: tf.tensor2d(hb.ids, shape, 'int32'),
      targets: tf.tensor2d(hb.targets, shape, 'int32'),
      mask: tf.tensor2d(hb.mask, shape, 'float32'),
    };
  }

  /** One optimizer step, synchronous. `dryRun`: run every kernel, change nothing (warm-up). */
  private trainStep(stageIndex: number, j: number, dryRun: boolean): tf.Scalar | null {
    const plan = this.plans[stageIndex];
    const { batchSize: B, gradAccumulation: k } = this.hyper;
    const lr = this.schedule[stageIndex][j];
    const from = j * B * k;
    const to = Math.min(plan.order.length, from + B * k);
    const { config: mc, params } = this.model;
    let tokens = 0;
    let norm: tf.Scalar | null = null;
    const optStepBefore = this.opt.step;
    for (let a = from; a < to; a += B) {
      const rows: PackedExample[] = [];
      for (let i = a; i < Math.min(to, a + B); i++) rows.push(plan.examples[plan.order[i]]);
      const hb = this.builder.build(rows);
      tokens += hb.tokens;
      const last = a + B >= to;
      const out = tf.tidy((): tf.Scalar | undefined => {
        const { ids, targets, mask } = this.batchTensors(hb);
        const { value, grads } = lossAndGrads(params, () => gptLoss(mc, params, ids, targets, mask));
        if (!last) {
          this.acc!.add(grads, value);
          return undefined;
        }
        let g = grads;
        let loss = value;
        if (this.acc && this.acc.count > 0) ({ grads: g, loss } = this.acc.take({ grads, loss: value }));
        const n = this.opt.apply(g, lr, { loss, dryRun });
        if (dryRun) return n;
        this.push(this.lossRing, loss);
        this.push(this.normRing, n);
        return undefined;
      });
      if (out) norm = out;
    }
    if (!dryRun) {
      this.globalStep++;
      this.tokensSeen += tokens;
      this.windowTokens += tokens;
      this.pending.push({
        stage: stageIndex,
        stepInStage: j,
        globalStep: this.globalStep,
        lr,
        tokens,
        optStepBefore,
        tokensBefore: this.tokensSeen - tokens,
      });
    }
    return norm;
  }

  /** Shift a scalar into a ring buffer variable (oldest value drops out); NaN-safe and allocation-neutral. */
  private push(ring: tf.Variable, x: tf.Scalar): void {
    const v = tf.reshape(x, [1]);
    ring.assign(this.window === 1 ? v : tf.concat([tf.slice(ring, [1], [this.window - 1]), v]));
  }

  /**
   * Reads the pending steps' losses and norms back (one async read) and emits a `step` event. Returns false (after
   * saving a "before-error" checkpoint and emitting `error`) when a step was not finite.
   */
  private async flush(): Promise<boolean> {
    const n = this.pending.length;
    if (n === 0) return true;
    const snap = tf.tidy(() => tf.concat([this.lossRing, this.normRing]));
    let values: Float32Array;
    try {
      values = (await snap.data()) as Float32Array;
    } finally {
      snap.dispose();
    }
    this._readbacks++;
    const W = this.window;
    const losses = Array.from(values.subarray(W - n, W));
    const norms = Array.from(values.subarray(2 * W - n, 2 * W));
    const steps = this.pending;
    this.pending = [];
    const bad = losses.findIndex((l, i) => !Number.isFinite(l) || !Number.isFinite(norms[i]));
    const good = bad < 0 ? n : bad;

    const t = now();
    const ms = t - this.clock;
    this.trainMs += ms;
    this.clock = t;
    if (good > 0) {
      const last = steps[good - 1];
      const okLosses = losses.slice(0, good);
      this.losses.push(...okLosses);
      const tokens = bad < 0 ? this.windowTokens : steps.slice(0, good).reduce((a, s) => a + s.tokens, 0);
      this.emit({
        type: 'step',
        phase: last.stage,
        step: last.globalStep,
        stepInPhase: last.stepInStage + 1,
        loss: okLosses.reduce((a, b) => a + b, 0) / good,
        losses: okLosses,
        lr: last.lr,
        gradNorm: norms.slice(0, good).reduce((a, b) => a + b, 0) / good,
        tokensSeen: bad < 0 ? this.tokensSeen : last.tokensBefore + last.tokens,
        tokensPerSec: ms > 0 ? (tokens / ms) * 1000 : 0,
        elapsedMs: this.trainMs,
      });
    }
    this.windowTokens = 0;
    if (bad < 0) return true;

    // The guard skipped the bad step and every step after it: the weights are the state before `s`.
    const s = steps[bad];
    this.opt.step = s.optStepBefore;
    this.opt.clearHalt();
    this.globalStep = s.globalStep - 1;
    this.tokensSeen = s.tokensBefore;
    const what = !Number.isFinite(losses[bad]) ? `loss ${losses[bad]}` : `gradient norm ${norms[bad]}`;
    const stage = this.arm.stages[s.stage];
    await this.checkpoint('before-error', s.stage, this.cursorAt(s.stage, s.stepInStage, this.globalStep, this.tokensSeen));
    this._state = 'error';
    this.emit({
      type: 'error',
      message:
        `Training diverged: ${what} at step ${s.globalStep} (phase ${s.stage + 1} "${stage.label}", step ${s.stepInStage + 1} of ` +
        `${this.plans[s.stage].steps}, LR ${s.lr.toExponential(2)}). The run stopped; the weights are those from before ` +
        `that step${this._lastCheckpoint?.reason === 'before-error' ? ' and were saved as a checkpoint' : ''}. ` +
        'Lower the learning rate or enable gradient clipping, then resume from that checkpoint.',
      phase: s.stage,
      step: s.globalStep,
      stepInPhase: s.stepInStage + 1,
      lastGoodCheckpoint: this.lastCheckpointInfo,
    });
    return false;
  }

  /** Held-out loss per bucket, token-weighted, in [B, T] batches, no gradients; one readback. */
  private async evaluate(stage: number, atPhaseEnd: boolean): Promise<void> {
    if (this.evalSets.length === 0) return;
    const t0 = now();
    const { config: mc, params } = this.model;
    const B = this.hyper.batchSize;
    const sums: tf.Scalar[] = [];
    const counts: number[] = [];
    try {
      for (const set of this.evalSets) {
        let sum = tf.scalar(0);
        let count = 0;
        for (let a = 0; a < set.examples.length; a += B) {
          const hb = this.builder.build(set.examples.slice(a, a + B));
          count += hb.maskTokens;
          const next = tf.tidy(() => {
            const { ids, targets, mask } = this.batchTensors(hb);
            return tf.add(sum, tf.mul(gptLoss(mc, params, ids, targets, mask), hb.maskTokens)) as tf.Scalar;
          });
          sum.dispose();
          sum = next;
        }
        sums.push(sum);
        counts.push(count);
      }
      const all = tf.stack(sums);
      const values = await all.data();
      all.dispose();
      this._readbacks++;
      const buckets: BucketLoss[] = this.evalSets.map((set, i) => ({
        bucket: set.bucket,
        loss: counts[i] > 0 ? values[i] / counts[i] : NaN,
        records: set.examples.length,
        tokens: counts[i],
      }));
      const total = counts.reduce((a, b) => a + b, 0);
      this.emit({
        type: 'eval',
        phase: stage,
        step: this.globalStep,
        tokensSeen: this.tokensSeen,
        atPhaseEnd,
        heldOutLoss: total > 0 ? Array.from(values).reduce((a, b) => a + b, 0) / total : NaN,
        buckets,
        ms: now() - t0,
      });
    } finally {
      tf.dispose(sums);
      this.clock = now();
    }
  }

  /** `phase`: the stage the checkpoint belongs to (a phase-end cursor already points at the next one). */
  private async checkpoint(reason: CheckpointReason, phase: number, cursor: RunCursor): Promise<void> {
    if (this.init.checkpoints === false) return;
    const optimizerState = this.opt.stateTensors();
    let bytes: Uint8Array;
    try {
      bytes = await saveCheckpointAsync({
        config: this.model.config,
        tokenizer: this.init.tokenizer,
        params: this.model.params,
        optimizerState,
        cursor,
        extraMeta: { reason, arm: this.arm.label, phase: String(phase + 1), globalStep: String(cursor.globalStep) },
      });
    } finally {
      tf.dispose(Object.values(optimizerState));
    }
    this._readbacks++;
    this._lastCheckpoint = { bytes, cursor, reason };
    this.lastCheckpointInfo = { step: cursor.globalStep, reason };
    this.emit({ type: 'checkpoint', reason, phase, step: cursor.globalStep, cursor, bytes });
    this.clock = now();
  }

  /**
   * Compiles every kernel of a training step (and of an evaluation batch) on real shapes without changing any state,
   * so the first timed step is not the one that compiles shaders. Excluded from timing; one readback.
   */
  private async warmup(stage: number): Promise<void> {
    const t0 = now();
    const norm = this.trainStep(stage, 0, true);
    const reads: tf.Tensor[] = norm ? [norm] : [];
    if (this.evalSets.length > 0) {
      const hb = this.builder.build(this.evalSets[0].examples.slice(0, this.hyper.batchSize));
      reads.push(
        tf.tidy(() => {
          const { ids, targets, mask } = this.batchTensors(hb);
          return gptLoss(this.model.config, this.model.params, ids, targets, mask);
        }),
      );
    }
    if (reads.length) {
      const all = tf.tidy(() => tf.stack(reads));
      await all.data();
      this._readbacks++;
      tf.dispose([all, ...reads]);
    }
    this.warmupMs = now() - t0;
  }
}

/** Runs a whole arm; resolves when it ends (done, stopped or error). */
export async function runTraining(init: RunnerInit): Promise<RunSummary> {
  const runner = new PhasedRunner(init);
  try {
    return await runner.run();
  } finally {
    runner.dispose();
  }
}

/** Checks that a checkpoint's cursor is one this runner wrote. */
export function asRunCursor(x: unknown): RunCursor {
  const c = x as Partial<RunCursor> | undefined;
  const ok =
    !!c &&
    typeof c === 'object' &&
    [c.stage, c.stepInStage, c.position, c.globalStep, c.tokensSeen, c.seed].every((v) => typeof v === 'number') &&
    !!c.config &&
    typeof c.config === 'object';
  if (!ok) throw new Error('This checkpoint has no training cursor (it was not saved by a training run), so the run cannot resume from it.');
  return c as RunCursor;
}

/**
 * Everything `RunnerInit` needs to continue a run from checkpoint bytes: the model (weights restored), its tokenizer,
 * the run config and the resume cursor + optimizer state. Add `phases`, `heldOut` and `onEvent`, then run.
 * Dispose `resume.optimizerState` after the runner is constructed (it copies it).
 */
export function resumeFromCheckpoint(bytes: Uint8Array): Pick<RunnerInit, 'config' | 'model' | 'tokenizer'> & {
  resume: { cursor: RunCursor; optimizerState?: Record<string, tf.Tensor> };
} {
  const ck = loadCheckpoint(bytes);
  const cursor = asRunCursor(ck.cursor);
  const resume: { cursor: RunCursor; optimizerState?: Record<string, tf.Tensor> } = { cursor };
  if (ck.optimizerState) resume.optimizerState = ck.optimizerState;
  return { config: cursor.config, model: { config: ck.config, params: ck.params }, tokenizer: ck.tokenizer, resume };
}
