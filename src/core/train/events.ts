import type { BucketLoss } from '../eval/heldOutLoss';
import type { TruncationStats } from '../text/batches';
import type { RunCursor } from './runCursor';

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
  | {
      type: 'error';
      message: string;
      phase: number;
      step: number;
      stepInPhase: number;
      lastGoodCheckpoint: { step: number; reason: CheckpointReason } | null;
    }
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
