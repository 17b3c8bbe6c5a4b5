import { useId, useState } from 'react';
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
  /** What ArrowUp / ArrowDown add or take away (default 1). */
  step?: number;
  limit: NumberLimit;
  onChange: (v: number) => void;
  disabled?: boolean;
  /** Text after the field ("% of every phase"). */
  suffix?: string;
}) {
  // The typed text, with the value it was typed against: a value set from elsewhere (an imported configuration)
  // replaces it, so an old message does not stay under a field that now holds something else.
  const [draft, setDraft] = useState<{ text: string; value: number } | undefined>();
  const text = draft && draft.value === props.value ? draft.text : undefined;
  const problem = text === undefined ? undefined : numberProblem(text, props.limit);
  // Keep the typed text while it is unusable or still means the current value ("0." while typing).
  const shown =
    text !== undefined && (problem !== undefined || Number(text) === props.value) ? text : String(props.value);
  const messageId = useId();
  const stepBy = (direction: 1 | -1) => {
    const next = Number((props.value + direction * (props.step ?? 1)).toPrecision(12));
    if (numberProblem(String(next), props.limit) !== undefined) return;
    setDraft({ text: String(next), value: next });
    props.onChange(next);
  };
  return (
    <span className="number-field">
      <label className="field">
        <span>{props.label}</span>
        {/* Text, not type="number": a browser hands a number field's letters ("abc") to the page as "", so the message
            could not say what was typed, and typing more letters changed nothing the page could see. */}
        <input
          type="text"
          inputMode="decimal"
          autoComplete="off"
          spellCheck={false}
          className="number-input"
          aria-label={props.ariaLabel ?? props.label}
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? messageId : undefined}
          value={shown}
          disabled={props.disabled}
          onKeyDown={(e) => {
            if (e.key !== 'ArrowUp' && e.key !== 'ArrowDown') return;
            e.preventDefault();
            stepBy(e.key === 'ArrowUp' ? 1 : -1);
          }}
          onChange={(e) => {
            const typed = e.target.value;
            const good = numberProblem(typed, props.limit) === undefined;
            setDraft({ text: typed, value: good ? Number(typed) : props.value });
            if (good) props.onChange(Number(typed));
          }}
        />
        {props.suffix}
      </label>
      {problem && (
        <span className="field-error" role="alert" id={messageId} data-testid="field-error">
          {problem} Still using {props.value}.
        </span>
      )}
    </span>
  );
}
