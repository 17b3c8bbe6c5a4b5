import { evaluationCost, EVAL_SUBSET_MIN_PER_BUCKET } from '../../core/eval/evalSubset';
import { evaluationMs } from '../../core/runs/runDuration';
import type { HeldOutRecord } from '../../core/eval/heldOutLoss';
import { useMachineFitStore } from '../../state/machineFitStore';
import styles from './EvaluationCostNote.module.css';

const count = (n: number) => n.toLocaleString('en');

/** What each phase-end evaluation asks of the model, so a slow GPU's "evaluating" is expected, not a surprise. */
export function EvaluationCostNote({
  heldOut,
  allHeldOut,
  batchSize,
  share,
  settingsKey,
}: {
  heldOut: readonly HeldOutRecord[];
  allHeldOut: number;
  batchSize: number;
  share: number;
  settingsKey: string;
}) {
  const fit = useMachineFitStore((s) => s.fit);
  if (heldOut.length === 0) return null;
  const cost = evaluationCost(heldOut, batchSize);
  // measured for another backend, model or batch size, the times would not apply
  const timed =
    fit.status === 'done' && fit.key === settingsKey
      ? evaluationMs(heldOut, batchSize, fit.answerTokens, fit.speed)
      : undefined;
  const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  return (
    <p
      className={`small muted ${styles.note}`}
      data-testid="evaluation-cost"
      data-records={cost.lossRecords}
      data-prompts={cost.samplePrompts}
    >
      Each phase-end evaluation: held-out loss on {count(cost.lossRecords)} records ({count(cost.lossBatches)} forward
      batches of {batchSize}, no gradients) and {count(cost.samplePrompts)} fixed prompts answered, up to{' '}
      {cost.sampleTokens} generated tokens each ({count(cost.samplePrompts * cost.sampleTokens)} tokens at most). After
      the last phase, exact match on {count(cost.exactMatchRecords)} records, one greedy answer each.
      {share < 1 &&
        ` At this share the evaluation uses ${count(cost.lossRecords)} of the ${count(allHeldOut)} held-out records (${(share * 100).toFixed(1)}% of each phase, at least ${EVAL_SUBSET_MIN_PER_BUCKET}), chosen by id: the same records for every arm.`}
      {timed && (
        <span data-testid="evaluation-cost-time">
          {' '}
          On this machine ({fit.status === 'done' ? fit.backend : ''}, from Size for this machine): about{' '}
          {seconds(timed.phaseEndMs)} per phase-end evaluation and {seconds(timed.exactMatchMs)} for exact match.
        </span>
      )}
    </p>
  );
}
