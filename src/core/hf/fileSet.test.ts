import { describe, expect, it } from 'vitest';
import { fileRole, folderOf, mergeFileSets, missingParts, normalizeBaseUrl, planHfFileSet } from './fileSet';

describe('hfFileSet', () => {
  it('gives every file of a Hub folder its role', () => {
    expect(fileRole('gpt2/config.json')).toBe('config');
    expect(fileRole('model.safetensors')).toBe('weights');
    expect(fileRole('model-00001-of-00002.safetensors')).toBe('weights');
    expect(fileRole('model.safetensors.index.json')).toBe('index');
    expect(fileRole('vocab.json')).toBe('tokenizer');
    expect(fileRole('pytorch_model.bin')).toBe('unreadable');
    expect(fileRole('flax_model.msgpack')).toBe('unreadable');
    expect(fileRole('README.md')).toBe('other');
  });

  it('reads the model files of a full clone and says why it leaves the rest', () => {
    const plan = planHfFileSet([
      'gpt2/.gitattributes',
      'gpt2/.git/config',
      'gpt2/README.md',
      'gpt2/config.json',
      'gpt2/generation_config.json',
      'gpt2/model.safetensors',
      'gpt2/pytorch_model.bin',
      'gpt2/tokenizer.json',
      'gpt2/vocab.json',
      'gpt2/merges.txt',
    ]);
    expect(plan.read).toEqual([
      'gpt2/config.json',
      'gpt2/model.safetensors',
      'gpt2/tokenizer.json',
      'gpt2/vocab.json',
      'gpt2/merges.txt',
    ]);
    expect(plan.ignored.map((i) => i.path)).toEqual([
      'gpt2/README.md',
      'gpt2/generation_config.json',
      'gpt2/pytorch_model.bin',
    ]);
    expect(plan.ignored[2]!.why).toMatch(/cannot be read in the browser/);
  });

  it('says what a set still lacks', () => {
    expect(missingParts(['config.json', 'model.safetensors', 'tokenizer.json'])).toEqual([]);
    expect(missingParts(['config.json', 'model.safetensors', 'vocab.json', 'merges.txt'])).toEqual([]);
    expect(missingParts(['model.safetensors', 'tokenizer.json'])).toEqual(['config.json']);
    expect(missingParts(['config.json', 'tokenizer.json'])).toEqual(['model.safetensors']);
    expect(missingParts(['config.json', 'model.safetensors.index.json', 'tokenizer.json'])).toEqual([
      'the shards named in model.safetensors.index.json',
    ]);
    expect(missingParts(['config.json', 'model.safetensors', 'vocab.json'])).toEqual(['merges.txt']);
    expect(missingParts(['config.json', 'model.safetensors'])).toEqual(['tokenizer.json (or vocab.json + merges.txt)']);
  });

  it('adds a later drop to the files kept, unless it brings its own config.json', () => {
    const kept = { 'config.json': 1, 'model.safetensors': 2 };
    expect(mergeFileSets(kept, { 'tokenizer.json': 3 })).toEqual({
      'config.json': 1,
      'model.safetensors': 2,
      'tokenizer.json': 3,
    });
    expect(mergeFileSets(kept, { 'model.safetensors': 9 })).toEqual({ 'config.json': 1, 'model.safetensors': 9 });
    expect(mergeFileSets(kept, { 'other/config.json': 5, 'tokenizer.json': 6 })).toEqual({
      'other/config.json': 5,
      'tokenizer.json': 6,
    });
    expect(mergeFileSets(undefined, { 'tokenizer.json': 3 })).toEqual({ 'tokenizer.json': 3 });
  });

  it('finds the folder name and normalises base URLs', () => {
    expect(folderOf(['gpt2/config.json', 'gpt2/model.safetensors'])).toBe('gpt2');
    expect(folderOf(['config.json', 'model.safetensors'])).toBeUndefined();
    expect(folderOf(['a/config.json', 'b/model.safetensors'])).toBeUndefined();
    expect(normalizeBaseUrl('https://huggingface.co/gpt2/resolve/main')).toBe(
      'https://huggingface.co/gpt2/resolve/main/',
    );
    expect(normalizeBaseUrl('https://huggingface.co/roneneldan/TinyStories-1M/tree/main')).toBe(
      'https://huggingface.co/roneneldan/TinyStories-1M/resolve/main/',
    );
    expect(normalizeBaseUrl('https://huggingface.co/gpt2/blob/main/config.json')).toBe(
      'https://huggingface.co/gpt2/resolve/main/',
    );
    expect(normalizeBaseUrl('/models/tiny/')).toBe('/models/tiny/');
    expect(() => normalizeBaseUrl('gpt2')).toThrow(/not a URL/);
  });
});
