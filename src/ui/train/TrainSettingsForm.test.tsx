// @vitest-environment jsdom
import { cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_LORA } from '../../core/model/loraSettings';
import type { HfModelDescription } from '../../core/hf/modelDescription';
import { useModelStore } from '../../state/modelStore';
import { useTrainStore } from '../../state/trainStore';
import { TrainSettingsForm } from './TrainSettingsForm';

/** An imported model as the model store lists it: only what the template menu reads of it matters here. */
const importedMeta: ReturnType<typeof useModelStore.getState>['models'][number] = {
  kind: 'meta',
  id: 'm1',
  name: 'tiny-llama',
  importedAt: 0,
  origin: 'files',
  description: {
    architecture: 'llama',
    config: { layers: 2, width: 64, vocabSize: 320 },
  } as unknown as HfModelDescription,
  fileSizes: {},
  fingerprint: 'f',
  prune: false,
};
const initialModels = useModelStore.getState();

const initial = useTrainStore.getState();
const settings = () => useTrainStore.getState().settings;

beforeEach(() => {
  localStorage.clear();
  useTrainStore.setState(initial, true);
  useModelStore.setState(initialModels, true);
});
afterEach(cleanup);

describe('TrainSettingsForm', () => {
  it('shows the LoRA fields only while LoRA is on, and starts them at the defaults', async () => {
    render(<TrainSettingsForm phaseCount={3} disabled={false} />);
    expect(screen.queryByLabelText('LoRA rank r')).toBeNull();
    expect(settings().lora).toBeUndefined();

    await userEvent.click(screen.getByLabelText('Train LoRA adapters'));
    expect(screen.getByLabelText('LoRA rank r')).toHaveProperty('value', String(DEFAULT_LORA.rank));
    expect(screen.getByLabelText('LoRA alpha')).toHaveProperty('value', String(DEFAULT_LORA.alpha));
    expect(settings().lora).toEqual(DEFAULT_LORA);
    expect(screen.getByText(/Scale alpha \/ r = 2\.00/)).toBeTruthy();

    await userEvent.click(screen.getByLabelText('Train LoRA adapters'));
    expect(screen.queryByLabelText('LoRA rank r')).toBeNull();
    expect(settings().lora).toBeUndefined();
  });

  it('keeps at least one LoRA target: the last one cannot be unticked', async () => {
    render(<TrainSettingsForm phaseCount={3} disabled={false} />);
    await userEvent.click(screen.getByLabelText('Train LoRA adapters'));
    const cAttn = screen.getByLabelText('LoRA on attn.c_attn');
    expect(cAttn).toHaveProperty('disabled', true);
    await userEvent.click(screen.getByLabelText('LoRA on mlp.c_fc'));
    expect(settings().lora?.targets).toEqual(['attn.c_attn', 'mlp.c_fc']);
    expect(cAttn).toHaveProperty('disabled', false);
    await userEvent.click(cAttn);
    expect(settings().lora?.targets).toEqual(['mlp.c_fc']);
    expect(screen.getByLabelText('LoRA on mlp.c_fc')).toHaveProperty('disabled', true);
  });

  it('refuses a LoRA rank outside its limit and keeps the one in the store', async () => {
    render(<TrainSettingsForm phaseCount={3} disabled={false} />);
    await userEvent.click(screen.getByLabelText('Train LoRA adapters'));
    const rank = screen.getByLabelText('LoRA rank r');
    await userEvent.clear(rank);
    await userEvent.paste('300');
    expect(within(rank.closest('.number-field') as HTMLElement).getByRole('alert').textContent).toBe(
      'At most 256. Still using 8.',
    );
    expect(settings().lora?.rank).toBe(8);
  });

  it('a learning rate that is not a number shows why and leaves the setting as it was; a good one is taken', async () => {
    render(<TrainSettingsForm phaseCount={3} disabled={false} />);
    const before = settings().hyper.lr;
    const lr = screen.getByLabelText('Learning rate');
    await userEvent.clear(lr);
    await userEvent.type(lr, 'abc');
    expect(screen.getByRole('alert').textContent).toBe(`"abc" is not a number. Still using ${before}.`);
    expect(settings().hyper.lr).toBe(before);

    await userEvent.clear(lr);
    await userEvent.paste('0');
    expect(screen.getByRole('alert').textContent).toBe(`Above 0. Still using ${before}.`);
    expect(settings().hyper.lr).toBe(before);

    await userEvent.clear(lr);
    await userEvent.paste('0.002');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(settings().hyper.lr).toBe(0.002);
  });

  it('rounds whole-number settings: a batch of 8.6 trains at 9', async () => {
    render(<TrainSettingsForm phaseCount={3} disabled={false} />);
    const batch = screen.getByLabelText('Batch');
    await userEvent.clear(batch);
    await userEvent.paste('8.6');
    expect(settings().hyper.batchSize).toBe(9);
  });

  it('a custom arm asks for the phase order and takes only one made of this plan’s phases', async () => {
    render(<TrainSettingsForm phaseCount={3} disabled={false} />);
    expect(screen.queryByLabelText('Custom phase order')).toBeNull();
    await userEvent.selectOptions(screen.getByLabelText('Arm'), 'custom');
    const order = screen.getByLabelText('Custom phase order');
    expect(order).toHaveProperty('value', '1, 2, 3');
    expect(settings().arm).toEqual({ kind: 'custom', order: [1, 2, 3] });

    await userEvent.clear(order);
    await userEvent.type(order, '3, 1, 2');
    await userEvent.tab();
    expect(settings().arm).toEqual({ kind: 'custom', order: [3, 1, 2] });

    await userEvent.clear(screen.getByLabelText('Custom phase order'));
    await userEvent.type(screen.getByLabelText('Custom phase order'), '4, 1');
    await userEvent.tab();
    expect(settings().arm).toEqual({ kind: 'custom', order: [3, 1, 2] });

    await userEvent.selectOptions(screen.getByLabelText('Arm'), 'one-off');
    expect(screen.queryByLabelText('Custom phase order')).toBeNull();
    expect(settings().arm).toEqual({ kind: 'one-off' });
  });

  it('while a run trains every field is disabled and typing changes nothing', async () => {
    render(<TrainSettingsForm phaseCount={3} disabled={true} />);
    // The fieldset disables them: the fields' own `disabled` stays false, `:disabled` is what holds.
    for (const name of ['Arm', 'Model', 'Backend', 'Learning rate', 'Batch', 'Train LoRA adapters']) {
      expect(screen.getByLabelText(name, { exact: true }).matches(':disabled'), name).toBe(true);
    }
    const before = settings();
    await userEvent.type(screen.getByLabelText('Batch'), '2');
    await userEvent.click(screen.getByLabelText('Train LoRA adapters'));
    expect(settings()).toBe(before);
  });

  it("offers only the studio's own template to the built-in model, whose characters read no chat template", () => {
    render(<TrainSettingsForm phaseCount={3} disabled={false} />);
    const select = screen.getByLabelText('Prompt template');
    expect(
      within(select)
        .getAllByRole('option')
        .map((o) => o.getAttribute('value')),
    ).toEqual(['paper']);
    expect(select).toHaveProperty('value', 'paper');
  });

  it('offers the built-in chat templates for an imported model without its own and keeps the pick', async () => {
    useModelStore.setState({ models: [{ ...importedMeta, fileSizes: { 'tokenizer.json': 1, 'config.json': 1 } }] });
    useTrainStore
      .getState()
      .chooseModel({ model: { kind: 'hf', id: importedMeta.id, name: importedMeta.name, prune: false } });
    render(<TrainSettingsForm phaseCount={3} disabled={false} />);
    const select = screen.getByLabelText('Prompt template');
    expect(
      within(select)
        .getAllByRole('option')
        .map((o) => o.getAttribute('value')),
    ).toEqual(['paper', 'chatml', 'llama3']);
    expect(select).toHaveProperty('value', 'paper');

    await userEvent.selectOptions(select, 'chatml');
    expect(settings().template).toBe('chatml');
    // Saved with the form, so a reload brings the pick back.
    const saved = JSON.parse(localStorage.getItem('phased-ift-studio/train-form')!) as {
      settings: { template: string };
    };
    expect(saved.settings.template).toBe('chatml');
  });
});
