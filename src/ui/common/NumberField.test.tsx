// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { NumberLimit } from '../../core/runs/settingLimits';
import { NumberField } from './NumberField';

afterEach(cleanup);

/** The field as a form holds it: the value it shows is the one it last handed on. */
function Held(props: { initial: number; limit: NumberLimit; onChange?: (v: number) => void; step?: number }) {
  const [value, setValue] = useState(props.initial);
  return (
    <>
      <NumberField
        label="Batch"
        value={value}
        limit={props.limit}
        step={props.step}
        onChange={(v) => {
          props.onChange?.(v);
          setValue(v);
        }}
      />
      <output data-testid="held">{value}</output>
    </>
  );
}

const BATCH: NumberLimit = { integer: true, min: 1, max: 1024 };

describe('NumberField', () => {
  it('hands on a good number as it is typed, with no message', async () => {
    const onChange = vi.fn();
    render(<Held initial={16} limit={BATCH} onChange={onChange} />);
    const input = screen.getByLabelText('Batch');
    await userEvent.clear(input);
    await userEvent.type(input, '32');
    expect(onChange).toHaveBeenLastCalledWith(32);
    expect(screen.getByTestId('held')).toHaveProperty('textContent', '32');
    expect(input).toHaveProperty('value', '32');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(input.getAttribute('aria-invalid')).toBeNull();
  });

  it('keeps text that is not a number in the field, says why, and keeps the last good value', async () => {
    const onChange = vi.fn();
    render(<Held initial={16} limit={BATCH} onChange={onChange} />);
    const input = screen.getByLabelText('Batch');
    await userEvent.clear(input);
    await userEvent.type(input, 'abc');
    expect(input).toHaveProperty('value', 'abc');
    expect(screen.getByRole('alert').textContent).toBe('"abc" is not a number. Still using 16.');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(input.getAttribute('aria-describedby')).toBe(screen.getByRole('alert').id);
    expect(onChange).not.toHaveBeenCalled();
    expect(screen.getByTestId('held')).toHaveProperty('textContent', '16');
  });

  it('refuses a number outside the limit with the limit in the message', async () => {
    const onChange = vi.fn();
    render(<Held initial={16} limit={BATCH} onChange={onChange} />);
    const input = screen.getByLabelText('Batch');
    await userEvent.clear(input);
    expect(screen.getByRole('alert').textContent).toBe('Enter a number. Still using 16.');
    // Pasted at once: typed digit by digit, 2, 20 and 200 would each be good on the way.
    await userEvent.paste('2000');
    expect(screen.getByRole('alert').textContent).toBe('At most 1024. Still using 16.');
    await userEvent.clear(input);
    await userEvent.type(input, '0');
    expect(screen.getByRole('alert').textContent).toBe('At least 1. Still using 16.');
    expect(onChange).not.toHaveBeenCalled();
  });

  it('clears the message once the text is mended', async () => {
    render(<Held initial={16} limit={BATCH} />);
    const input = screen.getByLabelText('Batch');
    await userEvent.clear(input);
    await userEvent.type(input, '9x');
    expect(screen.getByRole('alert')).toBeTruthy();
    await userEvent.type(input, '{Backspace}');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByTestId('held')).toHaveProperty('textContent', '9');
  });

  it('steps with the arrow keys, but not past the limit', async () => {
    const onChange = vi.fn();
    render(<Held initial={1023} limit={BATCH} step={1} onChange={onChange} />);
    const input = screen.getByLabelText('Batch');
    await userEvent.type(input, '{ArrowUp}');
    expect(screen.getByTestId('held')).toHaveProperty('textContent', '1024');
    await userEvent.type(input, '{ArrowUp}');
    expect(screen.getByTestId('held')).toHaveProperty('textContent', '1024');
    await userEvent.type(input, '{ArrowDown}{ArrowDown}');
    expect(screen.getByTestId('held')).toHaveProperty('textContent', '1022');
    expect(onChange.mock.calls.map(([v]) => v)).toEqual([1024, 1023, 1022]);
  });

  it('shows a value set from elsewhere instead of an old typed draft', async () => {
    const { rerender } = render(<NumberField label="Batch" value={16} limit={BATCH} onChange={() => {}} />);
    const input = screen.getByLabelText('Batch');
    await userEvent.clear(input);
    await userEvent.type(input, 'abc');
    expect(screen.getByRole('alert')).toBeTruthy();
    rerender(<NumberField label="Batch" value={64} limit={BATCH} onChange={() => {}} />);
    expect(input).toHaveProperty('value', '64');
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
