import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint, saveCheckpoint } from '../model/checkpoint';
import { disposeGptCaches, disposeGptParams } from '../model/gpt';
import { addLoraAdapters, type LoraSettings } from '../model/lora';
import { paramsFromArrays } from '../model/paramArrays';
import { pruneVocabulary } from '../model/vocabPruning';
import { setNodeBackend } from '../kernels/nodeBackends';
import { PrunedTokenizer } from '../tokenizer/bpePruned';
import { HfTokenizer } from '../tokenizer/hfTokenizer';
import { exportRunAsHf, exportRunAsPeft } from './exportRun';
import { asText, HfImportError } from './files';
import { importHfFolder } from './importModel';
import { PEFT_CONFIG_FILE } from './peftAdapter';
import { SMOL_CHAT_TEMPLATE, tinySmolLM2 } from './testing/tinySmolLM2';
import { importHfTokenizer } from './tokenizerFiles';

beforeAll(async () => {
  await setNodeBackend('cpu');
});
afterAll(() => disposeGptCaches());

const fx = tinySmolLM2();
const text = (c: Uint8Array | string | undefined) => (c === undefined ? undefined : asText(c));

describe("a Llama-family model's own tokenizer", () => {
  it('is its tokenizer.json through HfTokenizer, with the specials tokenizer_config.json names (BOS ≠ EOS)', () => {
    const { tokenizer } = importHfFolder(fx.files);
    expect(tokenizer).toBeInstanceOf(HfTokenizer);
    expect([tokenizer.bosId, tokenizer.eosId, tokenizer.vocabSize]).toEqual([1, 2, fx.vocabSize]);
    const hf = tokenizer as HfTokenizer;
    expect(hf.encodeWithSpecialTokens('<|im_start|>user\nhi<|im_end|>').slice(0, 1)).toEqual([1]);
  });

  it("falls back to config.json's ids without tokenizer_config.json, and is refused when it is not the model's", () => {
    const { 'tokenizer_config.json': _c, ...bare } = fx.files;
    const { config, source } = importHfFolder(fx.files);
    const { tokenizer } = importHfTokenizer(bare, config, source.configJson);
    expect([tokenizer.bosId, tokenizer.eosId]).toEqual([1, 2]);
    expect(() => importHfTokenizer(fx.files, { ...config, vocabSize: 100 })).toThrow(
      /tokenizer\.json: has 279 token ids but the model's token table has 100 rows/,
    );
    const { 'tokenizer.json': _t, ...none } = fx.files;
    expect(() => importHfTokenizer(none, config)).toThrow(HfImportError);
  });
});

describe('a LoRA run of a SmolLM2-shaped model, checkpointed and exported', () => {
  const lora: LoraSettings = {
    rank: 2,
    alpha: 4,
    targets: ['attn.q_proj', 'attn.v_proj', 'mlp.down_proj'],
    biases: false,
    layerNorms: false,
  };
  const imported = importHfFolder(fx.files);
  // As a run keeps it: the vocabulary pruned to its data, the tokenizer wrapped with the pruning record.
  const pruned = pruneVocabulary(imported, ['User: hello\nAssistant: hi there']);
  let bytes: Uint8Array;
  beforeAll(() => {
    const params = addLoraAdapters(pruned.config, paramsFromArrays(pruned.config, pruned.params), lora, 1);
    tf.tidy(() => {
      for (const [name, v] of Object.entries(params))
        if (name.endsWith('lora_B.weight')) v.assign(tf.randomNormal(v.shape, 0, 0.3, 'float32', 7));
    });
    bytes = saveCheckpoint({ config: pruned.config, tokenizer: pruned.tokenizer, params });
    disposeGptParams(params);
  });

  it('the checkpoint keeps the family spec and the model tokenizer (restored as kind hf)', () => {
    const back = loadCheckpoint(bytes);
    expect(back.config).toMatchObject({ positions: 'rope', attention: 'grouped', kvHeads: 2, head: 'tied' });
    expect(back.tokenizer).toBeInstanceOf(PrunedTokenizer);
    expect((back.tokenizer as PrunedTokenizer).base.kind).toBe('hf');
    expect(back.tokenizer.encode('User: hello')).toEqual(pruned.tokenizer.encode('User: hello'));
    disposeGptParams(back.params);
  });

  it('the merged folder is llama with the full vocabulary and carries tokenizer, chat template and stop tokens', () => {
    const out = exportRunAsHf(fx.files, bytes);
    expect(Object.keys(out.files).sort()).toEqual([
      'config.json',
      'generation_config.json',
      'model.safetensors',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    expect(JSON.parse(text(out.files['config.json'])!)).toMatchObject({ model_type: 'llama', vocab_size: 279 });
    expect(text(out.files['tokenizer.json'])).toBe(fx.files['tokenizer.json']);
    expect(JSON.parse(text(out.files['tokenizer_config.json'])!).chat_template).toBe(SMOL_CHAT_TEMPLATE);
    expect(out.notes.join(' ')).not.toMatch(/no tokenizer files/);
    const back = importHfFolder(out.files);
    expect(back.config.vocabSize).toBe(279);
    expect(back.tokenizer.encode('User: hello')).toEqual(imported.tokenizer.encode('User: hello'));
  });

  it("the peft folder names peft's modules and carries the same tokenizer files", () => {
    const out = exportRunAsPeft(fx.files, bytes, 'test-org/SmolLM2-tiny-Instruct');
    expect(JSON.parse(text(out.files[PEFT_CONFIG_FILE])!)).toMatchObject({
      base_model_name_or_path: 'test-org/SmolLM2-tiny-Instruct',
      target_modules: ['q_proj', 'v_proj', 'down_proj'],
    });
    for (const name of ['tokenizer.json', 'tokenizer_config.json', 'generation_config.json'])
      expect(text(out.files[name]), name).toBe(text(fx.files[name]));
  });
});
