/** The recipe's training hyper-parameters, and the paper's values for them in the recipe's names. */
import { PAPER_HYPER as PAPER, PAPER_MAX_LENGTH } from '../train/events';

/** Training hyper-parameters of every stage (and of the one-off baseline). */
export interface ScaleOutHyper {
  learningRate: number;
  /** Epochs of each stage; the one-off run uses the same, so every record is seen as often in both arms. */
  epochsPerStage: number;
  warmupRatio: number;
  lrSchedulerType: string;
  weightDecay: number;
  adamBeta1: number;
  adamBeta2: number;
  /** Gradient-norm clip; DeepSpeed's `gradient_clipping: "auto"` takes it from here. */
  maxGradNorm: number;
  perDeviceTrainBatchSize: number;
  gradientAccumulationSteps: number;
  /** Maximum tokens per example (`cutoff_len`). */
  cutoffLen: number;
  bf16: boolean;
  seed: number;
  loggingSteps: number;
}

/**
 * The paper's settings (train/events.ts `PAPER_HYPER`, the one source) in the recipe's names. Precision, scheduler
 * name, seed and logging interval are not given in the paper; cosine is what it describes, bf16, 42 and 10 are
 * LLaMA-Factory's usual choices.
 */
export const PAPER_HYPER: Readonly<ScaleOutHyper> = Object.freeze({
  learningRate: PAPER.lr,
  epochsPerStage: PAPER.epochsPerPhase,
  warmupRatio: PAPER.warmupRatio,
  lrSchedulerType: 'cosine',
  weightDecay: PAPER.weightDecay,
  adamBeta1: PAPER.beta1,
  adamBeta2: PAPER.beta2,
  maxGradNorm: PAPER.clipNorm,
  perDeviceTrainBatchSize: PAPER.batchSize,
  gradientAccumulationSteps: PAPER.gradAccumulation,
  cutoffLen: PAPER_MAX_LENGTH,
  bf16: true,
  seed: 42,
  loggingSteps: 10,
});
