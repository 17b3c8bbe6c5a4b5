import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import { disposeGptCaches } from '../model/gpt';
import { HfImportError } from './files';
import { importHfFolder, importHfModel } from './importModel';
import { shardFileNames } from './shards';
import { parseSafetensors } from '../model/safetensors';
import { tinyHfCheckpoint, writeRawSafetensors, type RawTensor, type TinyHfSpec } from './testing/hfFixtures';
import { hfLogits, type HfTensor } from './testing/hfReference';
import { importedLogits, maxAbsDiff } from './testing/importedLogits';

beforeAll(async () => {
  await setNodeBackend('cpu');
});
afterAll(() => disposeGptCaches());

/**
 * Our float32 logits against the Float64 forward over the same tensors: about 10× the largest error measured on the
 * cpu backend, 2.5e-6 (all-global GPT-Neo, 16 positions; the other fixtures 1.3e-6 to 2.5e-6, the same every run).
 */
const LOGITS_TOLERANCE = 2.5e-5;

const IDS = [259, 5, 270, 71, 200, 12, 276, 3, 100, 33, 264, 2, 150, 7, 88, 1];

describe('GPT-2 checkpoints', () => {
  const variants: [string, TinyHfSpec][] = [
    ['transformer. prefix, mask buffers, F32', { architecture: 'gpt2' }],
    ['no prefix (GPT2Model), no buffers', { architecture: 'gpt2', prefix: false, buffers: false, seed: 2 }],
    ['F16', { architecture: 'gpt2', dtype: 'F16', seed: 3 }],
    ['BF16 with lm_head.weight', { architecture: 'gpt2', dtype: 'BF16', lmHead: true, seed: 4 }],
    ['three shards with an index', { architecture: 'gpt2', shards: 3, seed: 5 }],
    ['one layer', { architecture: 'gpt2', layers: 1, heads: 4, seed: 6 }],
  ];

  it.each(variants)(
    `%s: logits match an independent Float64 forward over the HF tensors within ${LOGITS_TOLERANCE}`,
    (_, spec) => {
      const fx = tinyHfCheckpoint(spec);
      const imported = importHfModel(fx.files);
      expect(imported.source.architecture).toBe('gpt2');
      expect(imported.config).toMatchObject({
        vocabSize: 277,
        contextLength: 16,
        width: 16,
        attentionScale: 'sqrt',
        mlpRatio: 4,
      });
      const ids = IDS.slice(0, 12);
      const diff = maxAbsDiff(importedLogits(imported, ids), hfLogits(fx.configJson, fx.tensors, ids));
      expect(diff).toBeLessThan(LOGITS_TOLERANCE);
    },
  );

  it('maps names exactly (Conv1D already [in, out]) and reports what it skipped and widened', () => {
    const fx = tinyHfCheckpoint({ architecture: 'gpt2', dtype: 'F16', lmHead: true });
    const imported = importHfModel(fx.files);
    expect(imported.params['h.1.attn.c_attn.weight']).toEqual(fx.tensors['transformer.h.1.attn.c_attn.weight']!.data);
    expect(imported.params.wte).toEqual(fx.tensors['transformer.wte.weight']!.data);
    expect(imported.source.names['h.0.mlp.c_fc.weight']).toEqual(['transformer.h.0.mlp.c_fc.weight']);
    expect(imported.source.prefix).toBe('transformer.');
    expect(imported.source.hadLmHead).toBe(true);
    expect(imported.source.skipped.sort()).toEqual([
      'transformer.h.0.attn.bias',
      'transformer.h.0.attn.masked_bias',
      'transformer.h.1.attn.bias',
      'transformer.h.1.attn.masked_bias',
    ]);
    expect(imported.source.storedDtypes).toEqual({ F16: 2 + 12 * 2 + 2 + 1 });
    expect(imported.notes.join(' ')).toMatch(/Skipped 4 attention-mask buffers/);
    expect(imported.notes.join(' ')).toMatch(/F16 were widened to float32/);
  });

  it('catches a wrong transpose: the square attention projection transposed moves the logits far off', () => {
    const fx = tinyHfCheckpoint({ architecture: 'gpt2', seed: 9 });
    const imported = importHfModel(fx.files);
    const C = imported.config.width;
    const w = imported.params['h.0.attn.c_proj.weight']!;
    const transposed = new Float32Array(w.length);
    for (let r = 0; r < C; r++) for (let c = 0; c < C; c++) transposed[c * C + r] = w[r * C + c]!;
    const wrong = { ...imported, params: { ...imported.params, 'h.0.attn.c_proj.weight': transposed } };
    const ids = IDS.slice(0, 10);
    expect(maxAbsDiff(importedLogits(wrong, ids), hfLogits(fx.configJson, fx.tensors, ids))).toBeGreaterThan(1e-2);
  });

  it('caps the context on request and keeps the position rows past it', () => {
    const fx = tinyHfCheckpoint({ architecture: 'gpt2' });
    const imported = importHfModel(fx.files, { maxContext: 10 });
    expect(imported.config.contextLength).toBe(10);
    expect(imported.params.wpe!.length).toBe(10 * 16);
    expect(imported.source.wpeTail).toEqual(fx.tensors['transformer.wpe.weight']!.data.slice(10 * 16));
    expect(imported.notes.join(' ')).toMatch(/Context capped at 10 of the checkpoint's 16 positions/);
    const ids = IDS.slice(0, 10);
    expect(maxAbsDiff(importedLogits(imported, ids), hfLogits(fx.configJson, fx.tensors, ids))).toBeLessThan(
      LOGITS_TOLERANCE,
    );
  });
});

describe('GPT-Neo checkpoints', () => {
  it(`fuses q/k/v, transposes [out, in], does not scale, caps the context at the local window: logits within ${LOGITS_TOLERANCE}`, () => {
    for (const spec of [
      { architecture: 'gpt_neo', seed: 11 },
      { architecture: 'gpt_neo', dtype: 'BF16', lmHead: true, shards: 2, seed: 12 },
      { architecture: 'gpt_neo', layers: 1, attentionLayers: ['local'], windowSize: 6, seed: 13 },
    ] as TinyHfSpec[]) {
      const fx = tinyHfCheckpoint(spec);
      const imported = importHfModel(fx.files);
      const window = spec.windowSize ?? 8;
      expect(imported.source.architecture).toBe('gpt_neo');
      expect(imported.config).toMatchObject({ attentionScale: 'none', contextLength: window, heads: 4 });
      expect(imported.notes.join(' ')).toMatch(new RegExp(`context is capped at ${window}`));
      expect(imported.source.names['h.0.attn.c_attn.weight']).toEqual([
        'transformer.h.0.attn.attention.q_proj.weight',
        'transformer.h.0.attn.attention.k_proj.weight',
        'transformer.h.0.attn.attention.v_proj.weight',
      ]);
      // GPT-Neo has no q/k/v bias: the studio's model has none either (not a zero one training could move).
      expect(imported.config.qkvBias).toBe(false);
      expect(imported.params).not.toHaveProperty('h.0.attn.c_attn.bias');
      const ids = IDS.slice(0, window);
      expect(maxAbsDiff(importedLogits(imported, ids), hfLogits(fx.configJson, fx.tensors, ids))).toBeLessThan(
        LOGITS_TOLERANCE,
      );
    }
  });

  it('local attention differs from global past the window — why the context is capped', () => {
    const fx = tinyHfCheckpoint({ architecture: 'gpt_neo', windowSize: 4, seed: 14 });
    const global = { ...fx.configJson, attention_layers: ['global', 'global'] };
    const long = IDS.slice(0, 10);
    const short = IDS.slice(0, 4);
    expect(maxAbsDiff(hfLogits(fx.configJson, fx.tensors, short), hfLogits(global, fx.tensors, short))).toBe(0);
    expect(maxAbsDiff(hfLogits(fx.configJson, fx.tensors, long), hfLogits(global, fx.tensors, long))).toBeGreaterThan(
      1e-3,
    );
  });

  it('catches a wrong transpose: q_proj fused without transposing moves the logits far off', () => {
    const fx = tinyHfCheckpoint({ architecture: 'gpt_neo', seed: 15 });
    const imported = importHfModel(fx.files);
    const C = 16;
    const fused = Float32Array.from(imported.params['h.1.attn.c_attn.weight']!);
    const q = fx.tensors['transformer.h.1.attn.attention.q_proj.weight']!.data; // [out, in], not transposed
    for (let r = 0; r < C; r++) for (let c = 0; c < C; c++) fused[r * 3 * C + c] = q[r * C + c]!;
    const wrong = { ...imported, params: { ...imported.params, 'h.1.attn.c_attn.weight': fused } };
    const ids = IDS.slice(0, 8);
    expect(maxAbsDiff(importedLogits(wrong, ids), hfLogits(fx.configJson, fx.tensors, ids))).toBeGreaterThan(1e-2);
  });

  it('keeps an all-global GPT-Neo at its full context', () => {
    const fx = tinyHfCheckpoint({ architecture: 'gpt_neo', attentionLayers: ['global', 'global'] });
    const imported = importHfModel(fx.files);
    expect(imported.config.contextLength).toBe(16);
    expect(imported.notes.join(' ')).not.toMatch(/capped/);
    const ids = IDS.slice(0, 16);
    expect(maxAbsDiff(importedLogits(imported, ids), hfLogits(fx.configJson, fx.tensors, ids))).toBeLessThan(
      LOGITS_TOLERANCE,
    );
  });
});

/** The fixture's weights (buffers dropped) re-written with `edit` applied. */
function rewrite(
  spec: TinyHfSpec,
  edit: (raw: Record<string, RawTensor>) => void,
): Record<string, Uint8Array | string> {
  const fx = tinyHfCheckpoint({ ...spec, buffers: false });
  const raw: Record<string, RawTensor> = {};
  for (const [name, t] of Object.entries(fx.tensors)) raw[name] = { dtype: 'F32', shape: t.shape, data: t.data };
  edit(raw);
  return { ...fx.files, 'model.safetensors': writeRawSafetensors(raw) };
}

function errorOf(f: () => unknown): HfImportError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(HfImportError);
    return e as HfImportError;
  }
  throw new Error('expected an HfImportError');
}

