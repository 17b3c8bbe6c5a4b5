/** What `PhasedRunner.run()` resolves to: how the run ended, and what it did. */
export interface RunSummary {
  status: 'done' | 'stopped' | 'error';
  steps: number;
  tokensSeen: number;
  /** Training time without warm-up, pauses, evaluations and checkpoints. */
  elapsedMs: number;
  warmupMs: number;
  readbacks: number;
  /** Every loss read back, in step order (one per optimizer step). */
  losses: number[];
  error?: string;
}
