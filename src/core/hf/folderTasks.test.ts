import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import { saveCheckpoint } from '../model/checkpoint';
import { disposeGptCaches, disposeGptParams } from '../model/gpt';
import { parseSafetensors } from '../model/safetensors';
import { tinyHfCheckpoint, tinyTokenizerFiles, type TinyHfSpec } from './testing/hfFixtures';
import { tinySmolLM2 } from './testing/tinySmolLM2';
import { PrunedTokenizer } from '../tokenizer/bpePruned';
import { countPrunedVocabulary, describeHfFolder, problemOf } from './describeFolder';
import { exportRunAsHf } from './exportRun';
import { trainingTexts } from '../text/trainingTexts';
import { loadModelSource } from '../train/modelSource';
import { planVocabPruning } from '../model/vocabPruning';
import { bpeFromTokenizerJson } from '../tokenizer/bpeFromFiles';

beforeAll(async () => {
  await setNodeBackend('cpu');
});
afterAll(() => disposeGptCaches());

const records = [
  { instruction: 'Name the animal', input: 'the cat and the dog', output: 'the cat' },
  { instruction: 'Say hi', input: '', output: 'hi there' },
];

/** The problem an import of `files` reports. */
function problem(files: Record<string, Uint8Array | string>) {
  try {
    describeHfFolder(files);
  } catch (error) {
    return problemOf(error);
  }
  throw new Error('expected the import to fail');
}

describe('describeHfFolder', () => {
  it('describes a GPT-2 folder: shape, tokenizer, skipped buffers, widened dtypes', () => {
    const fx = tinyHfCheckpoint({ architecture: 'gpt2', dtype: 'F16', positions: 32 });
    const d = describeHfFolder(fx.files);
    expect(d.architecture).toBe('gpt2');
    expect(d.config).toMatchObject({ layers: 2, width: 16, heads: 2, vocabSize: 277, contextLength: 32 });
    expect(d.positions).toBe(32);
    expect(d.tokenizer).toEqual({ file: 'tokenizer.json', vocabSize: 277, endOfText: '<|endoftext|>' });
    expect(d.weightFiles).toEqual(['model.safetensors']);
    expect(d.parameters).toBeGreaterThan(277 * 16);
    expect(d.notes.join(' ')).toMatch(/Skipped 4 attention-mask buffers/);
    expect(d.notes.join(' ')).toMatch(/F16 were widened/);
  });

  it('describes a GPT-Neo folder with vocab.json + merges.txt and caps the context at the local window', () => {
    const fx = tinyHfCheckpoint({ architecture: 'gpt_neo', positions: 32, windowSize: 8 });
    const { 'tokenizer.json': _json, ...files } = fx.files;
    const d = describeHfFolder(files);
    expect(d.architecture).toBe('gpt_neo');
    expect(d.config).toMatchObject({ contextLength: 8, attentionScale: 'none' });
    expect(d.positions).toBe(32);
    expect(d.tokenizer.file).toBe('vocab.json + merges.txt');
    expect(d.notes.join(' ')).toMatch(/capped at 8/);
  });

  it("says where a model's own chat template is, and that a folder without one has none", () => {
    const smol = tinySmolLM2().files;
    expect(describeHfFolder(smol).chatTemplate).toBe('tokenizer_config.json chat_template');
    expect(describeHfFolder({ ...smol, 'chat_template.jinja': '{{ messages }}' }).chatTemplate).toBe(
      'chat_template.jinja',
    );
    const config = JSON.parse(smol['tokenizer_config.json'] as string) as Record<string, unknown>;
    delete config.chat_template;
    expect(describeHfFolder({ ...smol, 'tokenizer_config.json': JSON.stringify(config) }).chatTemplate).toBeUndefined();
    expect(describeHfFolder(tinyHfCheckpoint({ architecture: 'gpt2' }).files).chatTemplate).toBeUndefined();
  });

  it('reads sharded weights with their index', () => {
    const fx = tinyHfCheckpoint({ architecture: 'gpt2', shards: 3 });
    expect(describeHfFolder(fx.files).weightFiles).toHaveLength(3);
  });

  it('names the file at fault for every kind of bad input', () => {
    const fx = tinyHfCheckpoint({ architecture: 'gpt2' });
    const { 'config.json': _config, ...noConfig } = fx.files;
    expect(problem(noConfig)).toMatchObject({ file: 'config.json', message: expect.stringMatching(/not provided/) });

    const weights = fx.files['model.safetensors'] as Uint8Array;
    expect(problem({ ...fx.files, 'model.safetensors': weights.subarray(0, weights.length - 100) })).toMatchObject({
      file: 'model.safetensors',
      message: expect.stringMatching(/truncated/),
    });

    const mistral = JSON.stringify({ ...fx.configJson, model_type: 'mistral', architectures: ['MistralForCausalLM'] });
    expect(problem({ ...fx.files, 'config.json': mistral })).toMatchObject({
      file: 'config.json',
      message: expect.stringMatching(/not supported/),
    });

    const wider = JSON.stringify({ ...fx.configJson, n_embd: 32 });
    expect(problem({ ...fx.files, 'config.json': wider })).toMatchObject({
      file: 'model.safetensors',
      message: expect.stringMatching(/shape/),
    });

    // A tokenizer with more ids than the model has rows does not belong to it.
    const small = tinyHfCheckpoint({ architecture: 'gpt2', vocabSize: 270, noTokenizer: true });
    expect(problem({ ...small.files, ...tinyTokenizerFiles().files })).toMatchObject({
      file: 'tokenizer.json',
      message: expect.stringMatching(/does not belong/),
    });

    const { 'merges.txt': _merges, 'tokenizer.json': _tok, ...halfTokenizer } = fx.files;
    expect(problem(halfTokenizer)).toMatchObject({ file: 'merges.txt' });
  });
});