describe('bad input: every error names the file and the problem', () => {
  const gpt2 = { architecture: 'gpt2' } as const;

  it('missing config.json, unknown architecture, unsupported activation', () => {
    const fx = tinyHfCheckpoint(gpt2);
    const noConfig = { ...fx.files };
    delete noConfig['config.json'];
    expect(errorOf(() => importHfModel(noConfig)).message).toMatch(/^config\.json: not provided/);
    const mistral = {
      ...fx.files,
      'config.json': JSON.stringify({ model_type: 'mistral', architectures: ['MistralForCausalLM'] }),
    };
    const e = errorOf(() => importHfModel(mistral));
    expect(e.file).toBe('config.json');
    expect(e.message).toMatch(
      /model_type "mistral", architectures MistralForCausalLM: this architecture is not supported/,
    );
    const relu = { ...fx.files, 'config.json': JSON.stringify({ ...fx.configJson, activation_function: 'relu' }) };
    expect(errorOf(() => importHfModel(relu)).message).toMatch(/activation_function "relu" is not supported/);
    expect(errorOf(() => importHfModel({ ...fx.files, 'config.json': '{"model_type": "gpt2",' })).message).toMatch(
      /config\.json: is not valid JSON/,
    );
  });

  it('NaN or Infinity in the weights is refused, naming the tensor and the element', () => {
    const files = rewrite(gpt2, (raw) => {
      const data = Float32Array.from(raw['transformer.h.0.attn.c_proj.weight']!.data);
      data[7] = Number.NaN;
      raw['transformer.h.0.attn.c_proj.weight'] = { ...raw['transformer.h.0.attn.c_proj.weight']!, data };
    });
    expect(errorOf(() => importHfModel(files)).message).toBe(
      'model.safetensors: tensor "transformer.h.0.attn.c_proj.weight" holds NaN at element 7: these weights are damaged (or were saved from a diverged run) and cannot be fine-tuned.',
    );
  });

  it('a missing tensor is named', () => {
    const files = rewrite(gpt2, (raw) => delete raw['transformer.h.1.mlp.c_fc.bias']);
    expect(errorOf(() => importHfModel(files)).message).toBe(
      'model.safetensors: missing tensor "transformer.h.1.mlp.c_fc.bias" (expected shape [64]).',
    );
  });

  it('a shape mismatch says expected and got', () => {
    const fx = tinyHfCheckpoint(gpt2);
    const files = { ...fx.files, 'config.json': JSON.stringify({ ...fx.configJson, vocab_size: 300 }) };
    expect(errorOf(() => importHfModel(files)).message).toMatch(
      /^model\.safetensors: tensor "transformer\.wte\.weight" has shape \[277, 16\] but config\.json .* implies \[300, 16\]/,
    );
    const transposedFc = rewrite(gpt2, (raw) => {
      raw['transformer.h.0.mlp.c_fc.weight'] = { ...raw['transformer.h.0.mlp.c_fc.weight']!, shape: [64, 16] };
    });
    expect(errorOf(() => importHfModel(transposedFc)).message).toMatch(
      /"transformer\.h\.0\.mlp\.c_fc\.weight" has shape \[64, 16\] .* implies \[16, 64\]/,
    );
  });

  it('a truncated download is reported by the reader, with the file name', () => {
    const fx = tinyHfCheckpoint(gpt2);
    const bytes = fx.files['model.safetensors'] as Uint8Array;
    const e = errorOf(() => importHfModel({ ...fx.files, 'model.safetensors': bytes.subarray(0, bytes.length - 100) }));
    expect(e.file).toBe('model.safetensors');
    expect(e.message).toMatch(/truncated/);
    expect(errorOf(() => importHfModel({ ...fx.files, 'model.safetensors': bytes.subarray(0, 5) })).message).toMatch(
      /^model\.safetensors: Truncated/,
    );
  });

  it('a shard listed in the index but not provided is named, with a tensor it holds', () => {
    const fx = tinyHfCheckpoint({ architecture: 'gpt2', shards: 3 });
    expect(shardFileNames(fx.files['model.safetensors.index.json']!)).toEqual([
      'model-00001-of-00003.safetensors',
      'model-00002-of-00003.safetensors',
      'model-00003-of-00003.safetensors',
    ]);
    const files = { ...fx.files };
    delete files['model-00002-of-00003.safetensors'];
    const e = errorOf(() => importHfModel(files));
    expect(e.file).toBe('model-00002-of-00003.safetensors');
    expect(e.message).toMatch(
      /listed in model\.safetensors\.index\.json \(e\.g\. for "transformer\.h\.\d\..*"\) but not provided/,
    );
  });

  it('pickled weights alone are refused with where to find safetensors', () => {
    const fx = tinyHfCheckpoint({ architecture: 'gpt_neo' });
    const files: Record<string, Uint8Array | string> = {
      'config.json': fx.files['config.json']!,
      'pytorch_model.bin': new Uint8Array(10),
    };
    expect(errorOf(() => importHfModel(files)).message).toMatch(
      /model\.safetensors: not provided; pytorch_model\.bin cannot be read .*refs%2Fpr%2F1/,
    );
  });

  it('folder paths are accepted; two different files with one name are refused', () => {
    const fx = tinyHfCheckpoint(gpt2);
    const inFolder = Object.fromEntries(Object.entries(fx.files).map(([k, v]) => [`gpt2-tiny/${k}`, v]));
    expect(importHfModel(inFolder).config.layers).toBe(2);
    const other = tinyHfCheckpoint({ architecture: 'gpt_neo' });
    expect(
      errorOf(() => importHfModel({ ...inFolder, 'neo/config.json': other.files['config.json']! })).message,
    ).toMatch(/config\.json: given twice/);
  });

  it('nothing partial comes back: a failure after some tensors were read throws, returns nothing', () => {
    const files = rewrite(gpt2, (raw) => delete raw['transformer.ln_f.bias']);
    expect(() => importHfModel(files)).toThrow(/ln_f\.bias/);
  });
});

