import { useMemo } from 'react';
import type { InstructionRecord } from '../../core/data/record';
import type { PhasePlan } from '../../core/phases/plan';
import { phaseHex } from './phaseColors';
import styles from './PhaseTable.module.css';

const fmt = (n: number, digits = 2) => (Number.isNaN(n) ? '—' : n.toFixed(digits));
const fmtInt = (n: number) => (Number.isNaN(n) ? '—' : Math.round(n).toLocaleString());

/** The paper's Table 1 for the user's data: size, share, mean difficulty and mean lengths per phase. */
export function PhaseTable({ plan, records }: { plan: PhasePlan; records: readonly InstructionRecord[] }) {
  const byId = useMemo(() => new Map(records.map((r) => [r.id, r])), [records]);
  const count = plan.phases.length;
  return (
    <div className={styles.phases}>
      <table className="data" data-testid="phase-table">
        <thead>
          <tr>
            <th>Phase</th>
            <th>Scores</th>
            <th className="num">Records</th>
            <th className="num">Share</th>
            <th className="num">Train</th>
            <th className="num">Held out</th>
            <th className="num">Mean score</th>
            <th className="num">Mean prompt chars</th>
            <th className="num">Mean response chars</th>
          </tr>
        </thead>
        <tbody>
          {plan.phases.map((phase, i) => {
            const last = i === count - 1;
            return (
              <tr key={phase.index} data-testid="phase-row" data-total={phase.stats.count}>
                <td>
                  <span className="phase-dot" style={{ background: phaseHex(i, count) }} />
                  <strong>{phase.index}</strong>
                </td>
                <td className="mono">
                  [{fmt(phase.range[0], 2)}, {fmt(phase.range[1], 2)}
                  {last ? ']' : ')'}
                </td>
                <td className="num">{phase.stats.count.toLocaleString()}</td>
                <td className="num">{(phase.stats.share * 100).toFixed(1)}%</td>
                <td className="num">{phase.stats.trainCount.toLocaleString()}</td>
                <td className="num">{phase.stats.heldOutCount.toLocaleString()}</td>
                <td className="num">{fmt(phase.stats.meanScore)}</td>
                <td className="num">{fmtInt(phase.stats.meanPromptChars)}</td>
                <td className="num">{fmtInt(phase.stats.meanResponseChars)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="small muted">
        {plan.scoredRecords.toLocaleString()} of {plan.totalRecords.toLocaleString()} records scored
        {plan.unscored.length > 0 && <> · {plan.unscored.length.toLocaleString()} unscored (in no phase)</>}
        {plan.outOfRange.length > 0 && (
          <>
            {' '}
            · <span className={styles.outOfRange}>{plan.outOfRange.length.toLocaleString()} scores outside 1–5</span>,
            kept as given in the first or last phase
          </>
        )}{' '}
        · held out: {plan.heldOut.recordIds.length.toLocaleString()} ({(plan.heldOut.fraction * 100).toFixed(1)}% of
        every phase, seed {plan.heldOut.seed}) — the fixed set every training arm is evaluated on. Longer prompts and
        responses in harder phases are the paper’s length confound.
      </p>
      <details>
        <summary className="small">Example records per phase</summary>
        <div className="examples">
          {plan.phases.map((phase, i) => (
            <div key={phase.index}>
              <h3 className={styles.phaseHeading}>
                <span className="phase-dot" style={{ background: phaseHex(i, count) }} />
                Phase {phase.index}
              </h3>
              {phase.stats.exampleIds.length === 0 && <span className="muted small">no records</span>}
              {phase.stats.exampleIds.map((id) => {
                const r = byId.get(id);
                if (!r) return null;
                return (
                  <div className="example small" key={id}>
                    <span className="muted mono">
                      #{id}
                      {r.score !== undefined ? ` · score ${r.score}` : ''}
                    </span>
                    <pre>
                      {r.instruction}
                      {r.input ? `\n${r.input}` : ''}
                    </pre>
                    <pre className="muted">→ {r.output.length > 400 ? `${r.output.slice(0, 400)}…` : r.output}</pre>
                  </div>
                );
              })}
            </div>
          ))}
        </div>
      </details>
    </div>
  );
}
