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
