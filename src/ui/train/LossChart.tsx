import { useMemo, useRef, useState } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceArea,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { Run } from '../../core/runs/run';
import {
  compactNumber,
  dataEndAxis,
  durationTick,
  linearAxis,
  logAxis,
  lrTick,
  type AxisScale,
} from '../common/chartAxis';
import { Segmented } from '../common/Segmented';
import { ChartDownloads } from '../common/ChartDownloads';
import { seriesCsv } from '../common/seriesCsv';
import { phaseHex } from '../phases/phaseColors';
import { lossRows, phaseBands, X_AXIS_LABELS, X_AXIS_MODES, type LossRow, type XAxisMode } from './lossChartData';

export { ema } from './ema';

const RAW = '#9db4e0';
const SMOOTHED = '#2f6fdf';
const LR = '#b5651d';
/** Below this many points each one gets a dot: one or two points make no visible line. */
const DOTS_UNDER = 30;

const LEGEND = [
  { label: 'loss', color: RAW },
  { label: 'smoothed', color: SMOOTHED },
  { label: 'learning rate (right axis)', color: LR },
];

function xTick(mode: XAxisMode, spacing: number) {
  return (v: number) =>
    mode === 'time' ? durationTick(v) : mode === 'steps' ? compactNumber(v, spacing) : compactNumber(v, spacing);
}

const CSV_COLUMNS = [
  { key: 'step', label: 'step' },
  { key: 'tokens', label: 'tokens' },
  { key: 'trainSeconds', label: 'training_time_s' },
  { key: 'stage', label: 'stage' },
  { key: 'loss', label: 'train_loss_nats_per_token' },
  { key: 'smoothed', label: 'smoothed_loss' },
  { key: 'lr', label: 'lr' },
] as const;

/** Exact values at the hovered step, each with its unit. */
function LossTooltip({
  active,
  payload,
  phaseLabel,
}: {
  active?: boolean;
  payload?: readonly { payload?: unknown }[];
  phaseLabel: (phase: number) => string;
}) {
  const row = payload?.[0]?.payload as LossRow | undefined;
  if (!active || !row) return null;
  return (
    <div className="chart-tooltip" data-testid="loss-tooltip">
      <div>
        <strong>step {row.step.toLocaleString()}</strong> · {phaseLabel(row.phase)}
      </div>
      <div>{row.tokens.toLocaleString()} tokens seen</div>
      {row.trainMs !== undefined && <div>{(row.trainMs / 1000).toFixed(1)} s of training</div>}
      <div style={{ color: SMOOTHED }}>loss {row.loss.toPrecision(6)} nats/token</div>
      <div style={{ color: SMOOTHED }}>smoothed {row.smoothed.toPrecision(6)}</div>
      <div style={{ color: LR }}>learning rate {row.lr.toExponential(3)}</div>
    </div>
  );
}

/**
 * Training loss against tokens, steps or training time, raw and smoothed, on a linear or log scale; the learning rate
 * on its own axis; each phase shaded from its first point. Downloadable as PNG, SVG and CSV.
 */
