import { afterEach, describe, expect, it, vi } from 'vitest';
import { baseModelRef, DEFAULT_TRAIN_SETTINGS } from '../core/runs/settings';
import { modelSourceFor } from './modelSource';

describe('modelSourceFor', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('fetches only the studio’s own base model, whatever restored settings name', async () => {
    const fetchSpy = vi.fn(() => Promise.resolve(new Response(new Uint8Array([1, 2, 3]))));
    vi.stubGlobal('fetch', fetchSpy);
    const foreign = {
      ...DEFAULT_TRAIN_SETTINGS,
      model: { kind: 'base' as const, url: 'https://weights.example.org/x.safetensors', name: 'the demo base model' },
    };
    await expect(modelSourceFor(foreign)).rejects.toThrow(
      /must be the studio's own \(\/models\/base\/base\.safetensors\); these settings name https:\/\/weights\.example\.org/,
    );
    expect(fetchSpy).not.toHaveBeenCalled();
    const own = await modelSourceFor({ ...DEFAULT_TRAIN_SETTINGS, model: baseModelRef('/') });
    expect(own).toMatchObject({ kind: 'checkpoint', resume: false });
    expect(fetchSpy).toHaveBeenCalledWith('/models/base/base.safetensors');
  });
});
