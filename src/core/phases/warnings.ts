import type { PhasePlan } from './plan';

/** A phase holding at least this share of the scored records makes the plan nearly one-off training. */
export const DOMINANT_SHARE = 0.9;
/** A phase with fewer training records than this is too small to matter (LLaMA-Factory's Alpaca demo: 1 at 1.5 / 3.5). */
export const FEW_TRAINING_RECORDS = 5;

/**
 * What is wrong with a plan that is valid but degenerate, in sentences the phases screen shows: empty phases, one
 * phase holding nearly everything (the heuristic on real Alpaca gives 2 / 997 / 0 at the paper's cut-offs), no
 * held-out records. [] for a plan that can show a curriculum.
 */
export function planWarnings(plan: PhasePlan): string[] {
  const warnings: string[] = [];
  const scored = plan.scoredRecords;
  if (scored === 0)
    return ['No record has a score, so every phase is empty. Choose a scorer that scores this dataset.'];
  const size = (i: number) => plan.phases[i]!.recordIds.length + plan.phases[i]!.heldOutIds.length;
  const empty = plan.phases.filter((_, i) => size(i) === 0).map((ph) => ph.index);
  if (empty.length > 0) {
    warnings.push(
      `Phase${empty.length > 1 ? 's' : ''} ${empty.join(', ')} ${empty.length > 1 ? 'are' : 'is'} empty: an arm trains nothing there, and ` +
        'its export is left out. Move the cut-offs, or use equal-size (quantile) phases.',
    );
  }
  plan.phases.forEach((ph, i) => {
    const share = size(i) / scored;
    if (share >= DOMINANT_SHARE && plan.phases.length > 1) {
      warnings.push(
        `Phase ${ph.index} holds ${(100 * share).toFixed(1)} % of the scored records: phased training would barely differ from ` +
          'one-off. Equal-size (quantile) phases or another scorer separate the data better.',
      );
    }
  });
  plan.phases.forEach((ph) => {
    const n = ph.recordIds.length;
    if (n > 0 && n < FEW_TRAINING_RECORDS)
      warnings.push(
        `Phase ${ph.index} has ${n} training record${n === 1 ? '' : 's'}: a step or two per epoch, too few to teach the model ` +
          'anything a later phase would not wash out. Move the cut-offs so it holds more, or use fewer phases.',
      );
  });
  if (plan.heldOut.recordIds.length === 0) {
    warnings.push(
      'No record is held out, so arms cannot be compared on held-out loss. Raise the held-out share above 0.',
    );
  }
  return warnings;
}
