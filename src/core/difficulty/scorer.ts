import type { InstructionRecord } from '../data/record';

/**
 * Rates each record's difficulty on the paper's 1–5 scale. `NaN` marks a record the scorer could not rate;
 * callers show those, they never invent a value.
 */
export interface Scorer {
  readonly id: string;
  readonly name: string;
  /** One sentence for the UI: what the score means and how much to trust it. */
  readonly description: string;
  score(records: readonly InstructionRecord[], options?: ScoreOptions): Promise<ScoreResult>;
}

export interface ScoreOptions {
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

export interface ScoreResult {
  scores: Float64Array;
  /** Records the scorer could not rate (or rated outside 1–5), by index, with why. */
  problems: { index: number; id: string; message: string }[];
}

/**
 * A scorer the studio lists but never runs on its own: it needs something the user must first give (an endpoint, a
 * loaded model) and costs time (and, for a hosted judge, money). `howTo` says how code starts it instead.
 */
export interface OnDemandScorer {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  /** Shown next to the scorer: why it does not run when a file is loaded. */
  readonly note: string;
  readonly howTo: string;
}
