/**
 * A finite blow-up: a logged window whose mean loss is far above anything a healthy run shows. The optimizer's
 * on-device guard only catches NaN/Inf; at LR 1e3 the loss goes 3.6 → 9·10⁷ and stays finite, so without this the
 * run ends "done" on wrecked weights.
 *
 * The reference is the higher of the loss of a uniform guess (ln vocab) and the run's first loss (the weights it
 * started from, before any update). Not the best or a running median of earlier windows: a healthy phased run can
 * overfit one phase to ~0.002 and start the next at 12.7 (measured on the micro GPT, batch 1, LR 3e-2 unclipped:
 * 3.5× its first loss), so any reference that follows the loss down trips on a phase change. A factor of 10 above
 * both leaves that case a wide margin and still catches LR 1 (window means 14 → 39 → 44 on the micro GPT, first loss
 * 3.6) at its second window and LR 1e3 at its first.
 */
export const SPIKE_FACTOR = 10;

export interface LossSpike {
  /** Mean loss of the window that tripped. */
  mean: number;
  /** What it was compared with: max(ln vocab, the run's first loss). */
  reference: number;
}

export class LossSpikeDetector {
  private firstLoss: number | null = null;

  constructor(private readonly vocabSize: number) {}

  get reference(): number | null {
    return this.firstLoss === null ? null : Math.max(Math.log(this.vocabSize), this.firstLoss);
  }

  /** The losses of one logged window (finite, oldest first): a spike, or null for a healthy window. */
  observe(losses: readonly number[]): LossSpike | null {
    if (losses.length === 0) return null;
    this.firstLoss ??= losses[0]!;
    const mean = losses.reduce((a, b) => a + b, 0) / losses.length;
    const reference = this.reference!;
    return mean > SPIKE_FACTOR * reference ? { mean, reference } : null;
  }
}
