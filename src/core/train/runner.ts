import type { InstructionRecord } from '../data/record';
import {
  evaluateHeldOut,
  firstHeldOutBatch,
  heldOutSets,
  type HeldOutBatching,
  type HeldOutRecord,
  type HeldOutSet,
} from '../eval/heldOutLoss';
import type { GptConfig } from '../model/config';
import { activeMemoryBudget, assertTrainingFits } from '../model/memoryBudget';
import type { GptParams } from '../model/gpt';
import { loraSettingsOf, sameLora, trainableParams } from '../model/lora';
import { BatchBuilder } from '../text/batches';
import { formatOf } from '../text/recordFormat';
import type { Tokenizer } from '../tokenizer/tokenizer';
import { buildArm, type Arm, type Stage } from './arms';
import { runCheckpointBytes, type SavedCheckpoint } from './checkpointing';
import { firstNonFinite } from './checkpointCheck';
import { divergenceMessage, spikeMessage, type BeforeError } from './divergence';
import type { CheckpointReason, RunEvent } from './events';
import { yieldToEventLoop } from './eventLoop';
import type { Hyper } from './hyper';
import { LossSpikeDetector, type LossSpike } from './lossSpike';
import { LossWindow, windowStepEvent, type WindowRead } from './lossWindow';
import { GradAccumulator, type AdamW } from './optimizer';
import { checkResumable, runCursor, type ResumePoint } from './resume';
import type { RunConfig } from './runConfig';
import type { RunCursor } from './runCursor';
import type { RunSummary } from './runSummary';
import { buildSchedule } from './schedule';
import { planStages, stepRows, type StagePlan } from './stagePlan';
import { createAdamW, trainStep, type StepParts } from './trainStep';
import { now, TrainingClock } from './trainingClock';
import { validateRunConfig } from './validateRunConfig';
import { readWarmup } from './warmup';

export { asRunCursor, resumeFromCheckpoint } from './resume';
export { validateRunConfig } from './validateRunConfig';

/**
 * The phased training loop: for each stage of the arm, its steps; a loss readback every `logEvery` steps, held-out
 * evaluations, a checkpoint at each phase end; pause, resume and stop between steps.
 *
 * Per optimizer step (`trainStep.ts`): up to `gradAccumulation` micro-batches of [B, T], each one synchronous
 * `tf.tidy`; the last pushes the step's loss and gradient norm into a device-side window (`lossWindow.ts`). Nothing
 * is read back in a step: every `logEvery` steps (and before an evaluation, a pause, a checkpoint, a phase end) the
 * window is read with one `await data()`. The optimizer's on-device guard skips any non-finite update and latches,
 * so when a NaN shows up in a readback the weights are still the state from before the bad step: the runner saves
 * that as a checkpoint (once its bytes are checked finite: the weights can already hold a NaN) and stops with an
 * `error` event naming the step and phase (`divergence.ts`). A finite blow-up (`lossSpike.ts`) stops the run the same
 * way, without a checkpoint: every step of its window was applied, so only an earlier checkpoint is good.
 *
 * Tensors owned across steps are all variables (parameters, moments, the window, accumulators) plus the model's
 * cached causal mask, so `tf.memory().numTensors` is the same after every step.
 */

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
  resume?: ResumePoint;
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

