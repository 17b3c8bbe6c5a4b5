import type { NonFiniteValue } from './checkpointCheck';
import type { CheckpointReason } from './events';
import type { LossSpike } from './lossSpike';
import type { PendingStep, WindowRead } from './lossWindow';

/** The checkpoint a failed run offers to go on from: one verified finite, or none. */
export type LastGood = { step: number; reason: CheckpointReason } | null;

/**
 * What the weights from before the bad step became: saved (verified finite), not saved because they already held a
 * NaN or Inf (so the last good checkpoint is an earlier one), or not saved at all (checkpoints off).
 */
export type BeforeError = { saved: true } | { saved: false; nonFinite?: NonFiniteValue; lastGood: LastGood };

function where(s: PendingStep, stage: { label: string; steps: number }): string {
  return `step ${s.globalStep} (phase ${s.stage + 1} "${stage.label}", step ${s.stepInStage + 1} of ${stage.steps}, LR ${s.lr.toExponential(2)})`;
}

/**
 * A resume repeats the run's own settings (a resume with others is refused), so it would diverge again at the same
 * step: the way on is a new run from the checkpoint's weights, with the settings changed first.
 */
function goOn(lastGood: LastGood): string {
  if (!lastGood)
    return 'No checkpoint of this run is safe to go on from: change the settings (a lower learning rate, gradient clipping) and start a new run.';
  return (
    `To go on, change the settings (a lower learning rate, gradient clipping), then "Continue from step ${lastGood.step} with new settings" ` +
    '(in the run list): a new run starts from that checkpoint’s weights. Resuming this run would repeat its settings and diverge again at the same step.'
  );
}

function lastGoodText(lastGood: LastGood): string {
  return lastGood
    ? `the last good checkpoint is the ${lastGood.reason} one of step ${lastGood.step}`
    : 'no earlier checkpoint of this run was saved';
}

/**
 * What the user reads when a step's loss or gradient norm was not finite. The optimizer's on-device guard skipped
 * that step and every one after it, so the weights are the state from before it, unless they already held a NaN.
 */
export function divergenceMessage(
  read: WindowRead,
  stage: { label: string; steps: number },
  before: BeforeError,
): string {
  const i = read.firstBad;
  const s = read.steps[i]!;
  const what = !Number.isFinite(read.losses[i]!) ? `loss ${read.losses[i]}` : `gradient norm ${read.norms[i]}`;
  const head = `Training diverged: ${what} at ${where(s, stage)}. The run stopped. `;
  if (before.saved) {
    return (
      head +
      'The weights from before that step were checked finite and saved as a checkpoint. ' +
      goOn({ step: s.globalStep - 1, reason: 'before-error' })
    );
  }
  if (before.nonFinite) {
    const v = before.nonFinite;
    return (
      head +
      `The weights from before that step already hold ${v.value} (tensor "${v.tensor}", element ${v.index}), so they were not saved; ` +
      `${lastGoodText(before.lastGood)}. ` +
      goOn(before.lastGood)
    );
  }
  return (
    head +
    'The weights are those from before that step (checkpoints are off, so nothing was saved). ' +
    goOn(before.lastGood)
  );
}

/**
 * What the user reads when a logged window's loss blew up while staying finite (`lossSpike.ts`). Every step of the
 * window was applied, so the weights are wrecked and are not saved; the last good checkpoint is an earlier one.
 */
export function spikeMessage(
  read: WindowRead,
  spike: LossSpike,
  stage: { label: string; steps: number },
  lastGood: LastGood,
): string {
  const s = read.steps.at(-1)!;
  return (
    `Training diverged: the mean loss of the ${read.steps.length === 1 ? 'step' : `${read.steps.length} steps`} up to ${where(s, stage)} is ` +
    `${spike.mean.toPrecision(3)}, ` +
    `over ${Math.floor(spike.mean / spike.reference)}× ${spike.reference.toFixed(2)}, the higher of its first loss and a uniform guess's. ` +
    `The run stopped; the weights after that blow-up are not saved, and ${lastGoodText(lastGood)}. ` +
    goOn(lastGood)
  );
}
