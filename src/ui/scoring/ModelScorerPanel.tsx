import { useState } from 'react';
import {
  IFD_SCORER_DESCRIPTION,
  MODEL_SCORE_MAPPING,
  RESPONSE_LOSS_SCORER_DESCRIPTION,
} from '../../core/difficulty/ifdEntry';
import { usePhasesStore } from '../../state/phasesStore';
import { useScoringStore, type ModelSource } from '../../state/scoringStore';
import { useDatasetStore } from '../../state/datasetStore';
import type { ModelScorerId } from '../../core/difficulty/ifdEntry';
import { Banner } from '../common/Banner';
import { BASE_MODEL, useBaseModelStore } from '../../state/baseModelStore';
import { formatCount } from '../../state/judgeForm';
import { MODEL_SCORER_NAMES, PRETRAINED_MODEL_NEEDED } from '../../state/modelScoring';
import styles from './ModelScorerPanel.module.css';

/** IFD and response loss from a pretrained model, in the scoring worker. */
export function ModelScorerPanel() {
  const dataset = useDatasetStore((s) => s.dataset)!;
  const run = useScoringStore((s) => s.model);
  const start = useScoringStore((s) => s.startModelScoring);
  const cancel = useScoringStore((s) => s.cancelModelScoring);
  const phaseScorer = usePhasesStore((s) => s.settings?.scorerId);
  const updatePhases = usePhasesStore((s) => s.update);
  const base = useBaseModelStore((s) => s.status);
  const [file, setFile] = useState<File | undefined>();
  const running = run.status === 'running';

  const source: ModelSource | undefined = file
    ? { kind: 'file', file }
    : base === 'available'
      ? { kind: 'url', url: BASE_MODEL.url, name: BASE_MODEL.name }
      : undefined;
  const canRun = source !== undefined && !running;
  const finished =
    run.status === 'done' && dataset.scoreSets.some((s) => s.scorerId === run.scorer) ? run.scorer : undefined;

  const button = (id: ModelScorerId) => (
    <button className="btn primary" disabled={!canRun} onClick={() => void start(id, source)}>
      Score with {id === 'ifd' ? 'IFD' : 'response loss'}
    </button>
  );

  return (
    <section aria-label="Model-based scorers" data-testid="model-scorer-panel" className={styles.panel}>
      <h3 className={styles.title}>IFD and response loss (a pretrained model, on your GPU)</h3>
      <ul className={`small muted ${styles.scorers}`}>
        <li>
          <strong>{MODEL_SCORER_NAMES.ifd}</strong>: {IFD_SCORER_DESCRIPTION}
        </li>
        <li>
          <strong>{MODEL_SCORER_NAMES['response-loss']}</strong>: {RESPONSE_LOSS_SCORER_DESCRIPTION}
        </li>
      </ul>
      <details className="small muted">
        <summary>How the raw values become 1–5</summary>
        <p>{MODEL_SCORE_MAPPING}</p>
      </details>

      <div className={`row small ${styles.part}`}>
        <span data-testid="model-scorer-source">
          Model:{' '}
          {file ? (
            <>
              <span className="mono">{file.name}</span> (your checkpoint)
            </>
          ) : base === 'available' ? (
            'the demo base model'
          ) : base === 'checking' || base === 'unknown' ? (
            'looking for the demo base model…'
          ) : (
            'none'
          )}
        </span>
        <label className="field">
          or a studio checkpoint (.safetensors)
          <input
            type="file"
            aria-label="Model file for IFD"
            accept=".safetensors"
            disabled={running}
            onChange={(e) => setFile(e.target.files?.[0] ?? undefined)}
          />
        </label>
      </div>
      {base === 'missing' && !file && (
        <div className={styles.part}>
          <Banner kind="warn" title="No pretrained model: IFD and response loss are off." testId="model-scorer-refusal">
            <span className="small">{PRETRAINED_MODEL_NEEDED}</span>
          </Banner>
        </div>
      )}

      <div className={`row ${styles.part}`}>
        {button('ifd')}
        {button('response-loss')}
        <button className="btn" disabled={!running} onClick={cancel}>
          Cancel
        </button>
        {finished && phaseScorer !== finished && (
          <button className="btn" onClick={() => updatePhases({ scorerId: finished })}>
            Use these scores for the phases
          </button>
        )}
      </div>

      {run.status !== 'idle' && (
        <div className={styles.part} data-testid="model-scorer-run" data-status={run.status}>
          {running && (
            <div
              className="progress"
              role="progressbar"
              aria-label="Model scoring progress"
              aria-valuenow={Math.round(run.fraction * 100)}
              aria-valuemin={0}
              aria-valuemax={100}
            >
              <div style={{ width: `${(run.fraction * 100).toFixed(1)}%` }} />
            </div>
          )}
          {run.message &&
            (run.status === 'failed' ? (
              <Banner kind="error" title={run.message} testId="model-scorer-error" />
            ) : (
              <p className="small" data-testid="model-scorer-message">
                {run.message}
                {running && ` ${Math.round(run.fraction * 100)} %`}
              </p>
            ))}
          {run.summary && (
            <p className="small muted">
              {run.summary.model}; {run.summary.backendReason} Batch shapes{' '}
              {run.summary.batchShapes.map((s) => `[${s.join('×')}]`).join(', ')}, {run.summary.readbacks} GPU reads
              {run.summary.truncated > 0 &&
                `; ${formatCount(run.summary.truncated)} records cut by the model's context length`}
              .
            </p>
          )}
          {run.problems.length > 0 && (
            <details className="small" data-testid="model-scorer-problems">
              <summary className={styles.problems}>{formatCount(run.problems.length)} records left unscored</summary>
              <ul>
                {run.problems.slice(0, 100).map((x) => (
                  <li key={x.index}>
                    <span className="mono">{x.id}</span>: {x.message}
                  </li>
                ))}
              </ul>
            </details>
          )}
        </div>
      )}
    </section>
  );
}
