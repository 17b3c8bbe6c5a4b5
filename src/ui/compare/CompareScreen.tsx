import { useMemo, useRef, useState } from 'react';
import {
  Area,
  Bar,
  BarChart,
  CartesianGrid,
  ComposedChart,
  ErrorBar,
  Legend,
  Line,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { configDiff } from '../../core/compare/configDiff';
import { commonGrid, interpolate, type Curve } from '../../core/compare/curves';
import { pairedDifference, summarize } from '../../core/eval/stats';
import type { Run } from '../../core/runs/run';
import { useTrainStore } from '../../state/trainStore';
import { useRecordedResultsStore } from '../../state/recordedResultsStore';
import { OpenRecordedResultsButton, RecordedResultsLabel } from './RecordedResults';
import { Banner } from '../common/Banner';
import { compactNumber, dataEndAxis, durationTick, linearAxis, logAxis, type AxisScale } from '../common/chartAxis';
import { Segmented } from '../common/Segmented';
import { ChartDownloads } from '../common/ChartDownloads';
import { seriesCsv } from '../common/seriesCsv';
import { ema } from '../train/ema';
import { X_AXIS_LABELS, X_AXIS_MODES, xOf, type XAxisMode } from '../train/lossChartData';
import { BlindVote } from './BlindVote';
import { ExactMatchComparison } from './ExactMatchComparison';
import { groupRuns, type RunGroup } from './runGroups';
import styles from './CompareScreen.module.css';

const GRID_POINTS = 120;
const fmt = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : '—');
/** Mean and 95% interval of the finite values (a bucket a run never evaluated is left out, not counted as 0). */
const meanCI = (values: readonly number[]) => {
  const s = summarize(values.filter(Number.isFinite));
  return { mean: s.mean, half: s.halfWidth, lo: s.lo, hi: s.hi };
};
const pm = (half: number) => (Number.isFinite(half) ? ` ± ${half.toFixed(3)}` : '');

