import { HEURISTIC_FORMULA, HEURISTIC_SCORER_ID } from '../../core/difficulty/heuristicScorer';
import { scorers } from '../../core/difficulty/registry';
import { useDatasetStore } from '../../state/datasetStore';
import { usePhasesStore } from '../../state/phasesStore';
import styles from './ScorerPicker.module.css';

const FORMULAS: Record<string, string> = {
  [HEURISTIC_SCORER_ID]: [
    HEURISTIC_FORMULA.summary,
    ...HEURISTIC_FORMULA.terms.map((t) => `• ${t.label} (weight ${t.weight}): ${t.signal}`),
    HEURISTIC_FORMULA.caveat,
  ].join('\n'),
};

function scorerInfo(id: string) {
  const option = scorers.list([]).find((o) => o.id === id);
  return option && { name: option.name, description: option.description, formula: FORMULAS[id] };
}

/** Which scorer's difficulties make the phases, what it means, and how many records it could not rate. */
export function ScorerPicker() {
  const dataset = useDatasetStore((s) => s.dataset)!;
  const settings = usePhasesStore((s) => s.settings)!;
  const update = usePhasesStore((s) => s.update);
  const current = dataset.scoreSets.find((s) => s.scorerId === settings.scorerId);
  const info = scorerInfo(settings.scorerId);

  return (
    <div className={`row ${styles.picker}`}>
      <label className="field">
        Difficulty from
        <select aria-label="Scorer" value={settings.scorerId} onChange={(e) => update({ scorerId: e.target.value })}>
          {dataset.scoreSets.map((s) => (
            <option key={s.scorerId} value={s.scorerId}>
              {scorerInfo(s.scorerId)?.name ?? s.scorerId}
            </option>
          ))}
        </select>
      </label>
      <div className={styles.about}>
        <div data-testid="scorer-name" className="small">
          <strong>{info?.name ?? settings.scorerId}</strong> ({settings.scorerId}) — {info?.description}
        </div>
        {info?.formula && (
          <details className="small muted">
            <summary>How this score is computed</summary>
            <pre className={styles.formula}>{info.formula}</pre>
          </details>
        )}
        {current && current.problems.length > 0 && (
          <details className={`small ${styles.problems}`} data-testid="scorer-problems">
            <summary>
              {current.problems.length.toLocaleString()} record{current.problems.length === 1 ? '' : 's'} with a problem
              score
            </summary>
            <ul>
              {current.problems.slice(0, 100).map((p) => (
                <li key={p.index}>
                  <span className="mono">{p.id}</span>: {p.message}
                </li>
              ))}
            </ul>
          </details>
        )}
      </div>
    </div>
  );
}
