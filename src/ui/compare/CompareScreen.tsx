import { useMemo, useState } from 'react';
import { Area, Bar, BarChart, CartesianGrid, ComposedChart, ErrorBar, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { configDiff } from '../../core/compare/configDiff';
import { commonGrid, interpolate, type Curve } from '../../core/compare/curves';
import { pairedDifference, summarize } from '../../core/eval/stats';
import type { Run } from '../../core/runs/run';
import { useTrainStore } from '../../state/trainStore';
import { useRecordedResultsStore } from '../../state/recordedResultsStore';
import { OpenRecordedResultsButton, RecordedResultsLabel } from './RecordedResults';
import { Banner } from '../common/Banner';
import { ema } from '../train/LossChart';
import { BlindVote } from './BlindVote';
import { ExactMatchComparison } from './ExactMatchComparison';
import { groupRuns, type RunGroup } from './runGroups';

const GRID_POINTS = 120;
const fmt = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : '—');
/** Mean and 95% interval of the finite values (a bucket a run never evaluated is left out, not counted as 0). */
const meanCI = (values: readonly number[]) => {
  const s = summarize(values.filter(Number.isFinite));
  return { mean: s.mean, half: s.halfWidth, lo: s.lo, hi: s.hi };
};
const pm = (half: number) => (Number.isFinite(half) ? ` ± ${half.toFixed(3)}` : '');

function finishedRuns(runs: readonly Run[]): Run[] {
  return runs.filter((r) => r.points.length > 0 && (r.status === 'done' || r.status === 'stopped' || r.status === 'interrupted' || r.status === 'error'));
}

/** Pick runs; see their curves on tokens seen, what separates them, and held-out loss per bucket with CIs. */
export function CompareScreen() {
  const runs = useTrainStore((s) => s.runs);
  // Recorded results sit beside the person's runs, never in their store; opening them selects them alone.
  const recorded = useRecordedResultsStore((s) => s.runs);
  const openedAt = useRecordedResultsStore((s) => s.openedAt);
  const candidates = useMemo(() => [...finishedRuns(runs), ...recorded], [runs, recorded]);
  const [pick, setPicked] = useState<{ ids: Set<string>; openedAt: number } | undefined>();
  const picked = pick && pick.openedAt === openedAt ? pick.ids : undefined;
  const recordedIds = new Set(recorded.map((r) => r.id));
  const selection = candidates.filter((r) => (picked ? picked.has(r.id) : recordedIds.size > 0 ? recordedIds.has(r.id) : r.status === 'done'));
  const groups = useMemo(() => groupRuns(selection), [selection]);

  if (candidates.length === 0) {
    return (
      <>
        <Banner kind="warn" title="Nothing to compare yet">
          Train at least one run (try “Phased vs one-off” on the Train screen); finished runs appear here. Or open a comparison measured before: <OpenRecordedResultsButton />
        </Banner>
        <RecordedResultsLabel />
      </>
    );
  }
  const toggle = (id: string) => {
    const next = new Set(picked ?? selection.map((r) => r.id));
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setPicked({ ids: next, openedAt });
  };
  const datasets = new Set(selection.map((r) => `${r.dataKey.fileName}|${r.dataKey.contentHash}|${r.dataKey.cutoffs.join()}|${r.dataKey.heldOutSeed}`));

  return (
    <>
      <section className="panel" aria-label="Runs to compare">
        <div className="panel-head">
          <h2>Compare</h2>
          <span className="muted small">Runs of the same settings that differ only in seed are grouped: mean and 95% interval over seeds.</span>
          <span className="spacer" />
          {recorded.length === 0 && <OpenRecordedResultsButton />}
        </div>
        <RecordedResultsLabel />
        <div className="row" data-testid="compare-picker">
          {candidates.map((r) => (
            <label key={r.id} className="field small" style={{ border: '1px solid var(--line)', borderRadius: 6, padding: '3px 8px' }}>
              <input type="checkbox" checked={selection.includes(r)} onChange={() => toggle(r.id)} aria-label={`Compare ${r.label} ${r.id}`} />
              {r.label} <span className="muted mono">{r.status !== 'done' ? r.status : ''}</span>
            </label>
          ))}
        </div>
        {datasets.size > 1 && (
          <div style={{ marginTop: 8 }}>
            <Banner kind="warn" title="These runs trained on different data or phases">
              Held-out losses are comparable only on one fixed held-out set; pick runs of one dataset and phase plan.
            </Banner>
          </div>
        )}
        {selection.length > 1 && <WhatChanged runs={selection} />}
      </section>
      {groups.length > 0 && (
        <>
          <section className="panel" aria-label="Curves">
            <h3>Training loss against tokens seen (smoothed; band = 95% interval over seeds)</h3>
            <OverlayChart groups={groups} />
          </section>
          <section className="panel" aria-label="Held-out loss">
            <HeldOutComparison groups={groups} />
            <ExactMatchComparison groups={groups} />
          </section>
          <BlindVote runs={selection} />
        </>
      )}
    </>
  );
}

