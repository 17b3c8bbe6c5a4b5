import type { LoraSettings } from '../model/loraSettings';
import type { ArmSpec } from './arms';
import type { TruncationStats } from './batches';
import type { TemplateName } from './template';

/**
 * What a run is: everything that fixes its data order, schedule and updates. Reproducible from this + the dataset +
 * the model's initial weights.
 */
export interface Hyper {
  /** Peak learning rate. */
  lr: number;
  /** Cosine decays to `lr × minLrRatio`. */
  minLrRatio: number;
  epochsPerPhase: number;
  /** Rows per micro-batch (B of the [B, T] tensors). */
  batchSize: number;
  /** Micro-batches per optimizer step (effective batch = batchSize × gradAccumulation). */
  gradAccumulation: number;
  warmupRatio: number;
  weightDecay: number;
  /** Global gradient-norm clip; 0 = off. */
  clipNorm: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Warm-up + cosine restart in every phase (paper: true) or one schedule over the whole arm. */
  restartSchedulePerPhase: boolean;
  /** Fresh AdamW moments in every phase (paper: true) or carried over. */
  resetOptimizerPerPhase: boolean;
  /** Fraction of earlier phases' records replayed in each later phase (paper: 0). */
  replayFraction: number;
}

/** The paper's settings (Pang et al. 2024, §4): LR 5e-6 suits 7B full fine-tuning, not a tiny model from scratch. */
export const PAPER_HYPER: Readonly<Hyper> = {
  lr: 5e-6,
  minLrRatio: 0,
  epochsPerPhase: 2,
  batchSize: 16,
  gradAccumulation: 1,
  warmupRatio: 0.1,
  weightDecay: 0.1,
  clipNorm: 1.0,
  beta1: 0.9,
  beta2: 0.95,
  eps: 1e-8,
  restartSchedulePerPhase: true,
  resetOptimizerPerPhase: true,
  replayFraction: 0,
};

/** The paper's maximum sequence length in tokens (not a setting here: the studio fits rows to the data). */
export const PAPER_MAX_LENGTH = 2048;

export interface RunConfig {
  arm: ArmSpec;
  hyper: Hyper;
  seed: number;
  /** Read the loss back (asynchronously) every this many optimizer steps, and emit a `step` event. */
  logEvery: number;
  /** Held-out evaluation every this many optimizer steps (0 = only at phase ends). */
  evalEvery: number;
  template: TemplateName;
  /** T of every [B, T] batch; at most the model's context length. */
  contextLength: number;
  /**
   * Train LoRA adapters (and the chosen biases / LayerNorms) instead of every weight; the model's params must hold
   * the adapters (`addLoraAdapters`). Absent: full fine-tuning.
   */
  lora?: LoraSettings;
}

/** Where a run stands, saved in every checkpoint so a run resumes exactly where it was. */
export interface RunCursor {
  /** Stage (phase of the arm) being trained, 0-based. */
  stage: number;
  /** Optimizer steps already done in that stage. */
  stepInStage: number;
  /** Rows of the stage's data order already consumed (`stepInStage × batchSize × gradAccumulation`, capped). */
  position: number;
  /** Optimizer steps already done in the whole run. */
  globalStep: number;
  tokensSeen: number;
  /**
   * The data order's random state: orders are a pure function of (seed, stage, epoch) — see `stageOrder` — so the
   * seed plus `position` is the whole RNG state.
   */
  seed: number;
  /** The config the run was started with; a resume checks it matches. */
  config: RunConfig;
}

export interface BucketLoss {
  bucket: string;
  /** Mean cross-entropy per response token (nats). */
  loss: number;
  records: number;
  tokens: number;
}

export type CheckpointReason = 'phase-end' | 'stop' | 'before-error';

export type RunEvent =
  | {
      type: 'phaseStart';
      phase: number;
      label: string;
      /** 1-based phases of the input whose records the stage holds. */
      sourcePhases: number[];
      records: number;
      replayed: number;
      epochs: number;
      steps: number;
      /** Optimizer steps of every stage of the arm, so the run's whole length is known from its first phase. */
      stageSteps: number[];
      globalStep: number;
      tokensSeen: number;
      truncation: TruncationStats;
      /** True when this stage continues from a checkpoint taken inside it. */
      resumed: boolean;
    }
  | {
      type: 'step';
      phase: number;
      /** Optimizer steps done in the run (1-based count: the step just finished). */
      step: number;
      stepInPhase: number;
      /** Mean training loss over the steps since the last `step` event. */
      loss: number;
      /** The loss of each of those steps, oldest first (`step − losses.length + 1` … `step`). */
      losses: number[];
      /** LR of the last step. */
      lr: number;
      /** The LR each of those steps trained with, oldest first (the schedule at each step, not the window's last). */
      lrs: number[];
      /** Mean pre-clip gradient norm over those steps. */
      gradNorm: number;
      tokensSeen: number;
      tokensPerSec: number;
      /** Training time so far, without warm-up, pauses, evaluations and checkpoints. */
      elapsedMs: number;
      /** Training time of those steps alone (what a step costs, for the time left). */
      windowMs: number;
    }
  | {
      type: 'eval';
      phase: number;
      step: number;
      tokensSeen: number;
      atPhaseEnd: boolean;
      /** Token-weighted mean over all held-out records. */
      heldOutLoss: number;
      buckets: BucketLoss[];
      ms: number;
    }
  | { type: 'phaseEnd'; phase: number; step: number; tokensSeen: number; elapsedMs: number }
  | {
      type: 'checkpoint';
      reason: CheckpointReason;
      /** The stage it belongs to: the one that just ended (phase-end), was stopped in, or failed. */
      phase: number;
      step: number;
      /** Where a resume starts: after a phase end, step 0 of the next stage. */
      cursor: RunCursor;
      /** A safetensors file (core/model/checkpoint): weights, AdamW moments, config, tokenizer and cursor. */
      bytes: Uint8Array;
    }
  | { type: 'error'; message: string; phase: number; step: number; stepInPhase: number; lastGoodCheckpoint: { step: number; reason: CheckpointReason } | null }
  | {
      type: 'done';
      stopped: boolean;
      step: number;
      tokensSeen: number;
      elapsedMs: number;
      warmupMs: number;
      /** GPU→CPU reads the run made (loss windows, evaluations, warm-up, checkpoints). */
      readbacks: number;
    };

export type RunEventType = RunEvent['type'];