describe('trainingTexts and pruning counts', () => {
  it('cuts records exactly as the paper template encodes them: the response joined to its prompt, and the prompt alone', () => {
    expect(trainingTexts(records, 'paper')).toEqual([
      'User: Name the animal\nthe cat and the dog',
      '\nAssistant: the cat',
      '\nAssistant: ',
      'User: Say hi',
      '\nAssistant: hi there',
      '\nAssistant: ',
    ]);
  });

  it('counts the ids pruning keeps: the bytes, the specials and the merged tokens the texts use', () => {
    const fx = tinyHfCheckpoint({ architecture: 'gpt2' });
    const count = countPrunedVocabulary({ 'tokenizer.json': fx.files['tokenizer.json']! }, records);
    expect(count.originalTokens).toBe(277);
    expect(count.keptTokens).toBeGreaterThan(257);
    expect(count.keptTokens).toBeLessThan(277);
    expect(count.keptTokens).toBe(
      planVocabPruning(bpeFromTokenizerJson(fx.files['tokenizer.json']!), trainingTexts(records, 'paper')).keep.length,
    );
  });

  it("counts what a run in a chat template keeps: the template's special tokens and text too, as the run prunes", async () => {
    const smol = tinySmolLM2().files;
    const tokenizerFiles = {
      'tokenizer.json': smol['tokenizer.json']!,
      'tokenizer_config.json': smol['tokenizer_config.json']!,
    };
    const paper = countPrunedVocabulary(tokenizerFiles, records);
    for (const template of [{ chat: 'model' }, { chat: 'chatml' }] as const) {
      const count = countPrunedVocabulary(tokenizerFiles, records, template);
      // the model's own writes SmolLM's default system prompt: more pieces than the studio's template needs
      if (template.chat === 'model') expect(count.keptTokens).toBeGreaterThan(paper.keptTokens);
      const files = Object.fromEntries(
        Object.entries(smol).map(([n, c]) => [
          n,
          (typeof c === 'string' ? new TextEncoder().encode(c) : c).slice().buffer,
        ]),
      );
      const loaded = await loadModelSource({ kind: 'hf', files, prune: true, name: 'smol' }, [], {
        records: records as never,
        run: { hyper: { batchSize: 2, gradAccumulation: 1 } as never, contextLength: 0, template },
      });
      expect(count.keptTokens, template.chat).toBe(loaded.config.vocabSize);
      disposeGptParams(loaded.params);
    }
    expect(() =>
      countPrunedVocabulary({ 'tokenizer.json': smol['tokenizer.json']! }, records, { chat: 'model' }),
    ).toThrow(/ships no chat template/);
  });
});

