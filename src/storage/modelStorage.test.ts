import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { tinyHfCheckpoint } from '../core/hf/testing/hfFixtures';
import { tinySmolLM2 } from '../core/hf/testing/tinySmolLM2';
import type { HfModelDescription } from '../core/hf/modelDescription';
import { GPT_PRESETS } from '../core/model/config';
import {
  defaultModelName,
  deleteModel,
  listModels,
  loadModelFiles,
  loadTokenizerFiles,
  modelKeys,
  newModelId,
  saveModel,
  splitModelFiles,
  toStoredFiles,
  totalBytes,
  updateModelMeta,
  type StoredModelMeta,
} from './modelStorage';
import { openStudioDB } from './db';
import { emptyStudioDB, putRaw } from './testing/studioDB';

/** A GPT-Neo folder without `_name_or_path`, as the worker describes it (its whole description is tested there). */
function neoDescription(): HfModelDescription {
  return {
    architecture: 'gpt_neo',
    config: { ...GPT_PRESETS.micro, layers: 2, width: 16, vocabSize: 64 },
    positions: 32,
    parameters: 0,
    tokenizer: { file: 'tokenizer.json', vocabSize: 64, endOfText: '<|endoftext|>' },
    weightFiles: ['model.safetensors'],
    storedDtypes: { F32: 1 },
    notes: [],
  };
}

describe('modelStorage helpers', () => {
  it('stores base names, text as UTF-8 and views as exact-length buffers', () => {
    const big = new Uint8Array(100);
    const view = big.subarray(10, 20);
    view.fill(7);
    const stored = toStoredFiles({
      'gpt2/config.json': '{"a":"é"}',
      'gpt2/model.safetensors': view,
      'merges.txt': new Uint8Array([1, 2]).buffer,
    });
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
    const d = neoDescription();
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

describe('imported models in IndexedDB', () => {
  const files = toStoredFiles(tinyHfCheckpoint({ architecture: 'gpt2' }).files);
  const meta = (id: string, importedAt: number): StoredModelMeta => ({
    kind: 'meta',
    id,
    name: `model ${id}`,
    importedAt,
    origin: 'files',
    description: neoDescription(),
    fileSizes: Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, bytes.byteLength])),
    fingerprint: `fp-${id}`,
    prune: true,
  });
  const bytesOf = (folder: Record<string, ArrayBuffer>) =>
    Object.fromEntries(Object.entries(folder).map(([name, bytes]) => [name, [...new Uint8Array(bytes)]]));

  beforeEach(emptyStudioDB);

  it('are listed by their small entry, oldest first, and read back whole, byte for byte', async () => {
    await saveModel(meta('b', 20), files);
    await saveModel(meta('a', 10), files);
    expect(await listModels()).toEqual([meta('a', 10), meta('b', 20)]);
    const loaded = await loadModelFiles('a');
    expect(loaded?.meta).toEqual(meta('a', 10));
    expect(bytesOf(loaded!.files)).toEqual(bytesOf(files));
  });

  it('give the tokenizer files alone, without the weights', async () => {
    await saveModel(meta('a', 10), files);
    const tokenizer = await loadTokenizerFiles('a');
    expect(Object.keys(tokenizer!).sort()).toEqual(['merges.txt', 'tokenizer.json', 'vocab.json']);
    expect(await loadTokenizerFiles('b')).toBeUndefined();
  });

  it("give a chat model's tokenizer with its config and chat template; one stored before they were kept there too", async () => {
    const smol = toStoredFiles(tinySmolLM2().files);
    const { tokenizer } = splitModelFiles(smol);
    expect(Object.keys(tokenizer).sort()).toEqual(['tokenizer.json', 'tokenizer_config.json']);
    await saveModel(meta('s', 30), smol);
    expect(Object.keys((await loadTokenizerFiles('s'))!).sort()).toEqual(['tokenizer.json', 'tokenizer_config.json']);
    // the old layout: only tokenizer.json with the tokenizer, the config with the weights
    const db = await openStudioDB();
    const keys = modelKeys('s');
    await db.put(
      'models',
      { kind: 'files', id: 's', files: { 'tokenizer.json': smol['tokenizer.json']! } },
      keys.tokenizer,
    );
    const { 'tokenizer.json': _json, ...rest } = smol;
    await db.put('models', { kind: 'files', id: 's', files: rest }, keys.files);
    const old = await loadTokenizerFiles('s');
    expect(Object.keys(old!).sort()).toEqual(['tokenizer.json', 'tokenizer_config.json']);
    expect(bytesOf(old!)['tokenizer_config.json']).toEqual(bytesOf(smol)['tokenizer_config.json']);
  });

  it('keep changed settings', async () => {
    await saveModel(meta('a', 10), files);
    await updateModelMeta({ ...meta('a', 10), name: 'renamed', prune: false, maxContext: 16 });
    expect(await listModels()).toEqual([{ ...meta('a', 10), name: 'renamed', prune: false, maxContext: 16 }]);
  });

  it('reads as not there, rather than as half a model, when a part is missing or of the wrong kind', async () => {
    await saveModel(meta('a', 10), files);
    await saveModel(meta('b', 20), files);
    await putRaw('models', { kind: 'meta', id: 'a' }, modelKeys('a').files);
    await (await openStudioDB()).delete('models', modelKeys('b').tokenizer);
    expect(await loadModelFiles('a')).toBeUndefined();
    expect(await loadModelFiles('b')).toBeUndefined();
    expect(await loadModelFiles('nothing')).toBeUndefined();
  });

  it('are gone, every part, once deleted; another model stays', async () => {
    await saveModel(meta('a', 10), files);
    await saveModel(meta('b', 20), files);
    await deleteModel('a');
    expect((await listModels()).map((m) => m.id)).toEqual(['b']);
    expect(await loadModelFiles('a')).toBeUndefined();
    expect(await loadTokenizerFiles('a')).toBeUndefined();
    expect((await loadModelFiles('b'))?.meta.id).toBe('b');
  });
});
