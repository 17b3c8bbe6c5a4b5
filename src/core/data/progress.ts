import type { ParseProgress } from './record';

/** Calls `onProgress` each time the fraction has moved on by `step` (2% by default), and once at the end. */
export class ProgressTicker {
  private next = 0;
  private last: [number, number] | undefined;

  constructor(
    private readonly onProgress: ParseProgress | undefined,
    private readonly step = 0.02,
  ) {}

  update(fraction: number, records: number): void {
    if (this.onProgress && fraction >= this.next) {
      this.report(Math.min(1, fraction), records);
      this.next = fraction + this.step;
    }
  }

  /** The final call (fraction 1), unless the last update already said exactly that. */
  done(records: number): void {
    if (this.last?.[0] !== 1 || this.last[1] !== records) this.report(1, records);
  }

  private report(fraction: number, records: number): void {
    this.last = [fraction, records];
    this.onProgress?.(fraction, records);
  }
}
