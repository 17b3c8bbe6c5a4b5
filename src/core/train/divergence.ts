import type { WindowRead } from './lossWindow';

/**
 * What the user reads when a step's loss or gradient norm was not finite. The optimizer's on-device guard skipped
 * that step and every one after it, so the weights are the state from before it.
 */
export function divergenceMessage(read: WindowRead, stage: { label: string; steps: number }, savedCheckpoint: boolean): string {
  const i = read.firstBad;
  const s = read.steps[i]!;
  const what = !Number.isFinite(read.losses[i]!) ? `loss ${read.losses[i]}` : `gradient norm ${read.norms[i]}`;
  return (
    `Training diverged: ${what} at step ${s.globalStep} (phase ${s.stage + 1} "${stage.label}", step ${s.stepInStage + 1} of ` +
    `${stage.steps}, LR ${s.lr.toExponential(2)}). The run stopped; the weights are those from before ` +
    `that step${savedCheckpoint ? ' and were saved as a checkpoint' : ''}. ` +
    'Lower the learning rate or enable gradient clipping, then resume from that checkpoint.'
  );
}
