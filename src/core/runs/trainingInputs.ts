import type { InstructionRecord } from '../data/record';
import { evaluationSubset } from '../eval/evalSubset';
import type { PhasePlan } from '../phases/plan';
import { shareOfEachPhase } from '../train/arms';
import type { HeldOutRecord } from '../eval/heldOutLoss';

export interface TrainingInputs {
  phases: InstructionRecord[][];
  heldOut: HeldOutRecord[];
}

/**
 * The training inputs a plan defines: each phase's training records (the first `share` of each), and the held-out
 * records with their bucket that the run is evaluated on: the same `share` of each bucket, chosen by id
 * (`evaluationSubset`), so a shortened run's phase-end evaluations shrink with it and every arm is scored on the
 * same records.
 */
export function trainingInputs(plan: PhasePlan, records: readonly InstructionRecord[], share = 1): TrainingInputs {
  const byId = new Map(records.map((r) => [r.id, r]));
  const pick = (ids: readonly string[]) => ids.map((id) => byId.get(id)!).filter(Boolean);
  const phases = shareOfEachPhase(
    plan.phases.map((p) => pick(p.recordIds)),
    share,
  );
  const allHeldOut: HeldOutRecord[] = plan.phases.flatMap((p) =>
    pick(p.heldOutIds).map((record) => ({ record, bucket: String(p.index) })),
  );
  const heldOut = evaluationSubset(allHeldOut, share);
  return { phases, heldOut };
}
