import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import { bpeFromTokenizerJson, bpeFromVocabMerges } from '../tokenizer/bpeFromFiles';
import { CharTokenizer } from '../tokenizer/charTokenizer';
import { mulberry32 } from '../util/random';
import { disposeGptCaches, disposeGptParams, initGptParams } from '../model/gpt';
import { gptConfigFromPreset } from '../model/config';
import { HfExportError, exportHfModel } from './exportModel';
import { readParams } from '../model/paramArrays';
import { importHfFolder, importHfModel } from './importModel';
import { parseSafetensors } from '../model/safetensors';
import { tinyHfCheckpoint, type TinyHfSpec } from './testing/hfFixtures';
import { hfLogits, type HfTensor } from './testing/hfReference';
import { importedLogits, maxAbsDiff } from './testing/importedLogits';

beforeAll(async () => {
  await setNodeBackend('cpu');
});
afterAll(() => disposeGptCaches());

/** Every tensor of an exported model.safetensors, by name. */
function readAll(bytes: Uint8Array): Record<string, HfTensor> {
  const st = parseSafetensors(bytes);
  return Object.fromEntries(st.entries.map((e) => [e.name, { shape: e.shape, data: st.read(e.name).data }]));
}

describe('load → export → load', () => {
  const specs: [string, TinyHfSpec][] = [
    ['GPT-2 with prefix, buffers and lm_head', { architecture: 'gpt2', lmHead: true }],
    ['GPT-2 without prefix, F16, context capped', { architecture: 'gpt2', prefix: false, dtype: 'F16', seed: 3 }],
    ['GPT-2 sharded BF16', { architecture: 'gpt2', shards: 2, dtype: 'BF16', seed: 4 }],
    ['GPT-Neo (context capped at the window)', { architecture: 'gpt_neo', seed: 5 }],
    ['GPT-Neo BF16 with lm_head', { architecture: 'gpt_neo', dtype: 'BF16', lmHead: true, seed: 6 }],
  ];

  it.each(specs)('%s: identical tensors, original names and layout, same config but torch_dtype', (label, spec) => {
    const fx = tinyHfCheckpoint(spec);
    const first = importHfFolder(fx.files, label.includes('capped') ? { maxContext: 9 } : {});
    const out = exportHfModel({
      config: first.config,
      params: first.params,
      source: first.source,
      tokenizer: first.tokenizer,
    });
    expect(Object.keys(out.files).sort()).toEqual([
      'config.json',
      'merges.txt',
      'model.safetensors',
      'tokenizer.json',
      'tokenizer_config.json',
      'vocab.json',
    ]);

    // The exported file holds exactly the checkpoint's weights (buffers left out), same names, shapes and values.
    const exported = readAll(out.files['model.safetensors'] as Uint8Array);
    expect(Object.keys(exported).sort()).toEqual(Object.keys(fx.tensors).sort());
    for (const [name, t] of Object.entries(fx.tensors)) {
      expect(exported[name]!.shape, name).toEqual(t.shape);
      expect(exported[name]!.data, name).toEqual(t.data);
    }
    expect(parseSafetensors(out.files['model.safetensors'] as Uint8Array).metadata).toEqual({ format: 'pt' });

    const config = JSON.parse(out.files['config.json'] as string);
    expect(config).toEqual({ ...fx.configJson, torch_dtype: 'float32' });

    // And it imports back to the same parameters.
    const second = importHfFolder(out.files, label.includes('capped') ? { maxContext: 9 } : {});
    expect(second.config).toEqual(first.config);
    for (const [name, data] of Object.entries(first.params)) expect(second.params[name], name).toEqual(data);
    expect(second.source.wpeTail).toEqual(first.source.wpeTail);
    expect(second.tokenizer.toJSON()).toEqual(first.tokenizer.toJSON());
  });

  it('the exported tokenizer files load as tokenizer.json and as vocab.json + merges.txt', () => {
    const fx = tinyHfCheckpoint({ architecture: 'gpt2' });
    const first = importHfFolder(fx.files);
    const out = exportHfModel({
      config: first.config,
      params: first.params,
      source: first.source,
      tokenizer: first.tokenizer,
    });
    const text = ' the cat and the dog<|endoftext|>wat';
    expect(bpeFromTokenizerJson(out.files['tokenizer.json'] as string).encode(text)).toEqual(
      first.tokenizer.encode(text),
    );
    expect(
      bpeFromVocabMerges(out.files['vocab.json'] as string, out.files['merges.txt'] as string).encode(text),
    ).toEqual(first.tokenizer.encode(text));
    expect(JSON.parse(out.files['tokenizer_config.json'] as string)).toMatchObject({
      eos_token: '<|endoftext|>',
      model_max_length: 16,
    });
  });
});

