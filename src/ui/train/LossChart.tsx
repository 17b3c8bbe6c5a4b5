import { useMemo, useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ReferenceArea, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Run } from '../../core/runs/run';
import { phaseHex } from '../phases/phaseColors';

const MAX_POINTS = 600;

/** Exponential moving average, debiased like TensorBoard's so the start of the curve is not pulled to zero. */
export function ema(values: readonly number[], smoothing: number): number[] {
  const out: number[] = [];
  let last = 0;
  let weight = 0;
  for (const v of values) {
    last = last * smoothing + (1 - smoothing) * v;
    weight = weight * smoothing + (1 - smoothing);
    out.push(weight > 0 ? last / weight : v);
  }
  return out;
}

/** Loss against tokens seen, raw and smoothed, LR on a second axis, with each phase shaded and labelled. */
export function LossChart({ run, phaseCount }: { run: Run; phaseCount: number }) {
  const [smoothing, setSmoothing] = useState(0.8);
  const data = useMemo(() => {
    const smooth = ema(run.points.map((p) => p.loss), smoothing);
    const stride = Math.max(1, Math.ceil(run.points.length / MAX_POINTS));
    const rows = [];
    for (let i = 0; i < run.points.length; i += stride) {
      const p = run.points[Math.min(run.points.length - 1, i + stride - 1)]!;
      rows.push({ tokens: p.tokens, loss: p.loss, smoothed: smooth[Math.min(run.points.length - 1, i + stride - 1)], lr: p.lr, step: p.step });
    }
    return rows;
  }, [run.points, smoothing]);
  const lastTokens = run.points.at(-1)?.tokens ?? 0;

  return (
    <div data-testid="loss-chart" data-points={run.points.length}>
      <div className="row small muted" style={{ justifyContent: 'space-between' }}>
        <span>Training loss (nats per response token) against tokens seen</span>
        <label className="field">
          smoothing
          <input type="range" min={0} max={0.99} step={0.01} value={smoothing} onChange={(e) => setSmoothing(Number(e.target.value))} aria-label="Smoothing" />
          <span className="mono">{smoothing.toFixed(2)}</span>
        </label>
      </div>
      <ResponsiveContainer width="100%" height={280}>
        <LineChart data={data} margin={{ top: 16, right: 8, bottom: 4, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          {run.phases.map((p) => (
            <ReferenceArea
              key={p.phase}
              yAxisId="loss"
              x1={p.startTokens}
              x2={p.endTokens ?? lastTokens}
              fill={p.sourcePhases.length === 1 ? phaseHex(p.sourcePhases[0]! - 1, phaseCount) : '#8892a0'}
              fillOpacity={0.08}
              label={{ value: p.label, position: 'insideTop', fontSize: 11 }}
            />
          ))}
          <XAxis dataKey="tokens" type="number" domain={[0, 'dataMax']} tickFormatter={(t: number) => (t >= 1000 ? `${(t / 1000).toFixed(0)}k` : String(t))} tick={{ fontSize: 11 }} />
          <YAxis yAxisId="loss" tick={{ fontSize: 11 }} width={44} domain={['auto', 'auto']} />
          <YAxis yAxisId="lr" orientation="right" tick={{ fontSize: 10 }} width={52} tickFormatter={(v: number) => v.toExponential(1)} />
          <Tooltip isAnimationActive={false} formatter={(v, name) => [Number(v).toPrecision(4), String(name)]} labelFormatter={(t) => `${Number(t).toLocaleString()} tokens`} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Line yAxisId="loss" dataKey="loss" name="loss" stroke="#9db4e0" dot={false} isAnimationActive={false} strokeWidth={1} />
          <Line yAxisId="loss" dataKey="smoothed" name="smoothed" stroke="#2f6fdf" dot={false} isAnimationActive={false} strokeWidth={2} />
          <Line yAxisId="lr" dataKey="lr" name="learning rate" stroke="#b08a2e" dot={false} isAnimationActive={false} strokeWidth={1} strokeDasharray="4 3" />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

