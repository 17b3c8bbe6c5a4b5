// @vitest-environment jsdom
import 'fake-indexeddb/auto';
import { cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredDataset } from '../../core/data/storedDataset';
import { useDatasetStore } from '../../state/datasetStore';
import { usePhasesStore } from '../../state/phasesStore';
import { PhasesPanel } from './PhasesPanel';

// recharts measures its box; jsdom has no layout.
globalThis.ResizeObserver ??= class {
  observe() {}
  unobserve() {}
  disconnect() {}
} as unknown as typeof ResizeObserver;

function dataset(): StoredDataset {
  const scores = Array.from({ length: 40 }, (_, i) => 1 + (4 * i) / 39);
  return {
    fileName: 'small.json',
    byteSize: 100,
    format: 'alpaca-json',
    formatLabel: 'Alpaca',
    loadedAt: 1,
    records: scores.map((_, i) => ({
      id: String(i),
      instruction: `Question ${i}`,
      input: '',
      output: `Answer ${i}`,
      meta: {},
    })),
    report: { accepted: 40, rejected: [], warnings: [] },
    scoreSets: [{ scorerId: 'field', scores: Float64Array.from(scores), problems: [] }],
  };
}

beforeEach(() => {
  const d = dataset();
  useDatasetStore.setState({ dataset: d });
  usePhasesStore.getState().datasetChanged(d);
});
afterEach(cleanup);

const cutoffs = () => usePhasesStore.getState().plan?.cutoffs;
const problem = () => screen.queryByTestId('phase-settings-error');

/** Types into a cut-off field and commits it the way a person does (Enter). */
async function typeCutoff(n: number, text: string) {
  const input = screen.getByLabelText(`Cut-off ${n}`);
  await userEvent.clear(input);
  if (text) await userEvent.type(input, text);
  await userEvent.keyboard('{Enter}');
}

// The cut-off controls inside the panel that shows their plan's problems (PhasesPanel).
describe('CutoffControls', () => {
  it('starts at the paper’s cut-offs', () => {
    render(<PhasesPanel />);
    expect(screen.getByLabelText('Cut-off 1')).toHaveProperty('value', '1.5');
    expect(screen.getByLabelText('Cut-off 2')).toHaveProperty('value', '3.5');
    expect(screen.queryByRole('button', { name: 'Paper’s 1.5 / 3.5' })).toBeNull();
    expect(problem()).toBeNull();
  });

  it('takes a cut-off in order and in range: the plan follows', async () => {
    render(<PhasesPanel />);
    await typeCutoff(1, '2');
    expect(cutoffs()).toEqual([2, 3.5]);
    expect(problem()).toBeNull();
    expect(screen.getByRole('button', { name: 'Paper’s 1.5 / 3.5' })).toBeTruthy();
  });

  it('refuses cut-offs out of order with a message, and keeps the last good plan', async () => {
    render(<PhasesPanel />);
    await typeCutoff(2, '1.2');
    expect(problem()?.textContent).toContain(
      'Cut-offs must strictly increase, but cut-off 2 (1.2) is not above cut-off 1 (1.5).',
    );
    expect(problem()?.getAttribute('role')).toBe('alert');
    expect(cutoffs()).toEqual([1.5, 3.5]);
    expect(usePhasesStore.getState().settings?.cutoffs).toEqual([1.5, 3.5]);
  });

  it('refuses a cut-off outside (1, 5) with a message; a good value then clears it', async () => {
    render(<PhasesPanel />);
    await typeCutoff(2, '5');
    expect(problem()?.textContent).toContain(
      'Cut-off 2 is 5, outside the open range (1, 5): it would leave a phase with no possible scores.',
    );
    expect(cutoffs()).toEqual([1.5, 3.5]);
    await typeCutoff(2, '4');
    expect(problem()).toBeNull();
    expect(cutoffs()).toEqual([1.5, 4]);
  });

  it('says at the field when nothing usable was typed, and changes nothing', async () => {
    render(<PhasesPanel />);
    await typeCutoff(1, '');
    const input = screen.getByLabelText('Cut-off 1');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('Type a number between 1 and 5.').getAttribute('role')).toBe('alert');
    expect(cutoffs()).toEqual([1.5, 3.5]);
    await typeCutoff(1, '1.6');
    expect(screen.queryByText('Type a number between 1 and 5.')).toBeNull();
    expect(cutoffs()).toEqual([1.6, 3.5]);
  });

  it('more phases bring more cut-offs, evenly spaced; equal-size phases lock them', async () => {
    render(<PhasesPanel />);
    await userEvent.selectOptions(screen.getByLabelText('Number of phases'), '4');
    expect(cutoffs()).toEqual([2, 3, 4]);
    expect(screen.getByLabelText('Cut-off 3')).toHaveProperty('value', '4');
    await userEvent.click(screen.getByRole('button', { name: 'Equal-size phases' }));
    expect(screen.getByLabelText('Cut-off 1')).toHaveProperty('disabled', true);
    expect(usePhasesStore.getState().settings?.mode).toBe('quantiles');
  });

  it('refuses a held-out share above half with the limit, keeping the one in use', async () => {
    render(<PhasesPanel />);
    const heldOut = screen.getByLabelText('Held-out percent');
    await userEvent.clear(heldOut);
    await userEvent.paste('80');
    expect(screen.getByTestId('field-error').textContent).toBe('At most 50. Still using 5.');
    expect(usePhasesStore.getState().settings?.heldOutFraction).toBe(0.05);
    await userEvent.clear(heldOut);
    await userEvent.paste('10');
    expect(usePhasesStore.getState().settings?.heldOutFraction).toBe(0.1);
  });
});
