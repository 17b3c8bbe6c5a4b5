import { useMemo } from 'react';
import type { InstructionRecord } from '../../core/data/record';
import type { ArmSpec } from '../../core/train/arms';
import type { Hyper } from '../../core/train/hyper';
import { previewSchedule, type StagePreview } from '../../core/train/schedulePreview';
import styles from './SchedulePreviewNote.module.css';

const lr = (v: number) => String(Number(v.toPrecision(2)));

function lrText(s: StagePreview): string {
  if (s.warmupSteps > 0)
    return `warm-up ${s.warmupSteps} step${s.warmupSteps > 1 ? 's' : ''} from LR 0, peak ${lr(s.peakLr)}, down to ${lr(s.lastLr)}`;
  return s.steps === 1 ? `its one update at LR ${lr(s.firstLr)}` : `LR ${lr(s.firstLr)} down to ${lr(s.lastLr)}`;
}

/**
 * Before Start: each stage's optimizer steps and learning rates for the chosen arm, as the runner will have them, and
 * why a short phase has no warm-up (the Trainer would spend its one update at LR 0).
 */
export function SchedulePreviewNote({
  phases,
  arm,
  hyper,
  seed,
}: {
  phases: readonly (readonly InstructionRecord[])[];
  arm: ArmSpec;
  hyper: Hyper;
  seed: number;
}) {
  const preview = useMemo(() => {
    try {
      return previewSchedule(phases, arm, hyper, seed);
    } catch {
      return undefined; // settings the form is still refusing: it says why
    }
  }, [phases, arm, hyper, seed]);
  if (!preview || preview.length === 0) return null;
  const short = hyper.restartSchedulePerPhase
    ? preview.filter((s) => hyper.warmupRatio > 0 && s.steps * hyper.warmupRatio < 1)
    : [];
  return (
    <div className={`small muted ${styles.note}`} data-testid="schedule-preview">
      <span>Updates per stage, as this run will take them: </span>
      {preview.map((s, i) => (
        <span key={s.label} data-testid="schedule-preview-stage">
          {i > 0 ? '; ' : ''}
          {s.label}: {s.steps.toLocaleString('en')} step{s.steps === 1 ? '' : 's'} ({lrText(s)})
        </span>
      ))}
      .
      {short.length > 0 && (
        <span data-testid="schedule-preview-short">
          {' '}
          {short.map((s) => s.label).join(', ')} {short.length === 1 ? 'is' : 'are'} shorter than one warm-up step (
          {hyper.warmupRatio} × the steps is under one), so {short.length === 1 ? 'it starts' : 'they start'} at the
          peak: the Trainer would round the warm-up up to a step at LR 0, which a phase this short cannot spare.
        </span>
      )}
      {preview.some((s) => s.steps < 3) && (
        <span data-testid="schedule-preview-few">
          {' '}
          A stage of one or two updates can barely change the model: raise the share or the epochs for a measurable
          phase.
        </span>
      )}
    </div>
  );
}
