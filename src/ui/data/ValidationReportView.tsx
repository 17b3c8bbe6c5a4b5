import { where } from '../../core/data/validate';
import { useState } from 'react';
import type { ValidationReport } from '../../core/data/record';
import { reportToCsv } from '../../core/data/report';
import { downloadText } from '../common/download';
import styles from './ValidationReportView.module.css';

const SHOWN = 50;

/** Every rejected row by name, and every warning, with the whole list downloadable. */
export function ValidationReportView({ report, fileName }: { report: ValidationReport; fileName: string }) {
  const [showAll, setShowAll] = useState(false);
  const rejected = report.rejected;
  const warnings = report.warnings;
  const notes = report.notes ?? [];
  const noteList = notes.length > 0 && (
    <ul className={`small muted ${styles.notes}`} data-testid="report-notes">
      {notes.map((n, i) => (
        <li key={i}>{n}</li>
      ))}
    </ul>
  );
  if (rejected.length === 0 && warnings.length === 0) {
    return (
      <>
        <p className={`small ${styles.allAccepted}`}>Every row was accepted; no warnings.</p>
        {noteList}
      </>
    );
  }
  const rows = showAll ? rejected : rejected.slice(0, SHOWN);
  return (
    <div data-testid="validation-report">
      <div className={`row ${styles.counts}`}>
        <strong>
          {rejected.length.toLocaleString()} row{rejected.length === 1 ? '' : 's'} rejected
          {warnings.length > 0 && `, ${warnings.length.toLocaleString()} warning${warnings.length === 1 ? '' : 's'}`}
        </strong>
        <button
          className="btn"
          onClick={() =>
            downloadText(`${fileName.replace(/\.[^.]+$/, '')}.validation-report.csv`, reportToCsv(report), 'text/csv')
          }
        >
          Download report (CSV)
        </button>
      </div>
      {noteList}
      {rejected.length > 0 && (
        <table className="data small">
          <thead>
            <tr>
              <th>Where</th>
              <th>Why it was rejected</th>
              <th>Excerpt</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row, i) => (
              <tr key={i}>
                <td className="mono">{where(row)}</td>
                <td>{row.reason}</td>
                <td className="mono muted">
                  <span className="clip">{row.excerpt}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {rejected.length > SHOWN && (
        <button className="btn link" onClick={() => setShowAll(!showAll)}>
          {showAll ? 'Show fewer' : `Show all ${rejected.length.toLocaleString()}`}
        </button>
      )}
      {warnings.length > 0 && (
        <details className={styles.warnings}>
          <summary className="small">Warnings ({warnings.length.toLocaleString()})</summary>
          <ul className="small">
            {warnings.slice(0, 200).map((w, i) => (
              <li key={i}>
                <span className="mono">{where(w)}</span>: {w.message}
              </li>
            ))}
            {warnings.length > 200 && (
              <li className="muted">… and {warnings.length - 200} more in the downloadable report</li>
            )}
          </ul>
        </details>
      )}
    </div>
  );
}
