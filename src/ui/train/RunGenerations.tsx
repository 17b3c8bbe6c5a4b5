import { useState } from 'react';
import type { Run } from '../../core/runs/run';
import { BucketHeaders } from './BucketHeaders';
import styles from './RunGenerations.module.css';

const pct = (rate: number) => (Number.isFinite(rate) ? `${(rate * 100).toFixed(1)}%` : '—');

/** What the model answers: exact match per bucket at the end, and the same held-out prompts after every phase. */
export function RunGenerations({ run }: { run: Run }) {
  const snapshots = run.samples ?? [];
  const [picked, setPicked] = useState<number>();
  const snapshot = snapshots.find((s) => s.phase === picked) ?? snapshots.at(-1);
  const em = run.exactMatch;
  if (!em && snapshots.length === 0) return null;
  return (
    <div className={styles.generations}>
      {em?.report && (
        <div>
          <h3>Exact match on the held-out set, per difficulty bucket</h3>
          <table className="data small" data-testid="exact-match-table">
            <thead>
              <tr>
                <th />
                <th className="num">all</th>
                <BucketHeaders buckets={em.report.buckets} />
              </tr>
            </thead>
            <tbody>
              <tr>
                <td>exact</td>
                <td className="num">
                  {pct(em.report.overall.rate)}{' '}
                  <span className="muted">
                    ({em.report.overall.correct}/{em.report.overall.n})
                  </span>
                </td>
                {em.report.buckets.map((b) => (
                  <td key={b.bucket} className="num">
                    {pct(b.rate)}{' '}
                    <span className="muted">
                      ({b.correct}/{b.n})
                    </span>
                  </td>
                ))}
              </tr>
              <tr className="muted">
                <td>ignoring whitespace</td>
                <td className="num">{pct(em.report.overall.rateNormalized)}</td>
                {em.report.buckets.map((b) => (
                  <td key={b.bucket} className="num">
                    {pct(b.rateNormalized)}
                  </td>
                ))}
              </tr>
            </tbody>
          </table>
        </div>
      )}
      {em?.byLevel && (
        <p className="small" data-testid="exact-match-levels">
          Per level:{' '}
          {em.byLevel.buckets.map((b) => (
            <span key={b.bucket} className={styles.level}>
              level {b.bucket} <strong>{pct(b.rate)}</strong>{' '}
              <span className="muted">
                ({b.correct}/{b.n})
              </span>
            </span>
          ))}
        </p>
      )}
      {em?.skipped && <p className="small muted">Exact match: {em.skipped}.</p>}
      {snapshot && (
        <div data-testid="samples">
          <div className="row">
            <h3>Answers to fixed held-out prompts</h3>
            <select
              aria-label="Samples after"
              value={snapshot.phase}
              onChange={(e) => setPicked(Number(e.target.value))}
            >
              {snapshots.map((s) => (
                <option key={s.phase} value={s.phase}>
                  {s.label} (step {s.step})
                </option>
              ))}
            </select>
          </div>
          <table className="data small">
            <thead>
              <tr>
                <th>phase</th>
                <th className={styles.promptColumn}>prompt</th>
                <th>expected</th>
                <th>model</th>
              </tr>
            </thead>
            <tbody>
              {snapshot.samples.map((s) => (
                <tr key={s.id}>
                  <td>{s.bucket}</td>
                  <td>
                    <span className="clip">
                      {s.instruction}
                      {s.input ? `\n${s.input}` : ''}
                    </span>
                  </td>
                  <td className="mono">{s.expected}</td>
                  <td className={s.correct ? `mono ${styles.correct}` : 'mono'}>
                    {s.generated || <span className="muted">(empty)</span>} {s.correct ? '✓' : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