function WhatChanged({ runs }: { runs: Run[] }) {
  const diffs = configDiff(runs.map((r) => ({ ...r.settings, data: r.dataKey })));
  return (
    <div style={{ marginTop: 12 }} data-testid="what-changed">
      <h3>What changed</h3>
      {diffs.length === 0 ? (
        <p className="small muted">Nothing: these runs share every setting.</p>
      ) : (
        <table className="data small">
          <thead>
            <tr>
              <th>setting</th>
              {runs.map((r) => (
                <th key={r.id}>{r.label}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {diffs.map((d) => (
              <tr key={d.path}>
                <td className="mono">{d.path}</td>
                {d.values.map((v, i) => (
                  <td key={i}>{v}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function OverlayChart({ groups }: { groups: RunGroup[] }) {
  const data = useMemo(() => {
    const curves = new Map<string, Curve>();
    for (const g of groups) {
      for (const r of g.runs) curves.set(r.id, { x: r.points.map((p) => p.tokens), y: ema(r.points.map((p) => p.loss), 0.8) });
    }
    const grid = commonGrid([...curves.values()], GRID_POINTS);
    return grid.map((tokens) => {
      const row: Record<string, number | [number, number]> = { tokens };
      for (const g of groups) {
        const values = g.runs.map((r) => interpolate(curves.get(r.id)!, tokens)).filter((v): v is number => v !== undefined);
        const ci = meanCI(values);
        row[`${g.key}:mean`] = ci.mean;
        if (Number.isFinite(ci.half)) row[`${g.key}:band`] = [ci.lo, ci.hi];
      }
      return row;
    });
  }, [groups]);

  return (
    <div data-testid="overlay-chart" data-groups={groups.length}>
      <ResponsiveContainer width="100%" height={300}>
        <ComposedChart data={data} margin={{ top: 8, right: 12, bottom: 4, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="tokens" type="number" domain={['dataMin', 'dataMax']} tickFormatter={(t: number) => (t >= 1000 ? `${(t / 1000).toFixed(0)}k` : String(t))} tick={{ fontSize: 11 }} />
          <YAxis tick={{ fontSize: 11 }} width={44} domain={['auto', 'auto']} />
          <Tooltip isAnimationActive={false} formatter={(v) => (Array.isArray(v) ? v.map((x) => Number(x).toFixed(3)).join(' – ') : Number(v).toFixed(3))} labelFormatter={(t) => `${Math.round(Number(t)).toLocaleString()} tokens`} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {groups.map((g) => (
            <Area key={`${g.key}:band`} dataKey={`${g.key}:band`} stroke="none" fill={g.color} fillOpacity={0.15} isAnimationActive={false} legendType="none" name={`${g.label} 95% CI`} />
          ))}
          {groups.map((g) => (
            <Line key={`${g.key}:mean`} dataKey={`${g.key}:mean`} stroke={g.color} dot={false} strokeWidth={2} isAnimationActive={false} name={`${g.label} (${g.runs.length} seed${g.runs.length > 1 ? 's' : ''})`} />
          ))}
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}

/** Final held-out loss per bucket: per group mean ± CI, and paired differences against one-off (same seeds). */
function HeldOutComparison({ groups }: { groups: RunGroup[] }) {
  // Each run's last evaluation, aligned with group.runs (undefined where a run never evaluated).
  const finals = groups.map((g) => ({ group: g, last: g.runs.map((r) => r.evals.at(-1)), evals: g.runs.map((r) => r.evals.at(-1)).filter((e) => e !== undefined) }));
  const buckets = [...new Set(finals.flatMap((f) => f.evals.flatMap((e) => e.buckets.map((b) => b.bucket))))].sort();
  const columns = ['all', ...buckets];
  const valueOf = (e: (typeof finals)[number]['evals'][number], column: string) => (column === 'all' ? e.heldOutLoss : e.buckets.find((b) => b.bucket === column)?.loss ?? Number.NaN);
  const chartData = columns.map((column) => {
    const row: Record<string, unknown> = { bucket: column === 'all' ? 'all' : `phase ${column}` };
    for (const f of finals) {
      const ci = meanCI(f.evals.map((e) => valueOf(e, column)));
      row[f.group.key] = ci.mean;
      row[`${f.group.key}:err`] = Number.isFinite(ci.half) ? ci.half : 0;
    }
    return row;
  });
  const baseline = groups.find((g) => g.runs[0]!.settings.arm.kind === 'one-off');

  return (
    <>
      <h3>Held-out loss per difficulty bucket at the end of each run (lower is better)</h3>
      <div data-testid="bucket-bars">
        <ResponsiveContainer width="100%" height={260}>
          <BarChart data={chartData} margin={{ top: 8, right: 12, bottom: 4, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="bucket" tick={{ fontSize: 12 }} />
            <YAxis tick={{ fontSize: 11 }} width={44} />
            <Tooltip isAnimationActive={false} formatter={(v) => Number(v).toFixed(3)} />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            {groups.map((g) => (
              <Bar key={g.key} dataKey={g.key} name={g.label} fill={g.color} isAnimationActive={false}>
                <ErrorBar dataKey={`${g.key}:err`} width={4} strokeWidth={1.5} stroke="#333" />
              </Bar>
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
      <table className="data small" data-testid="heldout-table">
        <thead>
          <tr>
            <th>arm</th>
            <th className="num">seeds</th>
            <th className="num">tokens seen</th>
            {columns.map((c) => (
              <th key={c} className="num">
                {c === 'all' ? 'all' : `phase ${c}`}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {finals.map((f) => (
            <tr key={f.group.key}>
              <td>
                <span className="phase-dot" style={{ background: f.group.color }} />
                {f.group.label}
              </td>
              <td className="num">{f.evals.length}</td>
              <td className="num">{Math.round(meanCI(f.evals.map((e) => e.tokens)).mean).toLocaleString()}</td>
              {columns.map((c) => {
                const ci = meanCI(f.evals.map((e) => valueOf(e, c)));
                return (
                  <td key={c} className="num">
                    {fmt(ci.mean)}
                    <span className="muted">{pm(ci.half)}</span>
                  </td>
                );
              })}
            </tr>
          ))}
          {baseline &&
            finals
              .filter((f) => f.group !== baseline)
              .map((f) => {
                const base = finals.find((b) => b.group === baseline)!;
                const bySeed = (g: typeof f, column: string) =>
                  new Map(
                    g.group.runs
                      .map((r, i) => [r.settings.seed, g.last[i] ? valueOf(g.last[i]!, column) : Number.NaN] as const)
                      .filter(([, v]) => Number.isFinite(v)),
                  );
                const seeds = pairedDifference(bySeed(f, 'all'), bySeed(base, 'all')).seeds;
                return (
                  <tr key={`${f.group.key}:diff`} className="muted" data-testid="paired-row">
                    <td>
                      {f.group.label} − one-off <span className="small">(paired by seed)</span>
                    </td>
                    <td className="num">{seeds.length}</td>
                    <td />
                    {columns.map((c) => {
                      const d = pairedDifference(bySeed(f, c), bySeed(base, c));
                      if (d.n === 0) return <td key={c} className="num">—</td>;
                      const better = d.hi < 0;
                      const worse = d.lo > 0;
                      return (
                        <td key={c} className="num" style={{ color: better ? 'var(--ok)' : worse ? 'var(--danger)' : undefined }}>
                          {d.mean >= 0 ? '+' : ''}
                          {fmt(d.mean)}
                          {pm(d.halfWidth)}
                        </td>
                      );
                    })}
                  </tr>
                );
              })}
        </tbody>
      </table>
      <p className="small muted">
        Every arm is evaluated on the same held-out records. A paired difference below zero means lower loss than one-off; it is
        coloured only when its 95% interval excludes zero. With fewer than two seeds there is no interval, and no claim.
      </p>
    </>
  );
}
