import { useLayoutEffect, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import { Bar, BarChart, CartesianGrid, Cell, Tooltip, XAxis, YAxis } from 'recharts';
import { phaseHex } from './phaseColors';

export interface HistogramBin {
  lo: number;
  hi: number;
  count: number;
}

const HEIGHT = 220;
const MARGIN = { top: 22, right: 12, bottom: 4, left: 0 };
const Y_AXIS_WIDTH = 52;
const X_AXIS_HEIGHT = 26;
const STEP = 0.05;

/**
 * Score histogram over the 1–5 scale, bars coloured by phase, with a draggable handle per cut-off.
 * `onCutoffsChange` fires while dragging (live re-bucketing); handles also move with the arrow keys.
 */
export function ScoreHistogram(props: {
  bins: HistogramBin[];
  cutoffs: number[];
  editable: boolean;
  onCutoffsChange: (cutoffs: number[]) => void;
}) {
  const { bins, cutoffs, editable, onCutoffsChange } = props;
  const wrap = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const dragging = useRef<number | null>(null);

  useLayoutEffect(() => {
    const element = wrap.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setWidth(element.clientWidth));
    observer.observe(element);
    setWidth(element.clientWidth);
    return () => observer.disconnect();
  }, []);

  const plotLeft = MARGIN.left + Y_AXIS_WIDTH;
  const plotWidth = Math.max(1, width - plotLeft - MARGIN.right);
  const toX = (score: number) => plotLeft + ((score - 1) / 4) * plotWidth;
  const toScore = (x: number) => 1 + ((x - plotLeft) / plotWidth) * 4;
  const phaseOf = (center: number) => cutoffs.filter((c) => center >= c).length;

  const move = (i: number, score: number) => {
    const lo = (i === 0 ? 1 : cutoffs[i - 1]!) + STEP;
    const hi = (i === cutoffs.length - 1 ? 5 : cutoffs[i + 1]!) - STEP;
    const snapped = Math.round(Math.min(hi, Math.max(lo, score)) / STEP) * STEP;
    const value = Math.round(snapped * 100) / 100;
    if (value === cutoffs[i]) return;
    onCutoffsChange(cutoffs.map((c, j) => (j === i ? value : c)));
  };

  const onPointerMove = (event: PointerEvent) => {
    if (dragging.current === null || !wrap.current) return;
    const rect = wrap.current.getBoundingClientRect();
    move(dragging.current, toScore(event.clientX - rect.left));
  };

  const onKey = (i: number) => (event: KeyboardEvent) => {
    const delta =
      event.key === 'ArrowLeft' || event.key === 'ArrowDown'
        ? -STEP
        : event.key === 'ArrowRight' || event.key === 'ArrowUp'
          ? STEP
          : 0;
    if (delta === 0) return;
    event.preventDefault();
    move(i, cutoffs[i]! + delta * (event.shiftKey ? 5 : 1));
  };

  const data = bins.map((b) => ({
    center: (b.lo + b.hi) / 2,
    count: b.count,
    range: `${b.lo.toFixed(2)}–${b.hi.toFixed(2)}`,
  }));

  return (
    <div
      className="histogram-wrap"
      ref={wrap}
      onPointerMove={onPointerMove}
      onPointerUp={() => (dragging.current = null)}
      data-testid="score-histogram"
    >
      {width > 0 && (
        <BarChart
          width={width}
          height={HEIGHT}
          data={data}
          margin={MARGIN}
          barCategoryGap={1}
          barSize={Math.max(1, plotWidth / data.length - 2)}
        >
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis
            dataKey="center"
            type="number"
            domain={[1, 5]}
            ticks={[1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5]}
            height={X_AXIS_HEIGHT}
            tick={{ fontSize: 11 }}
            padding={{ left: 0, right: 0 }}
          />
          <YAxis width={Y_AXIS_WIDTH} tick={{ fontSize: 11 }} allowDecimals={false} />
          <Tooltip
            formatter={(value) => [Number(value).toLocaleString(), 'records']}
            labelFormatter={(_, payload) => `score ${payload?.[0]?.payload?.range ?? ''}`}
            isAnimationActive={false}
          />
          <Bar dataKey="count" isAnimationActive={false}>
            {data.map((d, i) => (
              <Cell key={i} fill={phaseHex(phaseOf(d.center), cutoffs.length + 1)} />
            ))}
          </Bar>
        </BarChart>
      )}
      {width > 0 &&
        cutoffs.map((c, i) => (
          <div
            key={i}
            className={`cutoff-handle${editable ? '' : ' read-only'}`}
            style={{ left: toX(c), top: MARGIN.top - 16, bottom: X_AXIS_HEIGHT + MARGIN.bottom }}
            role="slider"
            aria-label={`Cut-off ${i + 1} handle`}
            aria-valuemin={1}
            aria-valuemax={5}
            aria-valuenow={c}
            aria-disabled={!editable}
            tabIndex={editable ? 0 : -1}
            onKeyDown={editable ? onKey(i) : undefined}
            onPointerDown={(event) => {
              if (!editable) return;
              dragging.current = i;
              (event.target as HTMLElement).setPointerCapture?.(event.pointerId);
            }}
            onPointerMove={onPointerMove}
            onPointerUp={() => (dragging.current = null)}
          >
            <span className="tag">{c.toFixed(2)}</span>
          </div>
        ))}
    </div>
  );
}
