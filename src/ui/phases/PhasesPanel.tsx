import { useMemo } from 'react';
import { scoreHistogram } from '../../core/phases/histogram';
import { planWarnings } from '../../core/phases/warnings';
import { useDatasetStore } from '../../state/datasetStore';
import { usePhasesStore } from '../../state/phasesStore';
import { Banner } from '../common/Banner';
import { CutoffControls } from './CutoffControls';
import { ScaleOutExport } from '../export/ScaleOutExport';
import { PhaseExports } from './PhaseExports';
import { LengthConfound } from './LengthConfound';
import { PhaseTable } from './PhaseTable';
import { ScoreHistogram } from './ScoreHistogram';
import { ScorerPicker } from './ScorerPicker';
import { CutoffSuggestions } from '../scoring/CutoffSuggestions';
import { MoreScorers } from '../scoring/MoreScorers';
import styles from './PhasesPanel.module.css';

/** Difficulty scores and the phases they make: histogram with cut-offs, Table-1 statistics, export. */
export function PhasesPanel() {
  const dataset = useDatasetStore((s) => s.dataset)!;
  const settings = usePhasesStore((s) => s.settings);
  const plan = usePhasesStore((s) => s.plan);
  const problem = usePhasesStore((s) => s.settingsProblem);
  const defaultNote = usePhasesStore((s) => s.defaultNote);
  const update = usePhasesStore((s) => s.update);
  const scores = dataset.scoreSets.find((s) => s.scorerId === settings?.scorerId)?.scores;
  const bins = useMemo(() => (scores ? scoreHistogram(scores) : undefined), [scores]);
  const warnings = useMemo(() => (plan ? planWarnings(plan) : []), [plan]);

  if (!settings) return null;
  return (
    <section className="panel" aria-label="Difficulty and phases">
      <div className="panel-head">
        <h2>Difficulty &amp; phases</h2>
        <span className="muted small">
          The paper trains phase 1 first, then continues on phase 2, then phase 3 (each phase only its own data).
        </span>
      </div>
      <ScorerPicker />
      <MoreScorers />
      <div className={`grid-2 ${styles.section}`}>
        <div>
          {bins && plan && (
            <ScoreHistogram
              bins={bins.bins}
              cutoffs={plan.cutoffs}
              editable={settings.mode === 'cutoffs'}
              onCutoffsChange={(cutoffs) => update({ cutoffs })}
            />
          )}
          {bins && (bins.under > 0 || bins.over > 0 || bins.unscored > 0) && (
            <p className="small muted">
              Not on the chart: {bins.under > 0 && `${bins.under.toLocaleString()} below 1 `}
              {bins.over > 0 && `${bins.over.toLocaleString()} above 5 `}
              {bins.unscored > 0 && `${bins.unscored.toLocaleString()} unscored`}
            </p>
          )}
        </div>
        <CutoffControls />
      </div>
      <CutoffSuggestions />
      {defaultNote && (
        <div className={styles.section}>
          <Banner kind="warn" title={defaultNote} testId="phase-default-note" />
        </div>
      )}
      {problem && (
        <div className={styles.section}>
          <Banner kind="error" title={problem} testId="phase-settings-error" />
        </div>
      )}
      {warnings.map((w) => (
        <div key={w} className={styles.section}>
          <Banner kind="warn" title={w} testId="phase-plan-warning" />
        </div>
      ))}
      {plan && (
        <>
          <PhaseTable plan={plan} records={dataset.records} />
          {scores && <LengthConfound records={dataset.records} scores={scores} cutoffs={plan.cutoffs} />}
          <PhaseExports plan={plan} dataset={dataset} />
          {scores && (
            <details className={styles.section}>
              <summary className="small">
                Outgrow the browser: TRL and LLaMA-Factory recipes that train these phases on a GPU cluster
              </summary>
              <ScaleOutExport plan={plan} records={dataset.records} scores={scores} fileName={dataset.fileName} />
            </details>
          )}
        </>
      )}
    </section>
  );
}
