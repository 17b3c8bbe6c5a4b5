/** The recipe's training hyper-parameters, and the paper's values for them in the recipe's names. */
import { PAPER_HYPER as PAPER, PAPER_MAX_LENGTH, type Hyper } from '../train/hyper';

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
  adamEpsilon: number;
  /** Gradient-norm clip (0: off); DeepSpeed's `gradient_clipping: "auto"` takes it from here. */
  maxGradNorm: number;
  /** Cosine decays to `learningRate × minLrRatio` (TRL recipe; LLaMA-Factory's `cosine` decays to 0). */
  minLrRatio: number;
  /** Warm-up + cosine restart in every stage (the paper), or one schedule over the arm (TRL recipe only). */
  restartSchedulePerPhase: boolean;
  /** Fresh AdamW moments in every stage (the paper), or carried over (TRL recipe only). */
  resetOptimizerPerPhase: boolean;
  perDeviceTrainBatchSize: number;
  gradientAccumulationSteps: number;
  /** Maximum tokens per example (`cutoff_len`). */
  cutoffLen: number;
  bf16: boolean;
  seed: number;
  loggingSteps: number;
}

/**
 * The paper's settings (train/hyper.ts `PAPER_HYPER`, the one source) in the recipe's names. Precision, scheduler
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
  adamEpsilon: PAPER.eps,
  maxGradNorm: PAPER.clipNorm,
  minLrRatio: PAPER.minLrRatio,
  restartSchedulePerPhase: PAPER.restartSchedulePerPhase,
  resetOptimizerPerPhase: PAPER.resetOptimizerPerPhase,
  perDeviceTrainBatchSize: PAPER.batchSize,
  gradientAccumulationSteps: PAPER.gradAccumulation,
  cutoffLen: PAPER_MAX_LENGTH,
  bf16: true,
  seed: 42,
  loggingSteps: 10,
});

/**
 * A studio run's settings in the recipe's names, so the exported recipe trains what the run trained: every field of
 * {@link Hyper} that a recipe can carry (replay is not one: the recipe's stages hold their own phase only).
 */
export function scaleOutHyperFromRun(hyper: Readonly<Hyper>, seed: number): Partial<ScaleOutHyper> {
  return {
    learningRate: hyper.lr,
    epochsPerStage: hyper.epochsPerPhase,
    warmupRatio: hyper.warmupRatio,
    weightDecay: hyper.weightDecay,
    adamBeta1: hyper.beta1,
    adamBeta2: hyper.beta2,
    adamEpsilon: hyper.eps,
    maxGradNorm: hyper.clipNorm,
    perDeviceTrainBatchSize: hyper.batchSize,
    gradientAccumulationSteps: hyper.gradAccumulation,
    minLrRatio: hyper.minLrRatio,
    restartSchedulePerPhase: hyper.restartSchedulePerPhase,
    resetOptimizerPerPhase: hyper.resetOptimizerPerPhase,
    seed,
  };
}
