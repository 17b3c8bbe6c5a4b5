export function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

/**
 * Training time without warm-up, pauses, evaluations and checkpoints: `restart` after each of those (their time is
 * not counted), `lap` at each loss readback (the time since is).
 */
export class TrainingClock {
  private last = now();
  private total = 0;

  get elapsedMs(): number {
    return this.total;
  }

  restart(): void {
    this.last = now();
  }

  /** Milliseconds since the last `restart` or `lap`, added to the training time. */
  lap(): number {
    const t = now();
    const ms = t - this.last;
    this.total += ms;
    this.last = t;
    return ms;
  }
}
