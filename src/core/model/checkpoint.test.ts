import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import { CharTokenizer } from '../tokenizer/charTokenizer';
import {
  loadCheckpoint,
  readCheckpointInfo,
  saveCheckpoint,
  saveCheckpointAsync,
  type CheckpointInput,
} from './checkpoint';
import { gptConfigFromPreset } from './config';
import { disposeGptParams, gptLoss, initGptParams } from './gpt';
import { parseSafetensors, writeSafetensors } from './safetensors';

const tokenizer = CharTokenizer.fromTexts(['User: add 2 and 3\nAssistant: 5']);
const config = gptConfigFromPreset('micro', tokenizer.vocabSize, { contextLength: 8 });

function input(overrides: Partial<CheckpointInput> = {}): CheckpointInput {
  const params = initGptParams(config, 42);
  return {
    config,
    tokenizer,
    params,
    optimizerState: {
      'm.wte': tf.fill(params.wte!.shape, 0.25),
      'v.wte': tf.fill(params.wte!.shape, 0.5),
      step: tf.scalar(17, 'int32'),
    },
    cursor: { phase: 1, epoch: 0, step: 17, order: [3, 1, 2] },
    extraMeta: { runId: 'run-7', note: 'easy→hard' },
    ...overrides,
  };
}

/** A valid checkpoint's tensors and metadata, edited, written back. */
function tampered(
  edit: (tensors: Record<string, ReturnType<typeof toWrite>>, meta: Record<string, string>) => void,
): Uint8Array {
  const file = parseSafetensors(saveCheckpoint(input()));
  const tensors = Object.fromEntries(file.entries.map((e) => [e.name, toWrite(file.read(e.name))]));
  const meta = { ...file.metadata };
  edit(tensors, meta);
  return writeSafetensors(tensors, meta);
}

function toWrite(t: { dtype: 'float32' | 'int32'; shape: number[]; data: Float32Array | Int32Array }) {
  return t.dtype === 'int32'
    ? { dtype: 'I32' as const, shape: t.shape, data: t.data as Int32Array }
    : { dtype: 'F32' as const, shape: t.shape, data: t.data as Float32Array };
}

beforeAll(async () => {
  await setNodeBackend('cpu');
});