const DIVERGED = 'non-finite loss';
const SPIKED = 'loss spike';

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
  private readonly parts: StepParts;
  private readonly heldOut: HeldOutSet[];
  private readonly evalBatching: HeldOutBatching;
  private readonly emit: (e: RunEvent) => void;
  private readonly window: LossWindow;
  private readonly spikes: LossSpikeDetector;
  private readonly clock = new TrainingClock();

  private _state: RunnerState = 'idle';
  private _readbacks = 0;
  private globalStep = 0;
  private tokensSeen = 0;
  private warmupMs = 0;
  private readonly losses: number[] = [];
  private stopRequested = false;
  private pauseRequested = false;
  private resumeWaiter: (() => void) | null = null;
  private _lastCheckpoint: SavedCheckpoint | null = null;
  private failure: typeof DIVERGED | typeof SPIKED | null = null;
  private disposed = false;

  constructor(private readonly init: RunnerInit) {
    const c = init.config;
    validateRunConfig(c, init.model.config);
    // Before the optimizer, the batches or any step exists: an oversized step is refused here, with what would fit,
    // instead of aborting the backend. The model's weights (and a resumed optimizer state) are already allocated
    // and counted by the estimate, so they are not "in use" on top of it.
    const counted = [...Object.values(init.model.params), ...Object.values(init.resume?.optimizerState ?? {})].reduce(
      (n, t) => n + t.size * 4,
      0,
    );
    const trainableParameters =
      c.lora === undefined
        ? undefined
        : Object.values(trainableParams(init.model.params, c.lora)).reduce((n, t) => n + t.size, 0);
    assertTrainingFits(
      init.model.config,
      {
        batchSize: c.hyper.batchSize,
        contextLength: c.contextLength,
        accumulation: c.hyper.gradAccumulation > 1,
        trainableParameters,
        lora: c.lora,
      },
      activeMemoryBudget(counted),
    );
    this.config = c;
    this.hyper = c.hyper;
    this.model = init.model;
    this.emit = init.onEvent ?? (() => {});
    const h = c.hyper;
    this.arm = buildArm(init.phases, c.arm, {
      epochsPerPhase: h.epochsPerPhase,
      replayFraction: h.replayFraction,
      seed: c.seed,
    });
    if (this.arm.stages.length === 0) throw new Error('The arm has no records to train on.');
    this.plans = planStages(this.arm, c, init.tokenizer);
    this.schedule = buildSchedule(
      this.plans.map((p) => p.steps),
      {
        peakLr: h.lr,
        minLrRatio: h.minLrRatio,
        warmupRatio: h.warmupRatio,
        restartPerPhase: h.restartSchedulePerPhase,
      },
    );
    if (init.resume) checkResumable(init.resume.cursor, c, this.plans);
    this.heldOut = heldOutSets(init.heldOut ?? [], formatOf(c.template), init.tokenizer, c.contextLength);
    this.evalBatching = {
      batchSize: h.batchSize,
      contextLength: c.contextLength,
      padId: init.tokenizer.padId,
      shape: 'fixed',
    };

    const lora = c.lora;
    if (lora !== undefined && !sameLora(loraSettingsOf(init.model.params), lora)) {
      throw new Error(
        'The run config asks for LoRA but the model holds no adapters with those settings: add them with addLoraAdapters first.',
      );
    }
    // Under LoRA only the adapters (and chosen extras) get gradients, moments and accumulators; the base is frozen.
    const trainable = trainableParams(init.model.params, lora);
    this.opt = createAdamW(trainable, h);
    this.acc = h.gradAccumulation > 1 ? new GradAccumulator(trainable) : null;
    this.parts = {
      model: init.model,
      trainable,
      opt: this.opt,
      acc: this.acc,
      builder: new BatchBuilder(h.batchSize, c.contextLength, init.tokenizer.padId),
    };
    this.window = new LossWindow(c.logEvery);
    this.spikes = new LossSpikeDetector(init.model.config.vocabSize);

    if (init.resume) {
      const { cursor, optimizerState } = init.resume;
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

  get lastCheckpoint(): SavedCheckpoint | null {
    return this._lastCheckpoint;
  }

  /** Tensors the runner itself owns (optimizer state, accumulators, ring buffers), for leak accounting. */
  get ownedTensors(): number {
    return this.opt.tensorCount + (this.acc?.tensorCount ?? 0) + this.window.tensorCount;
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
    this.window.dispose();
  }

  async run(): Promise<RunSummary> {
    if (this._state !== 'idle') throw new Error(`run() was already called (state: ${this._state}).`);
    this._state = 'running';
    try {
      return await this.loop();
    } catch (err) {
      this._state = 'error';
      const message = err instanceof Error ? err.message : String(err);
      this.emit({
        type: 'error',
        message,
        phase: -1,
        step: this.globalStep,
        stepInPhase: -1,
        lastGoodCheckpoint: this.lastCheckpointInfo,
      });
      return this.summary('error', message);
    }
  }

  private summary(status: RunSummary['status'], error?: string): RunSummary {
    const s: RunSummary = {
      status,
      steps: this.globalStep,
      tokensSeen: this.tokensSeen,
      elapsedMs: this.clock.elapsedMs,
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
    this.clock.restart();

    for (let s = startStage; s < this.plans.length; s++) {
      const { plan, stage } = this.stageAt(s);
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
        stageSteps: this.stepsPerStage,
        globalStep: this.globalStep,
        tokensSeen: this.tokensSeen,
        truncation: plan.truncation,
        resumed: startStep > 0,
      });

      for (let j = startStep; j < plan.steps; j++) {
        if (this.init.maxSteps !== undefined && this.globalStep >= this.init.maxSteps) this.stopRequested = true;
        if (this.pauseRequested && !this.stopRequested && !(await this.waitWhilePaused())) return this.failed();
        if (this.stopRequested) return this.finishStopped(s, j);

        this.step(s, j);
        if (this.window.pendingSteps >= this.window.size) {
          if (!(await this.flush())) return this.failed();
        }
        if (this.config.evalEvery > 0 && this.globalStep % this.config.evalEvery === 0 && j < plan.steps - 1) {
          if (!(await this.flush())) return this.failed();
          await this.evaluate(s, false);
        }
        await yieldToEventLoop();
      }

      if (!(await this.flush())) return this.failed();
      this.emit({
        type: 'phaseEnd',
        phase: s,
        step: this.globalStep,
        tokensSeen: this.tokensSeen,
        elapsedMs: this.clock.elapsedMs,
      });
      await this.evaluate(s, true);
      if (this.init.afterPhase) await this.init.afterPhase(s, { step: this.globalStep, tokensSeen: this.tokensSeen });
      await this.checkpoint('phase-end', s, this.cursorAt(s + 1, 0));
    }
    this._state = 'done';
    this.emit({
      type: 'done',
      stopped: false,
      step: this.globalStep,
      tokensSeen: this.tokensSeen,
      elapsedMs: this.clock.elapsedMs,
      warmupMs: this.warmupMs,
      readbacks: this._readbacks,
    });
    return this.summary('done');
  }

  private async finishStopped(stage: number, stepInStage: number): Promise<RunSummary> {
    if (!(await this.flush())) return this.failed();
    await this.checkpoint('stop', stage, this.cursorAt(stage, stepInStage));
    this._state = 'stopped';
    this.emit({
      type: 'done',
      stopped: true,
      step: this.globalStep,
      tokensSeen: this.tokensSeen,
      elapsedMs: this.clock.elapsedMs,
      warmupMs: this.warmupMs,
      readbacks: this._readbacks,
    });
    return this.summary('stopped');
  }

  /** The summary of a run that `flush` stopped: diverged (NaN/Inf) or spiked. */
  private failed(): RunSummary {
    return this.summary('error', this.failure ?? DIVERGED);
  }

  /** False when the flush before pausing found the run diverged (it has then stopped, with its `error` event). */
  private async waitWhilePaused(): Promise<boolean> {
    if (!(await this.flush())) return false;
    this._state = 'paused';
    while (this.pauseRequested && !this.stopRequested) {
      await new Promise<void>((r) => (this.resumeWaiter = r));
      this.resumeWaiter = null;
    }
    this._state = 'running';
    this.clock.restart();
    return true;
  }

  private get lastCheckpointInfo(): { step: number; reason: CheckpointReason } | null {
    const last = this._lastCheckpoint;
    return last ? { step: last.cursor.globalStep, reason: last.reason } : null;
  }

  /** The cursor of the run as it stands, placed at `stage`, `stepInStage`. */
  private cursorAt(stage: number, stepInStage: number): RunCursor {
    return runCursor(this.config, this.plans, {
      stage,
      stepInStage,
      globalStep: this.globalStep,
      tokensSeen: this.tokensSeen,
    });
  }

  /** One optimizer step (synchronous, nothing read back); its loss waits in the window. */
  private step(stage: number, j: number): void {
    const { plan, lrs } = this.stageAt(stage);
    const lr = lrs[j]!; // the schedule holds one rate per step of the stage
    const optStepBefore = this.opt.step;
    const { tokens } = trainStep(this.parts, plan, stepRows(plan, j, this.config), lr, this.window);
    this.globalStep++;
    this.tokensSeen += tokens;
    this.window.note({
      stage,
      stepInStage: j,
      globalStep: this.globalStep,
      lr,
      tokens,
      optStepBefore,
      tokensBefore: this.tokensSeen - tokens,
    });
  }

  /**
   * Reads the window back (one async read) and emits a `step` event. Returns false (after saving a "before-error"
   * checkpoint and emitting `error`) when a step was not finite, or (after emitting `error`) when the window's loss
   * blew up. The spike stops the run rather than warns: a loss 10× above the start leaves weights that are wrecked
   * (LR 1e3 never came back on the micro GPT), and training on would only spend time and overwrite nothing useful.
   */
  private async flush(): Promise<boolean> {
    const read = await this.window.read();
    if (read === null) return true;
    this._readbacks++;
    const ms = this.clock.lap();
    const event = windowStepEvent(read, ms, this.clock.elapsedMs);
    if (event) {
      this.losses.push(...event.losses);
      this.emit(event);
    }
    if (read.firstBad >= 0) {
      this.failure = DIVERGED;
      await this.stopDiverged(read);
      return false;
    }
    const spike = event ? this.spikes.observe(event.losses) : null;
    if (!spike) return true;
    this.failure = SPIKED;
    this.stopSpiked(read, spike);
    return false;
  }

  private stageInfo(stage: number): { label: string; steps: number } {
    const { plan, stage: s } = this.stageAt(stage);
    return { label: s.label, steps: plan.steps };
  }

  /** Stage `s`'s plan, arm stage and learning rates; `s` counts from 0 (a resume cursor's stage included). */
  private stageAt(s: number): { plan: StagePlan; stage: Stage; lrs: Float64Array } {
    const plan = this.plans[s];
    const stage = this.arm.stages[s];
    const lrs = this.schedule[s];
    if (!plan || !stage || !lrs)
      throw new RangeError(`stage ${s} does not exist: this run has ${this.plans.length} stage(s)`);
    return { plan, stage, lrs };
  }

  /** The window's steps were all applied: the weights now are the blown-up ones, so nothing is saved. */
  private stopSpiked(read: WindowRead, spike: LossSpike): void {
    const s = read.steps.at(-1)!;
    this._state = 'error';
    this.emit({
      type: 'error',
      message: spikeMessage(read, spike, this.stageInfo(s.stage), this.lastCheckpointInfo),
      phase: s.stage,
      step: s.globalStep,
      stepInPhase: s.stepInStage + 1,
      lastGoodCheckpoint: this.lastCheckpointInfo,
    });
  }

  /** The guard skipped the bad step and every step after it: the weights are the state before it. Save and report. */
  private async stopDiverged(read: WindowRead): Promise<void> {
    const s = read.steps[read.firstBad]!;
    this.opt.step = s.optStepBefore;
    this.opt.clearHalt();
    this.globalStep = s.globalStep - 1;
    this.tokensSeen = s.tokensBefore;
    const before = await this.checkpointBeforeError(s.stage, this.cursorAt(s.stage, s.stepInStage));
    this._state = 'error';
    this.emit({
      type: 'error',
      message: divergenceMessage(read, this.stageInfo(s.stage), before),
      phase: s.stage,
      step: s.globalStep,
      stepInPhase: s.stepInStage + 1,
      lastGoodCheckpoint: this.lastCheckpointInfo,
    });
  }

  /** Held-out loss per bucket in fixed [B, T] batches (one GPU program), no gradients; one readback. */
  private async evaluate(stage: number, atPhaseEnd: boolean): Promise<void> {
    if (this.heldOut.length === 0) return;
    const t0 = now();
    try {
      const report = await evaluateHeldOut(this.model, this.heldOut, this.evalBatching);
      this._readbacks++;
      this.emit({
        type: 'eval',
        phase: stage,
        step: this.globalStep,
        tokensSeen: this.tokensSeen,
        atPhaseEnd,
        heldOutLoss: report.overall,
        buckets: report.buckets,
        ms: now() - t0,
      });
    } finally {
      this.clock.restart();
    }
  }

  /** `phase`: the stage the checkpoint belongs to (a phase-end cursor already points at the next one). */
  private async checkpoint(reason: CheckpointReason, phase: number, cursor: RunCursor): Promise<void> {
    if (this.init.checkpoints === false) return;
    this.offer(await this.checkpointBytes(reason, phase, cursor), reason, phase, cursor);
  }

  /**
   * The weights from before the bad step, offered only once their bytes are checked finite: a NaN can sit in the
   * weights themselves (an imported model, a poisoned update), and then the last good checkpoint is an earlier one.
   */
  private async checkpointBeforeError(phase: number, cursor: RunCursor): Promise<BeforeError> {
    if (this.init.checkpoints === false) return { saved: false, lastGood: this.lastCheckpointInfo };
    const bytes = await this.checkpointBytes('before-error', phase, cursor);
    const nonFinite = firstNonFinite(bytes);
    if (nonFinite) return { saved: false, nonFinite, lastGood: this.lastCheckpointInfo };
    this.offer(bytes, 'before-error', phase, cursor);
    return { saved: true };
  }

  private async checkpointBytes(reason: CheckpointReason, phase: number, cursor: RunCursor): Promise<Uint8Array> {
    const bytes = await runCheckpointBytes(
      { model: this.model, tokenizer: this.init.tokenizer, opt: this.opt, armLabel: this.arm.label },
      reason,
      phase,
      cursor,
    );
    this._readbacks++;
    this.clock.restart();
    return bytes;
  }

  private offer(bytes: Uint8Array, reason: CheckpointReason, phase: number, cursor: RunCursor): void {
    this._lastCheckpoint = { bytes, cursor, reason };
    this.emit({ type: 'checkpoint', reason, phase, step: cursor.globalStep, cursor, bytes });
    this.clock.restart();
  }

  /**
   * Compiles every kernel of a training step (and of an evaluation batch) on real shapes without changing any state,
   * so the first timed step is not the one that compiles shaders. Excluded from timing; one readback.
   */
  private async warmup(stage: number): Promise<void> {
    const t0 = now();
    const { plan, lrs } = this.stageAt(stage);
    const { norm } = trainStep(this.parts, plan, stepRows(plan, 0, this.config), lrs[0]!, null);
    if (await readWarmup([norm, firstHeldOutBatch(this.model, this.heldOut, this.evalBatching)])) this._readbacks++;
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
