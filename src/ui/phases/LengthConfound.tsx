import { useMemo } from 'react';
import { CartesianGrid, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis, ZAxis } from 'recharts';
import type { InstructionRecord } from '../../core/data/record';
import { spearman } from '../../core/difficulty/spearman';
import { createRng } from '../../core/util/random';
import { phaseHex } from './phaseColors';
import styles from './LengthConfound.module.css';

const MAX_POINTS = 1500;

/**
 * Difficulty against length, one dot per record (a seeded sample on big datasets), with their rank correlation:
 * the paper's harder stages are also longer, so a curriculum by difficulty is partly a curriculum by length.
 */
export function LengthConfound(props: {
  records: readonly InstructionRecord[];
  scores: ArrayLike<number>;
  cutoffs: readonly number[];
}) {
  const { records, scores, cutoffs } = props;
  const { series, rho } = useMemo(() => {
    const lengths = records.map((r) => r.instruction.length + r.input.length + r.output.length);
    const rho = spearman(Array.from(scores), lengths);
    let indices = records.map((_, i) => i).filter((i) => Number.isFinite(scores[i]));
    if (indices.length > MAX_POINTS) {
      const rng = createRng(7);
      indices = indices.filter(() => rng.next() < MAX_POINTS / records.length);
    }
    const series = Array.from({ length: cutoffs.length + 1 }, () => [] as { score: number; length: number }[]);
    for (const i of indices) {
      const phase = cutoffs.filter((c) => scores[i]! >= c).length;
      series[phase]!.push({ score: scores[i]!, length: lengths[i]! });
    }
    return { series, rho };
  }, [records, scores, cutoffs]);

  return (
    <details className={styles.confound} data-testid="length-confound">
      <summary className="small">
        Difficulty vs length — Spearman ρ = <strong>{Number.isFinite(rho) ? rho.toFixed(2) : '—'}</strong>
        <span className="muted"> (near 1: the phases mostly sort by length, the confound the paper leaves open)</span>
      </summary>
      <ResponsiveContainer width="100%" height={260}>
        <ScatterChart margin={{ top: 8, right: 12, bottom: 4, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis type="number" dataKey="score" name="difficulty" domain={[1, 5]} tick={{ fontSize: 11 }} />
          <YAxis
            type="number"
            dataKey="length"
            name="characters"
            scale="log"
            domain={['auto', 'auto']}
            allowDataOverflow
            tick={{ fontSize: 11 }}
            width={52}
          />
          <ZAxis range={[12, 12]} />
          <Tooltip isAnimationActive={false} cursor={{ strokeDasharray: '3 3' }} />
          {series.map((points, i) => (
            <Scatter
              key={i}
              name={`phase ${i + 1}`}
              data={points}
              fill={phaseHex(i, series.length)}
              fillOpacity={0.5}
              isAnimationActive={false}
            />
          ))}
        </ScatterChart>
      </ResponsiveContainer>
    </details>
  );
}
