import { useState } from 'react';
import type { NumberLimit } from '../../core/runs/settingLimits';
import { numberProblem } from './numberInput';

/**
 * A number setting, held to its limit from core/runs/settingLimits (the one links and files are held to). Text that
 * is not a usable number (empty, out of range) stays in the field with a message saying
 * why, and the setting keeps its last good value until the text is mended.
 */
export function NumberField(props: {
  label: string;
  /** The accessible name, when it must say more than the visible label. */
  ariaLabel?: string;
  value: number;
  step?: number;
  limit: NumberLimit;
  onChange: (v: number) => void;
  disabled?: boolean;
  /** Text after the field ("% of every phase"). */
  suffix?: string;
}) {
  const [draft, setDraft] = useState<string | undefined>();
  const problem = draft === undefined ? undefined : numberProblem(draft, props.limit);
  // Keep the typed text while it is unusable or still means the current value ("0." while typing); a value set from
  // elsewhere (an imported configuration) shows at once.
  const shown = draft !== undefined && (problem !== undefined || Number(draft) === props.value) ? draft : props.value;
  return (
    <label className="field">
      <span>{props.label}</span>
      <input
        type="number"
        aria-label={props.ariaLabel ?? props.label}
        aria-invalid={problem ? true : undefined}
        value={shown}
        step={props.step ?? 'any'}
        min={props.limit.min ?? props.limit.above}
        max={props.limit.max ?? props.limit.below}
        disabled={props.disabled}
        onChange={(e) => {
          const text = e.target.value;
          setDraft(text);
          if (numberProblem(text, props.limit) === undefined) props.onChange(Number(text));
        }}
      />
      {props.suffix}
      {problem && (
        <span className="field-error" role="alert">
          {problem} Still using {props.value}.
        </span>
      )}
    </label>
  );
}

