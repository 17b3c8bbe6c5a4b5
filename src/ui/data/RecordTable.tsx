import { useDeferredValue, useMemo, useState } from 'react';
import type { InstructionRecord } from '../../core/data/record';
import { phaseColor } from '../phases/phaseColors';
import styles from './RecordTable.module.css';

const PAGE = 25;

export interface RecordRowExtras {
  score: (index: number) => number | undefined;
  phase: (id: string) => number | 'held-out' | undefined;
}

/** Paged, searchable preview of the records, with each one's score and phase; `onView` opens one as the model sees it. */
export function RecordTable({
  records,
  extras,
  onView,
  viewing,
}: {
  records: readonly InstructionRecord[];
  extras: RecordRowExtras;
  onView?: (index: number) => void;
  /** The record shown as the model sees it, marked in its row. */
  viewing?: number;
}) {
  const [query, setQuery] = useState('');
  const [page, setPage] = useState(0);
  const deferredQuery = useDeferredValue(query.trim().toLowerCase());

  const matches = useMemo(() => {
    const all = records.map((_, index) => index);
    if (!deferredQuery) return all;
    return all.filter((index) => {
      const r = records[index]!;
      return (
        r.id.toLowerCase().includes(deferredQuery) ||
        r.instruction.toLowerCase().includes(deferredQuery) ||
        r.input.toLowerCase().includes(deferredQuery) ||
        r.output.toLowerCase().includes(deferredQuery)
      );
    });
  }, [records, deferredQuery]);

  const pages = Math.max(1, Math.ceil(matches.length / PAGE));
  const current = Math.min(page, pages - 1);
  const shown = matches.slice(current * PAGE, current * PAGE + PAGE);

  return (
    <div data-testid="record-table">
      <div className={`row ${styles.toolbar}`}>
        <input
          type="search"
          placeholder="Search instructions, inputs, outputs, ids…"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setPage(0);
          }}
          className={styles.search}
          aria-label="Search records"
        />
        <span className="muted small">
          {matches.length.toLocaleString()} of {records.length.toLocaleString()} records
        </span>
      </div>
      <table className="data small">
        <thead>
          <tr>
            <th>id</th>
            <th className="num">score</th>
            <th>phase</th>
            <th className={styles.instructionColumn}>instruction</th>
            <th className={styles.inputColumn}>input</th>
            <th className={styles.outputColumn}>output</th>
            {onView && (
              <th>
                <span className={styles.srOnly}>view</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {shown.map((index) => {
            const r = records[index]!;
            const score = extras.score(index);
            const phase = extras.phase(r.id);
            return (
              <tr key={r.id} aria-current={viewing === index ? 'true' : undefined}>
                <td className="mono">{r.id}</td>
                <td className="num">{score === undefined || Number.isNaN(score) ? '—' : score.toFixed(2)}</td>
                <td>
                  {typeof phase === 'number' ? (
                    <>
                      <span className="phase-dot" style={{ background: phaseColor(phase) }} />
                      {phase + 1}
                    </>
                  ) : phase === 'held-out' ? (
                    <span className="muted">held out</span>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                <td>
                  <span className="clip">{r.instruction}</span>
                </td>
                <td className="muted">
                  <span className="clip">{r.input}</span>
                </td>
                <td>
                  <span className="clip">{r.output}</span>
                </td>
                {onView && (
                  <td>
                    <button
                      className={`btn ${styles.view}`}
                      aria-label={`Show record ${r.id} as the model sees it`}
                      aria-pressed={viewing === index}
                      onClick={() => onView(index)}
                    >
                      Model&apos;s view
                    </button>
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
      <div className="pager small">
        <button className="btn" disabled={current === 0} onClick={() => setPage(current - 1)}>
          ‹ Prev
        </button>
        <span>
          page {current + 1} / {pages}
        </span>
        <button className="btn" disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>
          Next ›
        </button>
      </div>
    </div>
  );
}
