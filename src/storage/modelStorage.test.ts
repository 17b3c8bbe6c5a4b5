import { describe, expect, it } from 'vitest';
import { tinyHfCheckpoint } from '../core/hf/testing/hfFixtures';
import type { HfModelDescription } from '../core/hf/modelDescription';
import { GPT_PRESETS } from '../core/model/config';
import { defaultModelName, modelKeys, newModelId, splitModelFiles, toStoredFiles, totalBytes } from './modelStorage';

describe('modelStorage helpers', () => {
  it('stores base names, text as UTF-8 and views as exact-length buffers', () => {
    const big = new Uint8Array(100);
    const view = big.subarray(10, 20);
    view.fill(7);
    const stored = toStoredFiles({ 'gpt2/config.json': '{"a":"é"}', 'gpt2/model.safetensors': view, 'merges.txt': new Uint8Array([1, 2]).buffer });
    expect(Object.keys(stored).sort()).toEqual(['config.json', 'merges.txt', 'model.safetensors']);
    expect(new TextDecoder().decode(stored['config.json'])).toBe('{"a":"é"}');
    expect(stored['model.safetensors']!.byteLength).toBe(10);
    expect([...new Uint8Array(stored['model.safetensors']!)]).toEqual(Array(10).fill(7));
    expect(() => toStoredFiles({ 'a/config.json': '{}', 'b/config.json': '{}' })).toThrow(/config.json is given twice/);
  });

  it('keeps the tokenizer apart from the weights, and together they are the folder', () => {
    const files = toStoredFiles(tinyHfCheckpoint({ architecture: 'gpt2' }).files);
    const { tokenizer, rest } = splitModelFiles(files);
    expect(Object.keys(tokenizer).sort()).toEqual(['merges.txt', 'tokenizer.json', 'vocab.json']);
    expect(Object.keys(rest).sort()).toEqual(['config.json', 'model.safetensors']);
    expect({ ...rest, ...tokenizer }).toEqual(files);
  });

  it('names a model after its folder, else config.json, else its shape', () => {
    // A GPT-Neo folder without `_name_or_path`, as the worker describes it (its whole description is tested there).
    const d: HfModelDescription = {
      architecture: 'gpt_neo',
      config: { ...GPT_PRESETS.micro, layers: 2, width: 16, vocabSize: 64 },
      positions: 32,
      parameters: 0,
      tokenizer: { file: 'tokenizer.json', vocabSize: 64, endOfText: '<|endoftext|>' },
      weightFiles: ['model.safetensors'],
      storedDtypes: { F32: 1 },
      notes: [],
    };
    expect(defaultModelName(d, 'TinyStories-1M')).toBe('TinyStories-1M');
    expect(defaultModelName(d)).toBe('GPT-Neo 2×16');
    expect(defaultModelName({ ...d, suggestedName: 'roneneldan/TinyStories-1M' })).toBe('roneneldan/TinyStories-1M');
  });

  it('keys and ids', () => {
    expect(modelKeys('x')).toEqual({ meta: 'meta/x', files: 'files/x', tokenizer: 'tokenizer/x' });
    expect(newModelId(0, 0)).toBe('hf-0-0000');
    expect(newModelId()).toMatch(/^hf-[0-9a-z]+-[0-9a-z]{4}$/);
    expect(totalBytes({ fileSizes: { a: 3, b: 4 } })).toBe(7);
  });
});
