import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_TRAIN_SETTINGS } from '../core/runs/settings';
import { loadTrainForm, saveTrainForm, trainFormFrom } from './trainForm';

const defaults = DEFAULT_TRAIN_SETTINGS;

describe('trainFormFrom', () => {
  it('gives back a form as it was saved', () => {
    const settings = {
      ...defaults,
      arm: { kind: 'custom' as const, order: [3, 1, 2] },
      preset: 'tiny' as const,
      seed: 9,
      hyper: { ...defaults.hyper, lr: 2e-4, restartSchedulePerPhase: false },
      maxSteps: 40,
    };
    const saved = JSON.parse(JSON.stringify({ settings, modelChosen: true })) as unknown;
    expect(trainFormFrom(saved, defaults)).toEqual({ settings, modelChosen: true });
  });

  it('keeps whether the learning rate was typed, and says nothing for a form saved without it', () => {
    expect(trainFormFrom({ settings: {}, lrChosen: true }, defaults)?.lrChosen).toBe(true);
    expect(trainFormFrom({ settings: {}, lrChosen: false }, defaults)?.lrChosen).toBe(false);
    expect(trainFormFrom({ settings: {}, lrChosen: 'yes' }, defaults)).not.toHaveProperty('lrChosen');
    expect(trainFormFrom({ settings: {} }, defaults)).not.toHaveProperty('lrChosen');
  });

  it('keeps a saved base or imported model, and drops one of an unknown kind', () => {
    const base = { kind: 'base', url: '/models/base.safetensors', name: 'base' };
    expect(trainFormFrom({ settings: { model: base } }, defaults)?.settings.model).toEqual(base);
    expect(
      trainFormFrom({ settings: { model: { kind: 'hf', id: 'x', name: 'x', prune: true } } }, defaults)?.settings.model,
    ).toEqual({ kind: 'hf', id: 'x', name: 'x', prune: true });
    expect(
      trainFormFrom({ settings: { model: { kind: 'url', url: 'https://evil', name: 'x' } } }, defaults)?.settings.model,
    ).toBeUndefined();
  });

  it('keeps the chosen template, and drops a name this build does not know', () => {
    expect(trainFormFrom({ settings: { template: 'chatml' } }, defaults)?.settings.template).toBe('chatml');
    expect(trainFormFrom({ settings: { template: 'model' } }, defaults)?.settings.template).toBe('model');
    expect(trainFormFrom({ settings: { template: 'vicuna' } }, defaults)?.settings).not.toHaveProperty('template');
    expect(trainFormFrom({ settings: { template: 3 } }, defaults)?.settings).not.toHaveProperty('template');
  });

  it('falls back to the default, field by field, where the saved value has the wrong type', () => {
    const form = trainFormFrom(
      {
        settings: {
          seed: 'seven',
          preset: 'toString',
          backend: 'gpu',
          arm: { kind: 'sideways' },
          hyper: { lr: null, batchSize: 4, resetOptimizerPerPhase: 'yes' },
          logEvery: Number.NaN,
        },
      },
      defaults,
    );
    expect(form?.settings).toEqual({ ...defaults, model: undefined, hyper: { ...defaults.hyper, batchSize: 4 } });
    expect(form?.modelChosen).toBe(false);
  });

  it('reads nothing from something that is not a saved form', () => {
    expect(trainFormFrom(null, defaults)).toBeUndefined();
    expect(trainFormFrom([1, 2], defaults)).toBeUndefined();
    expect(trainFormFrom({ settings: 'x' }, defaults)).toBeUndefined();
  });
});

/** localStorage as a browser has it (Node has none), or one that refuses every write (storage off, or full). */
function stubLocalStorage({ refuseWrites = false } = {}): Map<string, string> {
  const items = new Map<string, string>();
  vi.stubGlobal('localStorage', {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => {
      if (refuseWrites) throw new DOMException('quota', 'QuotaExceededError');
      items.set(key, value);
    },
  });
  return items;
}

describe('the saved training form (localStorage)', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('comes back after a reload as it was left', () => {
    stubLocalStorage();
    const settings = { ...defaults, seed: 9, hyper: { ...defaults.hyper, lr: 2e-4 } };
    saveTrainForm({ settings, modelChosen: true });
    expect(loadTrainForm(defaults)).toEqual({ settings, modelChosen: true });
  });

  it('is nothing when none was saved, when the entry is not JSON, or where there is no localStorage', () => {
    const items = stubLocalStorage();
    expect(loadTrainForm(defaults)).toBeUndefined();
    items.set('phased-ift-studio/train-form', '{"settings": ');
    expect(loadTrainForm(defaults)).toBeUndefined();
    vi.stubGlobal('localStorage', undefined);
    expect(loadTrainForm(defaults)).toBeUndefined();
  });

  it('a damaged field falls back to its default when read back', () => {
    const items = stubLocalStorage();
    items.set(
      'phased-ift-studio/train-form',
      JSON.stringify({ settings: { ...defaults, seed: 'seven' }, modelChosen: true }),
    );
    expect(loadTrainForm(defaults)).toEqual({ settings: { ...defaults, model: undefined }, modelChosen: true });
  });

  it('storage that refuses the write costs only the reload, not the page', () => {
    stubLocalStorage({ refuseWrites: true });
    expect(() => saveTrainForm({ settings: defaults, modelChosen: false })).not.toThrow();
    expect(loadTrainForm(defaults)).toBeUndefined();
  });
});