describe('exportRunAsHf', () => {
  /** Load as a run would (pruned), move some weights as training would, and checkpoint. */
  async function trainedCheckpoint(spec: TinyHfSpec, prune: boolean) {
    const fx = tinyHfCheckpoint(spec);
    const files = Object.fromEntries(
      Object.entries(fx.files).map(([n, c]) => [
        n,
        (typeof c === 'string' ? new TextEncoder().encode(c) : c).slice().buffer,
      ]),
    );
    const loaded = await loadModelSource({ kind: 'hf', files, prune, name: 'tiny' }, [], {
      records: records as never,
      run: { hyper: { batchSize: 2, gradAccumulation: 1 } as never, contextLength: 0, template: 'paper' },
    });
    tf.tidy(() => {
      loaded.params.wte!.assign(tf.add(loaded.params.wte!, 0.25));
      loaded.params['h.0.mlp.c_fc.weight']!.assign(tf.mul(loaded.params['h.0.mlp.c_fc.weight']!, 2));
    });
    const bytes = saveCheckpoint({ config: loaded.config, tokenizer: loaded.tokenizer, params: loaded.params });
    disposeGptParams(loaded.params);
    return { fx, files, bytes, loaded };
  }

  it('GPT-2, pruned: original names, prefix and shapes; trained rows written back, the other rows untouched', async () => {
    const { fx, files, bytes, loaded } = await trainedCheckpoint({ architecture: 'gpt2', positions: 32 }, true);
    expect(loaded.tokenizer).toBeInstanceOf(PrunedTokenizer);
    expect(loaded.config.vocabSize).toBeLessThan(277);
    expect(loaded.notes.join(' ')).toMatch(/Vocabulary pruned to the \d+ of 277 tokens/);

    const out = exportRunAsHf(files, new Uint8Array(bytes));
    expect(Object.keys(out.files).sort()).toEqual([
      'config.json',
      'merges.txt',
      'model.safetensors',
      'tokenizer.json',
      'tokenizer_config.json',
      'vocab.json',
    ]);
    const st = parseSafetensors(out.files['model.safetensors'] as Uint8Array);
    const weights = Object.keys(fx.tensors).sort();
    expect(st.entries.map((e) => e.name).sort()).toEqual(weights);
    for (const name of weights) expect(st.entry(name).shape).toEqual(fx.tensors[name]!.shape);

    const keep = new Set((loaded.tokenizer as PrunedTokenizer).keep());
    const wte = st.read('transformer.wte.weight').data;
    const original = fx.tensors['transformer.wte.weight']!.data;
    for (let id = 0; id < 277; id++) {
      for (let c = 0; c < 16; c++) {
        const i = id * 16 + c;
        expect(wte[i]).toBeCloseTo(keep.has(id) ? original[i]! + 0.25 : original[i]!, 6);
      }
    }
    const fc = st.read('transformer.h.0.mlp.c_fc.weight').data;
    fc.forEach((v, i) => expect(v).toBeCloseTo(2 * fx.tensors['transformer.h.0.mlp.c_fc.weight']!.data[i]!, 5));
    expect(st.read('transformer.h.1.attn.c_attn.weight').data).toEqual(
      fx.tensors['transformer.h.1.attn.c_attn.weight']!.data,
    );
    expect(JSON.parse(out.files['config.json'] as string)).toMatchObject({
      model_type: 'gpt2',
      vocab_size: 277,
      n_positions: 32,
    });
    expect(out.notes.join(' ')).toMatch(/written back into the full 277-token table/);
  });

  it('GPT-Neo, not pruned: q/k/v and [out, in] layout back exactly, the positions past the window kept', async () => {
    const { fx, files, bytes, loaded } = await trainedCheckpoint(
      { architecture: 'gpt_neo', positions: 32, windowSize: 8, prefix: false },
      false,
    );
    expect(loaded.config).toMatchObject({ vocabSize: 277, contextLength: 8, attentionScale: 'none' });
    const st = parseSafetensors(exportRunAsHf(files, new Uint8Array(bytes)).files['model.safetensors'] as Uint8Array);
    expect(st.entries.map((e) => e.name).sort()).toEqual(Object.keys(fx.tensors).sort());
    for (const name of [
      'h.1.attn.attention.q_proj.weight',
      'h.0.attn.attention.out_proj.weight',
      'wpe.weight',
      'h.1.mlp.c_proj.weight',
    ]) {
      expect(st.read(name).data).toEqual(fx.tensors[name]!.data);
    }
    const fc = st.read('h.0.mlp.c_fc.weight');
    expect(fc.shape).toEqual([64, 16]);
    fc.data.forEach((v, i) => expect(v).toBeCloseTo(2 * fx.tensors['h.0.mlp.c_fc.weight']!.data[i]!, 5));
  });

  it('refuses a checkpoint of another model', async () => {
    const { bytes } = await trainedCheckpoint({ architecture: 'gpt2' }, true);
    const other = tinyHfCheckpoint({ architecture: 'gpt2', width: 32, heads: 4 });
    expect(() => exportRunAsHf(other.files, new Uint8Array(bytes))).toThrow(/does not come from this model/);
  });
});