describe('exporting trained parameters', () => {
  // A checkpoint from before the qkvBias switch (absent = true) holds a fused c_attn bias for GPT-Neo.
  it('GPT-Neo, an old checkpoint with a q/k/v bias: a trained key bias is dropped and the value bias folded into out_proj exactly', () => {
    const fx = tinyHfCheckpoint({ architecture: 'gpt_neo', seed: 21 });
    const imported = importHfModel(fx.files);
    const { qkvBias: _none, ...oldConfig } = imported.config;
    const next = mulberry32(3);
    const params = { ...imported.params };
    for (const i of [0, 1]) {
      // q part stays 0; k and v parts get a trained-looking bias.
      params[`h.${i}.attn.c_attn.bias`] = Float32Array.from({ length: 48 }, (_, j) =>
        j < 16 ? 0 : (next() - 0.5) * 0.6,
      );
    }
    const trained = { config: oldConfig, params };
    const out = exportHfModel({ ...trained, source: imported.source });
    expect(out.notes.join(' ')).not.toMatch(/query bias/);
    const ids = [259, 5, 270, 71, 200, 12, 276, 3];
    const reference = hfLogits(
      JSON.parse(out.files['config.json'] as string),
      readAll(out.files['model.safetensors'] as Uint8Array),
      ids,
    );
    expect(maxAbsDiff(importedLogits(trained, ids), reference)).toBeLessThan(1e-4);
    // Before folding the outputs did differ from the untrained model, so the fold did something.
    expect(maxAbsDiff(importedLogits(imported, ids), reference)).toBeGreaterThan(1e-3);
  });

  it('GPT-Neo, an old checkpoint with a q/k/v bias: a trained query bias cannot be expressed and is reported', () => {
    const fx = tinyHfCheckpoint({ architecture: 'gpt_neo' });
    const imported = importHfModel(fx.files);
    const bias = new Float32Array(48);
    bias[3] = 0.25;
    const { qkvBias: _none, ...oldConfig } = imported.config;
    const out = exportHfModel({
      config: oldConfig,
      params: { ...imported.params, 'h.0.attn.c_attn.bias': bias, 'h.1.attn.c_attn.bias': new Float32Array(48) },
      source: imported.source,
    });
    expect(out.notes.join(' ')).toMatch(/no query bias: the trained one \(max \|b_q\| 2\.50e-1\) is dropped/);
  });

  it('reads trained tf.Variables back, and exports our own model (no source) as GPT-2 that imports to the same logits', async () => {
    const config = gptConfigFromPreset('micro', 40);
    const vars = initGptParams(config, 7);
    const params = await readParams(vars);
    disposeGptParams(vars);
    const tokenizer = CharTokenizer.fromTexts(['abcdefghijklmnopqrstuvwxyz .,!?0123456789']);
    const out = exportHfModel({ config, params, tokenizer });
    expect(out.notes.join(' ')).toMatch(/char tokenizer has no Hugging Face format/);
    const cfg = JSON.parse(out.files['config.json'] as string);
    expect(cfg).toMatchObject({
      model_type: 'gpt2',
      n_embd: 32,
      n_layer: 2,
      n_head: 2,
      n_positions: 32,
      vocab_size: 40,
      eos_token_id: 2,
    });
    const back = importHfModel(out.files);
    expect(back.config).toEqual(config);
    const ids = [1, 5, 9, 30, 2, 17];
    const reference = hfLogits(cfg, readAll(out.files['model.safetensors'] as Uint8Array), ids);
    expect(maxAbsDiff(importedLogits({ config, params }, ids), reference)).toBeLessThan(1e-4);
  });

  it('refuses a pruned vocabulary and mismatched parameters', () => {
    const fx = tinyHfCheckpoint({ architecture: 'gpt2' });
    const imported = importHfModel(fx.files);
    const pruned = { ...imported.config, vocabSize: 100 };
    const params = { ...imported.params, wte: imported.params.wte!.slice(0, 100 * 16) };
    expect(() => exportHfModel({ config: pruned, params, source: imported.source })).toThrow(HfExportError);
    expect(() => exportHfModel({ config: pruned, params, source: imported.source })).toThrow(/unpruneParams/);
    const missing = { ...imported.params };
    delete missing['h.1.ln_2.bias'];
    expect(() => exportHfModel({ config: imported.config, params: missing, source: imported.source })).toThrow(
      /"h\.1\.ln_2\.bias" is missing/,
    );
  });
});
