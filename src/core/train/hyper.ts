/**
 * A run's optimisation settings: with its arm, seed and template (`RunConfig`), everything that fixes its data order,
 * schedule and updates. Reproducible from those + the dataset + the model's initial weights.
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