describe('tokenizer with the model', () => {
  it('loads tokenizer.json, or vocab.json + merges.txt, checked against the model', () => {
    const fx = tinyHfCheckpoint({ architecture: 'gpt2' });
    const folder = importHfFolder(fx.files);
    expect(folder.tokenizer.vocabSize).toBe(277);
    expect(folder.tokenizer.eosId).toBe(276);
    expect(folder.tokenizer.encode(' the cat<|endoftext|>')).toEqual([
      folder.tokenizer.tokenId('Ġthe'),
      folder.tokenizer.tokenId('Ġcat'),
      276,
    ]);
    const files = { ...fx.files };
    delete files['tokenizer.json'];
    expect(importHfFolder(files).tokenizer.encode(' the dog')).toEqual(folder.tokenizer.encode(' the dog'));
    delete files['merges.txt'];
    expect(errorOf(() => importHfFolder(files)).message).toMatch(
      /^merges\.txt: not provided; vocab\.json and merges\.txt go together/,
    );
  });

  it('refuses a tokenizer that does not belong to the model; pads for a model with spare rows', () => {
    const small = tinyHfCheckpoint({ architecture: 'gpt2', vocabSize: 270 });
    expect(errorOf(() => importHfFolder(small.files)).message).toMatch(
      /^tokenizer\.json: has 277 token ids but the model's token table has 270 rows/,
    );
    const fx = tinyHfCheckpoint({ architecture: 'gpt2' });
    const wrongEos = { ...fx.files, 'config.json': JSON.stringify({ ...fx.configJson, eos_token_id: 5 }) };
    expect(errorOf(() => importHfFolder(wrongEos)).message).toMatch(
      /says eos_token_id 5: the tokenizer does not belong to this model/,
    );
    const padded = tinyHfCheckpoint({ architecture: 'gpt2', vocabSize: 320 });
    const folder = importHfFolder(padded.files);
    expect(folder.tokenizer.vocabSize).toBe(320);
    expect(folder.notes.join(' ')).toMatch(/43 token rows the tokenizer never produces/);
  });

  it('reads a safetensors header written by the fixtures back with the library reader (sanity of the fixture writer)', () => {
    const fx = tinyHfCheckpoint({ architecture: 'gpt_neo', dtype: 'F16' });
    const st = parseSafetensors(fx.files['model.safetensors'] as Uint8Array);
    expect(st.metadata).toEqual({ format: 'pt' });
    expect(st.entry('transformer.h.0.attn.attention.bias').dtype).toBe('BOOL');
    const name = 'transformer.h.0.attn.attention.q_proj.weight';
    expect(st.read(name).data).toEqual((fx.tensors as Record<string, HfTensor>)[name]!.data);
  });
});
