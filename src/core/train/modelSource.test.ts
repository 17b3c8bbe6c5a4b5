import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import { disposeGptCaches, disposeGptParams, gptLogits } from '../model/gpt';
import { tinyHfCheckpoint, type TinyHfSpec } from '../hf/testing/hfFixtures';
import { DEFAULT_TRAIN_SETTINGS } from '../runs/settings';
import { encodeExample } from '../text/template';
import { loadModelSource, type LoadContext } from './modelSource';

beforeAll(async () => {
  await setNodeBackend('cpu');
});
afterAll(() => disposeGptCaches());

const records = [
  { id: '1', instruction: 'Name the animal', input: 'the cat and the dog', output: 'the cat' },
  { id: '2', instruction: 'Say hi', input: '', output: 'hi there' },
];

function hfSource(spec: TinyHfSpec, prune: boolean, maxContext?: number) {
  const fx = tinyHfCheckpoint(spec);
  const files = Object.fromEntries(
    Object.entries(fx.files).map(([n, c]) => [
      n,
      (typeof c === 'string' ? new TextEncoder().encode(c) : c).slice().buffer,
    ]),
  );
  return { kind: 'hf' as const, files, prune, name: 'tiny-model', maxContext };
}

const context = (batchSize: number, adapter?: LoadContext['adapter']): LoadContext => ({
  adapter,
  records: records as never,
  run: { hyper: { ...DEFAULT_TRAIN_SETTINGS.hyper, batchSize }, contextLength: 0, template: 'paper' },
});

describe('loadModelSource: imported Hugging Face folders', () => {
  it.each([
    ['GPT-2', { architecture: 'gpt2', positions: 32 } as TinyHfSpec],
    ['GPT-Neo', { architecture: 'gpt_neo', positions: 32, windowSize: 16 } as TinyHfSpec],
  ])('%s loads pruned and unpruned; pruning keeps the logits of the kept ids', async (_, spec) => {
    const full = await loadModelSource(hfSource(spec, false), [], context(4));
    const pruned = await loadModelSource(hfSource(spec, true), [], context(4));
    expect(full.config.vocabSize).toBe(277);
    expect(pruned.config.vocabSize).toBeLessThan(277);
    expect(full.config.contextLength).toBe(spec.architecture === 'gpt2' ? 32 : 16);
    expect(full.notes[0]).toMatch(/Weights from tiny-model/);
    expect(pruned.notes.join(' ')).toMatch(/Vocabulary pruned to the \d+ of 277 tokens .* faster per step/);
    expect(full.notes.join(' ')).toMatch(/A training step needs about/);

    const text = 'the cat and the dog';
    const fullIds = full.tokenizer.encode(text);
    const prunedIds = pruned.tokenizer.encode(text);
    expect(prunedIds).toHaveLength(fullIds.length);
    const [a, b] = tf.tidy(() => [
      gptLogits(full.config, full.params, tf.tensor2d([fullIds], undefined, 'int32')).arraySync()[0]!,
      gptLogits(pruned.config, pruned.params, tf.tensor2d([prunedIds], undefined, 'int32')).arraySync()[0]!,
    ]);
    const keep = (pruned.tokenizer as unknown as { keep(): number[] }).keep();
    for (let t = 0; t < fullIds.length; t++) keep.forEach((orig, i) => expect(b[t]![i]).toBeCloseTo(a[t]![orig]!, 4));
    disposeGptParams(full.params);
    disposeGptParams(pruned.params);
  });

  it('caps the context as the import panel asks', async () => {
    const loaded = await loadModelSource(hfSource({ architecture: 'gpt2', positions: 32 }, true, 16), [], context(4));
    expect(loaded.config.contextLength).toBe(16);
    disposeGptParams(loaded.params);
  });

  it('fits the rows to the longest example, not to the model context, and checks memory for those rows', async () => {
    const loaded = await loadModelSource(hfSource({ architecture: 'gpt2', positions: 64 }, false), [], context(4));
    const longest = Math.max(...records.map((r) => encodeExample('paper', loaded.tokenizer, r).ids.length - 1));
    expect(loaded.config.contextLength).toBe(64);
    expect(loaded.rowLength).toBe(Math.ceil(longest / 8) * 8);
    expect(loaded.rowLength).toBeLessThan(64);
    disposeGptParams(loaded.params);
  });

  it('refuses what does not fit the adapter, with a smaller batch that does', async () => {
    // Logits [B·T, V] at B = 8, T = 32 and the full 277 ids: 283 KiB; the table, 17 KiB. A 64 KiB limit fits B = 1.
    const limits = { maxStorageBufferBindingSize: 64 * 1024, maxBufferSize: 1 << 30 };
    await expect(
      loadModelSource(hfSource({ architecture: 'gpt2', positions: 32 }, false), [], context(8, limits)),
    ).rejects.toThrow(/tiny-model does not fit this GPU at batch 8, context 32: .*logits .* It would fit at batch 1/);
    const roomy = await loadModelSource(
      hfSource({ architecture: 'gpt2', positions: 32 }, false),
      [],
      context(1, limits),
    );
    expect(roomy.notes.join(' ')).toMatch(/fits the adapter's limits/);
    disposeGptParams(roomy.params);
  });

  it('says which file is wrong, under the model name', async () => {
    const source = hfSource({ architecture: 'gpt2' }, true);
    delete source.files['config.json'];
    await expect(loadModelSource(source, [], context(4))).rejects.toThrow(
      /Could not load tiny-model: config.json: not provided/,
    );
  });
});
