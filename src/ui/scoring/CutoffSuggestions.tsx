import { useMemo } from 'react';
import { Area, AreaChart, CartesianGrid, ReferenceLine, ResponsiveContainer, XAxis, YAxis } from 'recharts';
import { suggestCutoffs, type CutoffSuggestion, type DensityCurve } from '../../core/phases/autoCutoffs';
import { useDatasetStore } from '../../state/datasetStore';
import { usePhasesStore } from '../../state/phasesStore';
import { formatCount } from '../../state/judgeForm';
import { densityPoints, sameCutoffs } from './suggestions';
import styles from './CutoffSuggestions.module.css';

/** The density behind the valleys suggestion, with its chosen cut-offs. */
function DensityChart(props: { density: DensityCurve; cutoffs: readonly number[] }) {
  const data = useMemo(() => densityPoints(props.density, 240), [props.density]);
  return (
    <ResponsiveContainer width="100%" height={110}>
      <AreaChart data={data} margin={{ top: 16, right: 8, bottom: 0, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis
          dataKey="x"
          type="number"
          domain={['dataMin', 'dataMax']}
          ticks={[1, 2, 3, 4, 5]}
          tick={{ fontSize: 10 }}
        />
        <YAxis hide />
        <Area
          type="monotone"
          dataKey="y"
          stroke="#2f6fdf"
          fill="#2f6fdf"
          fillOpacity={0.15}
          isAnimationActive={false}
          dot={false}
        />
        {props.cutoffs.map((c) => (
          <ReferenceLine
            key={c}
            x={c}
            stroke="#333"
            strokeDasharray="4 2"
            label={{ value: String(c), fontSize: 10, position: 'top' }}
          />
        ))}
      </AreaChart>
    </ResponsiveContainer>
  );
}

function SuggestionCard(props: { s: CutoffSuggestion; applied: boolean; onApply: () => void }) {
  const { s, applied } = props;
  return (
    <div
      className="example"
      data-testid={`cutoff-suggestion-${s.method}`}
      data-cutoffs={s.cutoffs.join(',')}
      data-usable={s.usable}
    >
      <div className={`row ${styles.heading}`}>
        <strong>
          {s.label}
          {s.usable && `: ${s.cutoffs.join(', ')}`}
        </strong>
        {s.usable && (
          <button className="btn" disabled={applied} onClick={props.onApply} aria-label={`Apply ${s.label}`}>
            {applied ? 'Applied' : 'Apply'}
          </button>
        )}
      </div>
      {s.usable && <div className="small">Phase sizes: {s.sizes.map(formatCount).join(' / ')}</div>}
      <p className={`small muted ${styles.reason}`}>{s.reason}</p>
      {s.density && <DensityChart density={s.density} cutoffs={s.cutoffs} />}
    </div>
  );
}

/** Automatic cut-offs for the current scorer (balanced sizes, valleys of the distribution), each explained. */
export function CutoffSuggestions() {
  const dataset = useDatasetStore((s) => s.dataset);
  const settings = usePhasesStore((s) => s.settings);
  const plan = usePhasesStore((s) => s.plan);
  const update = usePhasesStore((s) => s.update);
  const scores = dataset?.scoreSets.find((s) => s.scorerId === settings?.scorerId)?.scores;
  const k = settings?.phaseCount ?? 3;
  const suggestions = useMemo(() => (scores ? suggestCutoffs(scores, k) : []), [scores, k]);
  if (!settings || !scores) return null;
  const current = plan?.cutoffs ?? settings.cutoffs;

  return (
    <details className={styles.suggestions} data-testid="cutoff-suggestions">
      <summary className="small">
        Suggested cut-offs for {k} phases — the paper picked 1.5 / 3.5 by eye and names that as its main limitation
      </summary>
      <div className="examples">
        {suggestions.map((s) => (
          <SuggestionCard
            key={s.method}
            s={s}
            applied={settings.mode === 'cutoffs' && sameCutoffs(current, s.cutoffs)}
            onApply={() => update({ mode: 'cutoffs', cutoffs: s.cutoffs })}
          />
        ))}
      </div>
    </details>
  );
}
