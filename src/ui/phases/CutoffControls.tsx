import { useState } from 'react';
import { MAX_PHASES, MIN_PHASES, PAPER_CUTOFFS, usePhasesStore } from '../../state/phasesStore';
import { PHASE_LIMITS } from '../../core/runs/settingLimits';
import { NumberField } from '../common/NumberField';
import { inPercent } from '../common/numberInput';
import styles from './CutoffControls.module.css';

/** Cut-offs typed by hand (or dragged on the histogram), or equal-size phases; phase count; held-out share. */
export function CutoffControls() {
  const settings = usePhasesStore((s) => s.settings)!;
  const plan = usePhasesStore((s) => s.plan);
  const update = usePhasesStore((s) => s.update);
  const cutoffs = plan?.cutoffs ?? settings.cutoffs;
  const isPaper =
    settings.mode === 'cutoffs' &&
    settings.cutoffs.length === 2 &&
    settings.cutoffs.every((c, i) => c === PAPER_CUTOFFS[i]);

  return (
    <div className={styles.controls}>
      <div className="row">
        <div className="segmented" role="group" aria-label="How phases are cut">
          <button aria-pressed={settings.mode === 'cutoffs'} onClick={() => update({ mode: 'cutoffs' })}>
            Cut-offs
          </button>
          <button aria-pressed={settings.mode === 'quantiles'} onClick={() => update({ mode: 'quantiles' })}>
            Equal-size phases
          </button>
        </div>
        <label className="field">
          Phases
          <select
            aria-label="Number of phases"
            value={settings.phaseCount}
            onChange={(e) => update({ phaseCount: Number(e.target.value) })}
          >
            {Array.from({ length: MAX_PHASES - MIN_PHASES + 1 }, (_, i) => MIN_PHASES + i).map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="row">
        {cutoffs.map((c, i) => (
          <CutoffInput
            key={`${i}-${c}`}
            index={i}
            value={c}
            disabled={settings.mode !== 'cutoffs'}
            onCommit={(value) => update({ cutoffs: cutoffs.map((x, j) => (j === i ? value : x)) })}
          />
        ))}
        {!isPaper && (
          <button className="btn link" onClick={() => update({ mode: 'cutoffs', cutoffs: PAPER_CUTOFFS })}>
            Paper’s 1.5 / 3.5
          </button>
        )}
      </div>
      <p className={`small muted ${styles.hint}`}>
        {settings.mode === 'cutoffs'
          ? 'Drag the handles on the histogram or type a value. A record with a score equal to a cut-off goes to the harder phase.'
          : 'Cut-offs at the score quantiles, so the phases are as equal in size as ties allow.'}
      </p>
      <div className="row">
        {/* Typed text the limit refuses (80 %) stays in the field with a message, instead of snapping back to what it was. */}
        <NumberField
          label="Held out"
          ariaLabel="Held-out percent"
          value={Math.round(settings.heldOutFraction * 1000) / 10}
          step={1}
          limit={inPercent(PHASE_LIMITS.heldOutFraction)}
          onChange={(pct) => update({ heldOutFraction: pct / 100 })}
          suffix="% of every phase"
        />
        <label className="field">
          seed
          <input
            type="number"
            aria-label="Held-out seed"
            value={settings.seed}
            onChange={(e) => Number.isInteger(Number(e.target.value)) && update({ seed: Number(e.target.value) })}
          />
        </label>
      </div>
    </div>
  );
}

function CutoffInput(props: { index: number; value: number; disabled: boolean; onCommit: (value: number) => void }) {
  const [text, setText] = useState(String(props.value));
  const [error, setError] = useState<string>();
  const commit = () => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value)) {
      setError('Type a number between 1 and 5.');
      return;
    }
    setError(undefined);
    // Committed even when unchanged: that re-checks the plan and clears a message left by an earlier bad value.
    props.onCommit(value);
  };
  return (
    <span className="number-field">
      <label className="field">
        <span className="small muted">#{props.index + 1}</span>
        <input
          type="number"
          step={0.05}
          min={1}
          max={5}
          aria-label={`Cut-off ${props.index + 1}`}
          aria-invalid={error ? true : undefined}
          value={text}
          disabled={props.disabled}
          onChange={(e) => {
            setText(e.target.value);
            setError(undefined);
          }}
          onBlur={commit}
          onKeyDown={(e) => e.key === 'Enter' && commit()}
        />
      </label>
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
