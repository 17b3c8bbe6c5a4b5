/**
 * The recipe's training hyper-parameters and the paper's values for them, in one place. (The in-browser trainer keeps
 * its own copy in another shape, train/events.ts; a later change can derive this one from it.)
 */

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
 * The paper's settings (Pang et al. 2024, §4): LR 5e-6, 2 epochs per stage, warm-up ratio 0.1, cosine, weight decay
 * 0.1, AdamW β = (0.9, 0.95), clip 1.0, batch 16 per device, max length 2048, full fine-tuning. Precision, seed and
 * logging interval are not given in the paper; bf16, 42 and 10 are LLaMA-Factory's usual choices.
 */
export const PAPER_HYPER: Readonly<ScaleOutHyper> = Object.freeze({
  learningRate: 5e-6,
  epochsPerStage: 2,
  warmupRatio: 0.1,
  lrSchedulerType: 'cosine',
  weightDecay: 0.1,
  adamBeta1: 0.9,
  adamBeta2: 0.95,
  maxGradNorm: 1.0,
  perDeviceTrainBatchSize: 16,
  gradientAccumulationSteps: 1,
  cutoffLen: 2048,
  bf16: true,
  seed: 42,
  loggingSteps: 10,
});