function finishedRuns(runs: readonly Run[]): Run[] {
  return runs.filter(
    (r) =>
      r.points.length > 0 &&
      (r.status === 'done' || r.status === 'stopped' || r.status === 'interrupted' || r.status === 'error'),
  );
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
  const selection = candidates.filter((r) =>
    picked ? picked.has(r.id) : recordedIds.size > 0 ? recordedIds.has(r.id) : r.status === 'done',
  );
  const groups = useMemo(() => groupRuns(selection), [selection]);

  if (candidates.length === 0) {
    return (
      <>
        <Banner kind="warn" title="Nothing to compare yet">
          Train at least one run (try “Phased vs one-off” on the Train screen); finished runs appear here. Or open a
          comparison measured before: <OpenRecordedResultsButton />
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
  const datasets = new Set(
    selection.map(
      (r) => `${r.dataKey.fileName}|${r.dataKey.contentHash}|${r.dataKey.cutoffs.join()}|${r.dataKey.heldOutSeed}`,
    ),
  );

  return (
    <>
      <section className="panel" aria-label="Runs to compare">
        <div className="panel-head">
          <h2>Compare</h2>
          <span className="muted small">
            Runs of the same settings that differ only in seed are grouped: mean and 95% interval over seeds.
          </span>
          <span className="spacer" />
          {recorded.length === 0 && <OpenRecordedResultsButton />}
        </div>
        <RecordedResultsLabel />
        <div className="row" data-testid="compare-picker">
          {candidates.map((r) => (
            <label key={r.id} className={`field small ${styles.candidate}`}>
              <input
                type="checkbox"
                checked={selection.includes(r)}
                onChange={() => toggle(r.id)}
                aria-label={`Compare ${r.label} ${r.id}`}
              />
              {r.label} <span className="muted mono">{r.status !== 'done' ? r.status : ''}</span>
            </label>
          ))}
        </div>
        {datasets.size > 1 && (
          <div className={styles.mixedData}>
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
            <h3>Training loss (smoothed; band = 95% interval over seeds)</h3>
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
    <div className={styles.whatChanged} data-testid="what-changed">
      <h3>What changed</h3>
      {diffs.length === 0 ? (
        <p className="small muted">Nothing: these runs share every setting.</p>
      ) : (
        <div className={styles.scrolls}>
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
        </div>
      )}
    </div>
  );
}

function OverlayChart({ groups }: { groups: RunGroup[] }) {
  const [mode, setMode] = useState<XAxisMode>('tokens');
  const [scale, setScale] = useState<AxisScale>('linear');
  const chartRef = useRef<HTMLDivElement>(null);
  const data = useMemo(() => {
    const curves = new Map<string, Curve>();
    for (const g of groups) {
      for (const r of g.runs) {
        const placed = r.points.flatMap((p) => {
          const x = xOf(p, mode);
          return x === undefined ? [] : [{ x, loss: p.loss }];
        });
        curves.set(r.id, {
          x: placed.map((p) => p.x),
          y: ema(
            placed.map((p) => p.loss),
            0.8,
          ),
        });
      }
    }
    const grid = commonGrid([...curves.values()], GRID_POINTS);
    return grid.map((x) => {
      const row: Record<string, number | [number, number]> = { x };
      for (const g of groups) {
        const values = g.runs.map((r) => interpolate(curves.get(r.id)!, x)).filter((v): v is number => v !== undefined);
        const ci = meanCI(values);
        row[`${g.key}:mean`] = ci.mean;
        if (Number.isFinite(ci.half)) row[`${g.key}:band`] = [ci.lo, ci.hi];
      }
      return row;
    });
  }, [groups, mode]);
  const values = data
    .flatMap((row) => groups.flatMap((g) => [row[`${g.key}:mean`], row[`${g.key}:band`]].flat()))
    .filter((v): v is number => typeof v === 'number');
  const yAxis = scale === 'log' ? logAxis(values) : linearAxis(values);
  const starts = useMemo(() => stageStarts(groups, mode), [groups, mode]);
  const xs = data.map((row) => row.x as number);
  const xAxis = dataEndAxis(xs, { ticks: 6 });
  const xSpacing = (xAxis.ticks[1] ?? 1) - (xAxis.ticks[0] ?? 0);
  const xLabel = (v: number) => (mode === 'time' ? durationTick(v) : compactNumber(v, xSpacing));
  const legend = groups.map((g) => ({
    label: `${g.label} (${g.runs.length} seed${g.runs.length > 1 ? 's' : ''})`,
    color: g.color,
  }));
  const csv = () =>
    seriesCsv(
      [
        { key: 'x', label: mode === 'time' ? 'training_time_s' : mode === 'steps' ? 'step' : 'tokens' },
        ...groups.flatMap((g) => [
          { key: `${g.key}:mean`, label: `${g.label} smoothed loss (mean over seeds)` },
          { key: `${g.key}:lo`, label: `${g.label} 95% CI low` },
          { key: `${g.key}:hi`, label: `${g.label} 95% CI high` },
        ]),
      ],
      data.map((row) => {
        const flat: Record<string, number | undefined> = {
          x: mode === 'time' ? (row.x as number) / 1000 : (row.x as number),
        };
        for (const g of groups) {
          flat[`${g.key}:mean`] = row[`${g.key}:mean`] as number;
          const band = row[`${g.key}:band`] as [number, number] | undefined;
          flat[`${g.key}:lo`] = band?.[0];
          flat[`${g.key}:hi`] = band?.[1];
        }
        return flat;
      }),
    );

  return (
    <div data-testid="overlay-chart" data-groups={groups.length} data-x-axis={mode}>
      <div className="row small muted chart-controls">
        <span>nats per response token, EMA-smoothed (0.8) per run</span>
        <span className="spacer" />
        <Segmented label="x axis" options={X_AXIS_MODES} value={mode} onChange={setMode} />
        <Segmented label="loss scale" options={['linear', 'log'] as const} value={scale} onChange={setScale} />
        <ChartDownloads
          chartRef={chartRef}
          fileBase="compare.loss-curves"
          title="the loss curves"
          legend={legend}
          csv={csv}
        />
      </div>
      {mode === 'time' && groups.some((g) => g.runs.some((r) => r.points.some((p) => p.trainMs === undefined))) && (
        <p className="small muted" data-testid="overlay-no-time">
          Some of these runs were recorded without training time per step, so they cannot be placed on a time axis; pick
          tokens or steps.
        </p>
      )}
      <div ref={chartRef}>
        <ResponsiveContainer width="100%" height={320}>
          <ComposedChart data={data} margin={{ top: 8, right: 12, bottom: 18, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis
              dataKey="x"
              type="number"
              domain={xAxis.domain}
              ticks={xAxis.ticks}
              allowDataOverflow
              tickFormatter={xLabel}
              tick={{ fontSize: 11 }}
              label={{ value: X_AXIS_LABELS[mode], position: 'insideBottom', offset: -12, fontSize: 11 }}
            />
            <YAxis
              scale={scale}
              domain={yAxis.domain}
              ticks={yAxis.ticks}
              allowDataOverflow
              tick={{ fontSize: 11 }}
              width={56}
              tickFormatter={(v: number) => String(Number(v.toPrecision(4)))}
              label={{
                value: 'loss (nats/token)',
                angle: -90,
                position: 'insideLeft',
                offset: 4,
                fontSize: 11,
                style: { textAnchor: 'middle' },
              }}
            />
            <Tooltip
              isAnimationActive={false}
              formatter={(v) =>
                Array.isArray(v) ? v.map((x) => Number(x).toPrecision(5)).join(' – ') : Number(v).toPrecision(5)
              }
              labelFormatter={(t) =>
                mode === 'time'
                  ? `${(Number(t) / 1000).toFixed(1)} s of training`
                  : mode === 'steps'
                    ? `step ${Number(t).toFixed(1)}`
                    : `${Math.round(Number(t)).toLocaleString()} tokens seen`
              }
            />
            <Legend verticalAlign="top" height={22} wrapperStyle={{ fontSize: 12 }} />
            {starts.map((s) => (
              <ReferenceLine
                key={`${s.group}:${s.stage}`}
                x={s.x}
                stroke={s.color}
                strokeDasharray="4 3"
                ifOverflow="hidden"
                label={{ value: s.label, position: 'insideTopRight', fontSize: 10, fill: s.color }}
              />
            ))}
            {groups.map((g) => (
              <Area
                key={`${g.key}:band`}
                dataKey={`${g.key}:band`}
                stroke="none"
                fill={g.color}
                fillOpacity={0.15}
                isAnimationActive={false}
                legendType="none"
                name={`${g.label} 95% CI`}
              />
            ))}
            {groups.map((g) => (
              <Line
                key={`${g.key}:mean`}
                dataKey={`${g.key}:mean`}
                stroke={g.color}
                dot={data.length < 30}
                strokeWidth={2}
                isAnimationActive={false}
                name={`${g.label} (${g.runs.length} seed${g.runs.length > 1 ? 's' : ''})`}
              />
            ))}
          </ComposedChart>
        </ResponsiveContainer>
      </div>
      <p className="small muted" data-testid="overlay-measured-on" data-stage-starts={starts.length}>
        What each curve is measured on: the training loss of the records each run was training on at that point —
        {groups
          .map((g) => {
            const stages = g.runs[0]?.phases ?? [];
            return stages.length > 1
              ? ` ${g.label}: ${stages.map((p) => p.label).join(', then ')} (a dashed line where each starts)`
              : ` ${g.label}: ${stages[0]?.label ?? 'its records'}`;
          })
          .join(';')}
        . A phased arm&apos;s loss on an easy phase is not comparable with a one-off run&apos;s on every phase (a lower
        curve there is not a better model): the held-out loss below is measured on one fixed set for every run.
      </p>
    </div>
  );
}

/** Where each stage after the first starts on the x axis, per group (its first run's points), for the dashed lines. */
function stageStarts(
  groups: readonly RunGroup[],
  mode: XAxisMode,
): { group: string; stage: number; x: number; color: string; label: string }[] {
  return groups.flatMap((g) => {
    const run = g.runs[0];
    if (!run || run.phases.length < 2) return [];
    const out: { group: string; stage: number; x: number; color: string; label: string }[] = [];
    for (let i = 1; i < run.points.length; i++) {
      const p = run.points[i]!;
      if (p.phase === run.points[i - 1]!.phase) continue;
      const x = xOf(p, mode);
      const label = run.phases.find((s) => s.phase === p.phase)?.label ?? `stage ${p.phase + 1}`;
      if (x !== undefined) out.push({ group: g.key, stage: p.phase, x, color: g.color, label });
    }
    return out;
  });
}

/** Final held-out loss per bucket: per group mean ± CI, and paired differences against one-off (same seeds). */
function HeldOutComparison({ groups }: { groups: RunGroup[] }) {
  // Each run's last evaluation, aligned with group.runs (undefined where a run never evaluated).
  const finals = groups.map((g) => ({
    group: g,
    last: g.runs.map((r) => r.evals.at(-1)),
    evals: g.runs.map((r) => r.evals.at(-1)).filter((e) => e !== undefined),
  }));
  const buckets = [...new Set(finals.flatMap((f) => f.evals.flatMap((e) => e.buckets.map((b) => b.bucket))))].sort();
  const columns = ['all', ...buckets];
  const valueOf = (e: (typeof finals)[number]['evals'][number], column: string) =>
    column === 'all' ? e.heldOutLoss : (e.buckets.find((b) => b.bucket === column)?.loss ?? Number.NaN);
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
  const barsRef = useRef<HTMLDivElement>(null);
  const tops = chartData.flatMap((row) => groups.map((g) => (row[g.key] as number) + (row[`${g.key}:err`] as number)));
  const yAxis = linearAxis(tops, { zero: true });
  const barsCsv = () =>
    seriesCsv(
      [
        { key: 'bucket', label: 'bucket' },
        ...groups.flatMap((g) => [
          { key: g.key, label: `${g.label} held-out loss (nats/token, mean over seeds)` },
          { key: `${g.key}:err`, label: `${g.label} 95% CI half-width` },
        ]),
      ],
      chartData,
    );

  return (
    <>
      <div className="row chart-controls">
        <h3>Held-out loss per difficulty bucket at the end of each run (lower is better)</h3>
        <span className="spacer" />
        <ChartDownloads
          chartRef={barsRef}
          fileBase="compare.heldout-buckets"
          title="the held-out loss bars"
          legend={groups.map((g) => ({ label: g.label, color: g.color }))}
          csv={barsCsv}
        />
      </div>
      <div data-testid="bucket-bars" ref={barsRef}>
        <ResponsiveContainer width="100%" height={260}>
          <BarChart data={chartData} margin={{ top: 8, right: 12, bottom: 18, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis
              dataKey="bucket"
              tick={{ fontSize: 12 }}
              label={{
                value: 'difficulty bucket of the held-out records',
                position: 'insideBottom',
                offset: -12,
                fontSize: 11,
              }}
            />
            <YAxis
              tick={{ fontSize: 11 }}
              width={56}
              domain={yAxis.domain}
              ticks={yAxis.ticks}
              tickFormatter={(v: number) => String(Number(v.toPrecision(4)))}
              label={{
                value: 'held-out loss (nats/token)',
                angle: -90,
                position: 'insideLeft',
                offset: 4,
                fontSize: 11,
                style: { textAnchor: 'middle' },
              }}
            />
            <Tooltip isAnimationActive={false} formatter={(v) => `${Number(v).toPrecision(5)} nats/token`} />
            <Legend verticalAlign="top" height={22} wrapperStyle={{ fontSize: 12 }} />
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
                      if (d.n === 0)
                        return (
                          <td key={c} className="num">
                            —
                          </td>
                        );
                      const better = d.hi < 0;
                      const worse = d.lo > 0;
                      return (
                        <td key={c} className={better ? `num ${styles.better}` : worse ? `num ${styles.worse}` : 'num'}>
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
        Every arm is evaluated on the same held-out records. A paired difference below zero means lower loss than
        one-off; it is coloured only when its 95% interval excludes zero. With fewer than two seeds there is no
        interval, and no claim.
      </p>
    </>
  );
}
