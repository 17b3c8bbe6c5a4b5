import type { ParseProgress } from './record';

/** Calls `onProgress` each time the fraction has moved on by `step` (2% by default), and once at the end. */
export class ProgressTicker {
  private next = 0;

  constructor(
    private readonly onProgress: ParseProgress | undefined,
    private readonly step = 0.02,
  ) {}

  update(fraction: number, records: number): void {
    if (this.onProgress && fraction >= this.next) {
      this.onProgress(Math.min(1, fraction), records);
      this.next = fraction + this.step;
    }
  }

  done(records: number): void {
    this.onProgress?.(1, records);
  }
}
