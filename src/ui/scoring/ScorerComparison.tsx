import { useMemo, useState } from 'react';
import { CartesianGrid, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis, ZAxis } from 'recharts';
import { compareScorers } from '../../core/difficulty/compare';
import { scorers } from '../../core/difficulty/registry';
import { useDatasetStore } from '../../state/datasetStore';
import { usePhasesStore } from '../../state/phasesStore';
import { phaseHex } from '../phases/phaseColors';
import { defaultPair, sideCutoffs, type ComparisonCutoffRule } from './comparison';
import { formatCount } from '../../state/judgeForm';
import styles from './ScorerComparison.module.css';

const nameOf = (id: string): string => scorers.list([]).find((o) => o.id === id)?.name ?? id;
const PAPER = [1.5, 3.5];
const pct = (x: number): string => (Number.isNaN(x) ? '—' : `${Math.round(x * 100)} %`);

/** Two scorers side by side: rank agreement, a scatter, and the phase each record would land in under each. */
export function ScorerComparison() {
  const dataset = useDatasetStore((s) => s.dataset)!;
  const phaseScorer = usePhasesStore((s) => s.settings?.scorerId);
  const phaseCutoffs = usePhasesStore((s) => s.plan?.cutoffs);
  const ids = useMemo(() => dataset.scoreSets.map((s) => s.scorerId), [dataset.scoreSets]);
  const [picked, setPicked] = useState<[string | undefined, string | undefined]>([undefined, undefined]);
  const [rule, setRule] = useState<ComparisonCutoffRule>('phases');
  const fallback = defaultPair(ids, phaseScorer);
  const a = picked[0] !== undefined && ids.includes(picked[0]) ? picked[0] : fallback?.[0];
  const b = picked[1] !== undefined && ids.includes(picked[1]) ? picked[1] : fallback?.[1];
  const cutoffs = phaseCutoffs ?? PAPER;

  const outcome = useMemo(() => {
    if (a === undefined || b === undefined) return undefined;
    const sa = dataset.scoreSets.find((s) => s.scorerId === a)!.scores;
    const sb = dataset.scoreSets.find((s) => s.scorerId === b)!.scores;
    const ca = sideCutoffs(sa, rule, cutoffs);
    const cb = sideCutoffs(sb, rule, cutoffs);
    if (!ca.ok) return { error: `${nameOf(a)}: ${ca.message}` };
    if (!cb.ok) return { error: `${nameOf(b)}: ${cb.message}` };
    try {
      return {
        comparison: compareScorers(
          { id: a, scores: sa, cutoffs: ca.cutoffs },
          { id: b, scores: sb, cutoffs: cb.cutoffs },
        ),
        ca: ca.cutoffs,
        cb: cb.cutoffs,
      };
    } catch (error) {
      return { error: (error as Error).message };
    }
  }, [a, b, rule, cutoffs, dataset.scoreSets]);

  if (ids.length < 2) {
    return (
      <section aria-label="Compare scorers" className={styles.comparison}>
        <h3 className={styles.title}>Compare two scorers</h3>
        <p className="small muted">The dataset has one scorer so far; run the judge or IFD above to compare.</p>
      </section>
    );
  }
  const c = outcome?.comparison;
  const select = (side: 0 | 1, value: string | undefined) => (
    <select
      aria-label={side === 0 ? 'Compare A' : 'Compare B'}
      value={value}
      onChange={(e) => setPicked(side === 0 ? [e.target.value, b] : [a, e.target.value])}
    >
      {ids.map((id) => (
        <option key={id} value={id}>
          {nameOf(id)}
        </option>
      ))}
    </select>
  );

  return (
    <section aria-label="Compare scorers" data-testid="scorer-comparison" className={styles.comparison}>
      <h3 className={styles.title}>Compare two scorers</h3>
      <div className="row small">
        {select(0, a)}
        <span>against</span>
        {select(1, b)}
        <label className="field">
          Phases from
          <select
            aria-label="Comparison cut-offs"
            value={rule}
            onChange={(e) => setRule(e.target.value as ComparisonCutoffRule)}
          >
            <option value="phases">the current cut-offs ({cutoffs.join(', ')}) on both</option>
            <option value="balanced">balanced sizes, each scorer its own</option>
          </select>
        </label>
      </div>
      {outcome?.error && <p className={`small ${styles.problem}`}>{outcome.error}</p>}
      {c && a && b && (
        <>
          <p
            className="small"
            data-testid="comparison-summary"
            data-spearman={Number.isNaN(c.spearman) ? '' : c.spearman.toFixed(4)}
          >
            Spearman ρ = <strong>{Number.isNaN(c.spearman) ? '—' : c.spearman.toFixed(3)}</strong> over the{' '}
            {formatCount(c.both)} records both rated (1 = same order, 0 = unrelated, −1 = reversed)
            {(c.onlyA > 0 || c.onlyB > 0 || c.neither > 0) &&
              `; ${formatCount(c.onlyA)} rated only by ${nameOf(a)}, ${formatCount(c.onlyB)} only by ${nameOf(b)}, ${formatCount(c.neither)} by neither`}
            . Same phase either way: {pct(c.samePhase)}; at most one phase apart: {pct(c.withinOnePhase)}.
          </p>
          <div className="grid-2">
            <ResponsiveContainer width="100%" height={260}>
              <ScatterChart margin={{ top: 8, right: 12, bottom: 16, left: 0 }}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis
                  type="number"
                  dataKey="a"
                  name={nameOf(a)}
                  domain={['auto', 'auto']}
                  tick={{ fontSize: 11 }}
                  label={{ value: a, position: 'insideBottom', offset: -8, fontSize: 11 }}
                />
                <YAxis
                  type="number"
                  dataKey="b"
                  name={nameOf(b)}
                  domain={['auto', 'auto']}
                  tick={{ fontSize: 11 }}
                  width={40}
                  label={{ value: b, angle: -90, position: 'insideLeft', fontSize: 11 }}
                />
                <ZAxis range={[12, 12]} />
                <Tooltip isAnimationActive={false} cursor={{ strokeDasharray: '3 3' }} />
                <Scatter data={c.scatter} fill="#2f6fdf" fillOpacity={0.45} isAnimationActive={false} />
              </ScatterChart>
            </ResponsiveContainer>
            <div>
              <table className="data small" data-testid="comparison-confusion">
                <caption className={`muted ${styles.caption}`}>
                  Records per phase: rows {nameOf(a)} (cut-offs{' '}
                  {outcome.ca!.map((x) => Number(x.toFixed(3))).join(', ')}), columns {nameOf(b)} (
                  {outcome.cb!.map((x) => Number(x.toFixed(3))).join(', ')})
                </caption>
                <thead>
                  <tr>
                    <th>
                      {a} ↓ / {b} →
                    </th>
                    {c.confusion[0]!.map((_, j) => (
                      <th key={j} className="num">
                        <span className="phase-dot" style={{ background: phaseHex(j, c.confusion[0]!.length) }} />
                        {j + 1}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {c.confusion.map((row, i) => (
                    <tr key={i}>
                      <th>
                        <span className="phase-dot" style={{ background: phaseHex(i, c.confusion.length) }} />
                        phase {i + 1}
                      </th>
                      {row.map((n, j) => (
                        <td key={j} className={i === j ? `num ${styles.agree}` : 'num'}>
                          {formatCount(n)}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
              {c.scatterSampled && (
                <p className="small muted">
                  The scatter shows a fixed random sample of {formatCount(c.scatter.length)} records.
                </p>
              )}
            </div>
          </div>
        </>
      )}
    </section>
  );
}
