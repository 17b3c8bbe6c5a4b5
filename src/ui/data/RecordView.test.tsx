// @vitest-environment jsdom
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InstructionRecord } from '../../core/data/record';
import { useTrainStore } from '../../state/trainStore';
import { RecordView } from './RecordView';

const initial = useTrainStore.getState();
beforeEach(() => {
  localStorage.clear();
  // A random initialisation: its character tokenizer is built from the records, no file to fetch.
  useTrainStore.setState(
    { ...initial, settings: { ...initial.settings, model: undefined, template: undefined } },
    true,
  );
});
afterEach(cleanup);

const records: InstructionRecord[] = [
  { id: 'a', instruction: 'Capital of France?', input: '', output: 'Paris', meta: {} },
  { id: 'b', instruction: 'Capital of Italy?', input: '', output: 'Rome', meta: {} },
];

describe('RecordView', () => {
  it("shows the record under the studio's template, the only one the base model's characters can be written in", async () => {
    render(<RecordView record={records[1]!} records={records} onClose={() => {}} />);
    expect((await screen.findByTestId('trained-span')).textContent).toBe('[trained: Rome<eos>]');
    // 23 characters of "User: Capital of Italy?", 12 of "\nAssistant: ", 4 of "Rome", and <bos>, <eos>, <eos>.
    expect(screen.getByTestId('token-count').textContent).toBe('42 tokens, 5 of them trained on');

    const options = within(screen.getByLabelText('Template shown')).getAllByRole('option');
    expect(options.map((o) => o.getAttribute('value'))).toEqual(['paper']);
  });
});