export function LossChart({ run, phaseCount }: { run: Run; phaseCount: number }) {
  const [smoothing, setSmoothing] = useState(0.8);
  const [mode, setMode] = useState<XAxisMode>('tokens');
  const [scale, setScale] = useState<AxisScale>('linear');
  const chartRef = useRef<HTMLDivElement>(null);
  const rows = useMemo(() => lossRows(run.points, mode, smoothing), [run.points, mode, smoothing]);
  const bands = useMemo(() => phaseBands(rows, run.phases), [rows, run.phases]);
  const lossValues = rows.flatMap((r) => [r.loss, r.smoothed]);
  const yAxis = scale === 'log' ? logAxis(lossValues) : linearAxis(lossValues);
  const maxLr = Math.max(0, ...rows.map((r) => r.lr));
  // Headroom above the peak LR, so its line does not run along the chart's top edge.
  const lrAxis = linearAxis(rows.length ? [0, maxLr * 1.15] : [], { zero: true });
  const xAxis = dataEndAxis([0, ...rows.map((r) => r.x)], { zero: true, ticks: 6 });
  const xSpacing = (xAxis.ticks[1] ?? 1) - (xAxis.ticks[0] ?? 0);
  const phaseLabel = (phase: number) => run.phases.find((p) => p.phase === phase)?.label ?? `stage ${phase + 1}`;
  const csv = () =>
    seriesCsv(
      CSV_COLUMNS,
      lossRows(run.points, 'steps', smoothing, Infinity).map((r) => ({
        ...r,
        trainSeconds: r.trainMs === undefined ? undefined : r.trainMs / 1000,
        stage: r.phase + 1,
      })),
    );

  return (
    <div data-testid="loss-chart" data-points={run.points.length} data-x-axis={mode} data-scale={scale}>
      <div className="row small muted chart-controls">
        <span>Training loss (nats per response token)</span>
        <span className="spacer" />
        <Segmented label="x axis" options={X_AXIS_MODES} value={mode} onChange={setMode} />
        <Segmented label="loss scale" options={['linear', 'log'] as const} value={scale} onChange={setScale} />
        <label className="field">
          smoothing
          <input
            type="range"
            min={0}
            max={0.99}
            step={0.01}
            value={smoothing}
            onChange={(e) => setSmoothing(Number(e.target.value))}
            aria-label="Smoothing"
          />
          <span className="mono">{smoothing.toFixed(2)}</span>
        </label>
        <ChartDownloads
          chartRef={chartRef}
          fileBase={`${run.id}.loss`}
          title="the loss chart"
          legend={LEGEND}
          csv={csv}
        />
      </div>
      {mode === 'time' && rows.length === 0 && run.points.length > 0 && (
        <p className="small muted">
          This run was recorded before training time was kept per step; pick tokens or steps.
        </p>
      )}
      {run.points.length === 0 && (
        <p className="small muted" data-testid="loss-chart-empty">
          The curve appears with the first logged steps (the loss is read back every {run.settings.logEvery} steps).
        </p>
      )}
      <div ref={chartRef} hidden={run.points.length === 0}>
        <ResponsiveContainer width="100%" height={300}>
          <LineChart data={rows} margin={{ top: 18, right: 8, bottom: 18, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" />
            {bands.map((b) => (
              <ReferenceArea
                key={b.phase}
                yAxisId="loss"
                x1={b.x1}
                x2={b.x2}
                ifOverflow="extendDomain"
                fill={b.sourcePhases.length === 1 ? phaseHex(b.sourcePhases[0]! - 1, phaseCount) : '#8892a0'}
                fillOpacity={0.12}
                label={{ value: b.label, position: 'insideTopLeft', fontSize: 11, fill: '#555' }}
              />
            ))}
            <XAxis
              dataKey="x"
              type="number"
              domain={xAxis.domain}
              ticks={xAxis.ticks}
              allowDataOverflow
              tickFormatter={xTick(mode, xSpacing)}
              tick={{ fontSize: 11 }}
              label={{ value: X_AXIS_LABELS[mode], position: 'insideBottom', offset: -12, fontSize: 11 }}
            />
            <YAxis
              yAxisId="loss"
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
            <YAxis
              yAxisId="lr"
              orientation="right"
              domain={lrAxis.domain}
              ticks={lrAxis.ticks}
              allowDataOverflow
              tick={{ fontSize: 10, fill: LR }}
              width={58}
              tickFormatter={lrTick}
              label={{
                value: 'learning rate',
                angle: 90,
                position: 'insideRight',
                offset: 4,
                fontSize: 11,
                fill: LR,
                style: { textAnchor: 'middle' },
              }}
            />
            <Tooltip
              isAnimationActive={false}
              content={(p) => <LossTooltip active={p.active} payload={p.payload} phaseLabel={phaseLabel} />}
            />
            <Legend verticalAlign="top" height={22} wrapperStyle={{ fontSize: 12 }} />
            <Line
              yAxisId="loss"
              dataKey="loss"
              name="loss"
              stroke={RAW}
              dot={rows.length < DOTS_UNDER}
              isAnimationActive={false}
              strokeWidth={1}
            />
            <Line
              yAxisId="loss"
              dataKey="smoothed"
              name="smoothed"
              stroke={SMOOTHED}
              dot={rows.length < DOTS_UNDER}
              isAnimationActive={false}
              strokeWidth={2}
            />
            <Line
              yAxisId="lr"
              dataKey="lr"
              name="learning rate (right axis)"
              stroke={LR}
              dot={rows.length < DOTS_UNDER}
              isAnimationActive={false}
              strokeWidth={1.5}
              strokeDasharray="5 3"
            />
          </LineChart>
        </ResponsiveContainer>
      </div>
    </div>
  );
}