describe('checkpoint', () => {
  it('round-trips parameters, optimizer state, config, tokenizer, cursor and metadata', () => {
    const saved = input();
    const loaded = loadCheckpoint(saveCheckpoint(saved));
    expect(loaded.config).toEqual(config);
    expect(loaded.tokenizer.toJSON()).toEqual(tokenizer.toJSON());
    expect(loaded.cursor).toEqual({ phase: 1, epoch: 0, step: 17, order: [3, 1, 2] });
    expect(loaded.meta).toEqual({ runId: 'run-7', note: 'easy→hard' });
    expect(Object.keys(loaded.params)).toEqual(Object.keys(saved.params));
    for (const [name, v] of Object.entries(saved.params)) {
      expect(loaded.params[name]).toBeInstanceOf(tf.Variable);
      expect(loaded.params[name]!.trainable).toBe(true);
      expect(loaded.params[name]!.dataSync()).toEqual(v.dataSync());
    }
    expect(Object.keys(loaded.optimizerState!).sort()).toEqual(['m.wte', 'step', 'v.wte']);
    expect(loaded.optimizerState!.step!.dtype).toBe('int32');
    expect(loaded.optimizerState!.step!.dataSync()[0]).toBe(17);
    expect(loaded.optimizerState!['v.wte']!.dataSync()[5]).toBe(0.5);

    // Same model, same loss.
    const ids = tf.tensor2d([tokenizer.encode('add 2 ')], undefined, 'int32');
    const targets = tf.tensor2d([tokenizer.encode('dd 2 a')], undefined, 'int32');
    const mask = tf.ones([1, 6]) as tf.Tensor2D;
    const a = tf.tidy(() => gptLoss(config, saved.params as never, ids, targets, mask).dataSync()[0]);
    const b = tf.tidy(() => gptLoss(loaded.config, loaded.params, ids, targets, mask).dataSync()[0]);
    expect(b).toBe(a);
    disposeGptParams(loaded.params);
  });

  it('keeps qkvBias: a model without q/k/v bias round-trips without the parameter; a config without the field has it', () => {
    const noBias = { ...config, qkvBias: false };
    const params = initGptParams(noBias, 3);
    expect(params).not.toHaveProperty('h.0.attn.c_attn.bias');
    const loaded = loadCheckpoint(saveCheckpoint({ config: noBias, tokenizer, params }));
    expect(loaded.config.qkvBias).toBe(false);
    expect(Object.keys(loaded.params)).toEqual(Object.keys(params));
    disposeGptParams(loaded.params);
    disposeGptParams(params);
    // A checkpoint written before the switch has no qkvBias in its config and a c_attn bias: it loads as before.
    expect(config).not.toHaveProperty('qkvBias');
    const old = loadCheckpoint(saveCheckpoint(input()));
    expect(old.params).toHaveProperty('h.0.attn.c_attn.bias');
    disposeGptParams(old.params);
  });

  it('stores tensors under plain names an outside tool can read', () => {
    const file = parseSafetensors(saveCheckpoint(input()));
    const names = file.entries.map((e) => e.name);
    expect(names).toContain('h.1.attn.c_attn.weight');
    expect(names).toContain('optimizer.m.wte');
    expect(names).toContain('optimizer.step');
    expect(JSON.parse(file.metadata['studio.config']!)).toEqual(config);
  });

  it('writes the same bytes sync and async', async () => {
    const i = input();
    expect(await saveCheckpointAsync(i)).toEqual(saveCheckpoint(i));
  });

  it('saves without optimizer state or cursor', () => {
    const loaded = loadCheckpoint(
      saveCheckpoint(input({ optimizerState: undefined, cursor: undefined, extraMeta: undefined })),
    );
    expect(loaded.optimizerState).toBeUndefined();
    expect(loaded.cursor).toBeUndefined();
    expect(loaded.meta).toEqual({});
    disposeGptParams(loaded.params);
  });

  it('describes a checkpoint from its header alone, creating no tensor', () => {
    const bytes = saveCheckpoint(input());
    const before = tf.memory().numTensors;
    const info = readCheckpointInfo(bytes);
    expect(tf.memory().numTensors).toBe(before);
    expect(info.config).toEqual(config);
    expect(info.tokenizerJSON).toEqual(tokenizer.toJSON());
    expect(info.hasOptimizerState).toBe(true);
    expect(info.paramCount).toBe(Object.values(initGptParams(config, 0)).reduce((n, v) => n + v.size, 0));
    expect(info.meta.runId).toBe('run-7');
  });

  describe('refuses', () => {
    it('parameters that do not match the config', () => {
      const params = initGptParams(config, 1);
      const { 'h.1.ln_2.bias': _dropped, ...rest } = params;
      expect(() => saveCheckpoint(input({ params: rest }))).toThrow(/missing: h.1.ln_2.bias/);
      expect(() => saveCheckpoint(input({ params: { ...params, extra: tf.zeros([1]) } }))).toThrow(
        /not in the config: extra/,
      );
      expect(() => saveCheckpoint(input({ params: { ...params, wpe: tf.zeros([3, 3]) } }))).toThrow(
        /"wpe" has shape \[3,3\]/,
      );
    });

    it('reserved metadata keys and bool optimizer tensors', () => {
      expect(() => saveCheckpoint(input({ extraMeta: { 'studio.config': 'x' } }))).toThrow(/reserved/);
      expect(() => saveCheckpoint(input({ optimizerState: { flag: tf.tensor([true], [1], 'bool') } }))).toThrow(/bool/);
    });

    it('a safetensors file that is not a checkpoint', () => {
      const plain = writeSafetensors(
        { 'wte.weight': { dtype: 'F32', shape: [1], data: Float32Array.of(1) } },
        { format: 'pt' },
      );
      expect(() => loadCheckpoint(plain)).toThrow(/not a studio checkpoint.*import them as a pretrained model/);
    });

    it('another format version', () => {
      expect(() => loadCheckpoint(tampered((_, m) => (m['studio.checkpoint'] = '9')))).toThrow(
        /version 9; this build reads version 1/,
      );
    });

    it('a broken config or tokenizer', () => {
      expect(() => loadCheckpoint(tampered((_, m) => (m['studio.config'] = '{"layers": 2')))).toThrow(
        /model config .* not valid JSON/,
      );
      expect(() =>
        loadCheckpoint(tampered((_, m) => (m['studio.config'] = JSON.stringify({ ...config, heads: 5 })))),
      ).toThrow(/model config is invalid: .*not divisible by heads 5/);
      expect(() => loadCheckpoint(tampered((_, m) => delete m['studio.tokenizer']))).toThrow(/no tokenizer/);
      expect(() =>
        loadCheckpoint(tampered((_, m) => (m['studio.config'] = JSON.stringify({ ...config, vocabSize: 99 })))),
      ).toThrow(/tokenizer has \d+ tokens but the model config says vocabSize 99/);
    });

    it('missing, unexpected or misshapen tensors, creating no tensor', () => {
      const before = tf.memory().numTensors;
      const files = [
        tampered((t) => delete t['h.0.mlp.c_fc.bias']),
        tampered((t) => (t['h.2.ln_1.weight'] = { dtype: 'F32', shape: [1], data: Float32Array.of(1) })),
        tampered((t) => (t['ln_f.bias'] = { dtype: 'F32', shape: [2, 16], data: new Float32Array(32) })),
        tampered((t) => (t['ln_f.bias'] = { dtype: 'I32', shape: [32], data: new Int32Array(32) })),
      ];
      const created = tf.memory().numTensors - before; // the input() params behind each tampered file
      expect(() => loadCheckpoint(files[0]!)).toThrow(/missing: h.0.mlp.c_fc.bias/);
      expect(() => loadCheckpoint(files[1]!)).toThrow(/unexpected: h.2.ln_1.weight/);
      expect(() => loadCheckpoint(files[2]!)).toThrow(/"ln_f.bias" has shape \[2,16\] but the config says \[32\]/);
      expect(() => loadCheckpoint(files[3]!)).toThrow(/"ln_f.bias" is stored as I32/);
      expect(tf.memory().numTensors - before).toBe(created);
    });
  });
});

describe('checkpoint: non-finite values', () => {
  it('refuses NaN or Infinity in a parameter or a moment, naming the tensor and the element, and leaves no tensor behind', () => {
    const nanWeight = tampered((tensors) => {
      (tensors['h.1.mlp.c_fc.weight']!.data as Float32Array)[5] = Number.NaN;
    });
    const infMoment = tampered((tensors) => {
      (tensors['optimizer.m.wte']!.data as Float32Array)[0] = Number.POSITIVE_INFINITY;
    });
    const before = tf.memory().numTensors;
    expect(() => loadCheckpoint(nanWeight)).toThrow(
      /^Parameter "h\.1\.mlp\.c_fc\.weight" holds NaN at element 5: the checkpoint was saved from a diverged run/,
    );
    expect(() => loadCheckpoint(infMoment)).toThrow(/^Parameter "optimizer\.m\.wte" holds Infinity at element 0/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
