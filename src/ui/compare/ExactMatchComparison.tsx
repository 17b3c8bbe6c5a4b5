import { pairedDifference, summarize } from '../../core/eval/stats';
import type { RunGroup } from './runGroups';
import styles from './ExactMatchComparison.module.css';

const pct = (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : '—');

/**
 * Exact match at the end of each run, per level where the data has levels (the demo) or else per difficulty bucket:
 * mean ± 95% interval over seeds, and paired differences against one-off.
 */
export function ExactMatchComparison({ groups }: { groups: RunGroup[] }) {
  const withEm = groups.filter((g) => g.runs.some((r) => r.exactMatch?.report));
  if (withEm.length === 0) return null;
  const byLevel = withEm.every((g) => g.runs.every((r) => !r.exactMatch?.report || r.exactMatch.byLevel));
  const reportOf = (r: RunGroup['runs'][number]) => (byLevel ? r.exactMatch?.byLevel : r.exactMatch?.report);
  const buckets = [
    ...new Set(withEm.flatMap((g) => g.runs.flatMap((r) => reportOf(r)?.buckets.map((b) => b.bucket) ?? []))),
  ].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const columns = ['all', ...buckets];
  const rate = (g: RunGroup, column: string) =>
    new Map(
      g.runs
        .map((r) => {
          const report = reportOf(r);
          const value =
            column === 'all' ? report?.overall.rate : report?.buckets.find((b) => b.bucket === column)?.rate;
          return [r.settings.seed, value ?? Number.NaN] as const;
        })
        .filter(([, v]) => Number.isFinite(v)),
    );
  const baseline = withEm.find((g) => g.runs[0]!.settings.arm.kind === 'one-off');
  return (
    <div className={styles.comparison}>
      <h3>Exact match on the held-out set per {byLevel ? 'level' : 'difficulty bucket'} (higher is better)</h3>
      <table className="data small" data-testid="exact-match-comparison">
        <thead>
          <tr>
            <th>arm</th>
            {columns.map((c) => (
              <th key={c} className="num">
                {c === 'all' ? 'all' : byLevel ? `level ${c}` : `phase ${c}`}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {withEm.map((g) => (
            <tr key={g.key}>
              <td>
                <span className="phase-dot" style={{ background: g.color }} />
                {g.label}
              </td>
              {columns.map((c) => {
                const s = summarize([...rate(g, c).values()]);
                return (
                  <td key={c} className="num">
                    {pct(s.mean)}
                    {Number.isFinite(s.halfWidth) && <span className="muted"> ± {(s.halfWidth * 100).toFixed(1)}</span>}
                  </td>
                );
              })}
            </tr>
          ))}
          {baseline &&
            withEm
              .filter((g) => g !== baseline)
              .map((g) => (
                <tr key={`${g.key}:diff`} className="muted">
                  <td>{g.label} − one-off (paired by seed, points)</td>
                  {columns.map((c) => {
                    const d = pairedDifference(rate(g, c), rate(baseline, c));
                    if (d.n === 0)
                      return (
                        <td key={c} className="num">
                          —
                        </td>
                      );
                    const sign = d.lo > 0 ? ` ${styles.better}` : d.hi < 0 ? ` ${styles.worse}` : '';
                    return (
                      <td key={c} className={`num${sign}`}>
                        {d.mean >= 0 ? '+' : ''}
                        {(d.mean * 100).toFixed(1)}
                        {Number.isFinite(d.halfWidth) ? ` ± ${(d.halfWidth * 100).toFixed(1)}` : ''}
                      </td>
                    );
                  })}
                </tr>
              ))}
        </tbody>
      </table>
    </div>
  );
}
