/**
 * The recipe's training hyper-parameters, in transformers' / LLaMA-Factory's names: a studio run's settings mapped
 * into them, and the paper's (train/hyper.ts `PAPER_HYPER`, the one source of the paper's numbers) through the same
 * mapping.
 */
import { PAPER_HYPER, PAPER_MAX_LENGTH, type Hyper } from '../train/hyper';

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

/** Settings only the recipe has: a studio run has no counterpart for them. */
type RecipeOnly = 'lrSchedulerType' | 'cutoffLen' | 'bf16' | 'loggingSteps';

/**
 * A studio run's settings in the recipe's names, so the exported recipe trains what the run trained: every field of
 * {@link Hyper} that a recipe can carry (replay is not one: the recipe's stages hold their own phase only).
 */
export function scaleOutHyperFromRun(hyper: Readonly<Hyper>, seed: number): Omit<ScaleOutHyper, RecipeOnly> {
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

/**
 * The paper's settings in the recipe's names: `PAPER_HYPER` as a run's settings are mapped, plus what only a recipe
 * sets. The paper's maximum length is the cut-off; precision, scheduler name, seed and logging interval are not given
 * in the paper: cosine is what it describes, bf16, 42 and 10 are LLaMA-Factory's usual choices.
 */
export const PAPER_RECIPE_HYPER: Readonly<ScaleOutHyper> = Object.freeze({
  ...scaleOutHyperFromRun(PAPER_HYPER, 42),
  lrSchedulerType: 'cosine',
  cutoffLen: PAPER_MAX_LENGTH,
  bf16: true,
  loggingSteps: 10,
});
