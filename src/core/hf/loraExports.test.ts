import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveCheckpoint } from '../model/checkpoint';
import { disposeGptCaches, disposeGptParams, gptLogits, type GptParams } from '../model/gpt';
import { importHfFolder, importHfModel } from './importModel';
import { paramsFromArrays } from '../model/paramArrays';
import { addLoraAdapters, type LoraSettings } from '../model/lora';
import { PEFT_CONFIG_FILE, PEFT_WEIGHTS_FILE } from './peftAdapter';
import { importPeftAdapter } from './peftImport';
import { setNodeBackend } from '../kernels/nodeBackends';
import { tinyHfCheckpoint } from './testing/hfFixtures';
import { maxAbsDiff } from './testing/importedLogits';
import { exportRunAsHf, exportRunAsPeft } from './exportRun';

beforeAll(async () => {
  await setNodeBackend('cpu');
});
afterAll(() => disposeGptCaches());

const IDS = [[259, 5, 270, 71, 200, 12, 276, 3]];
const logits = (config: Parameters<typeof gptLogits>[0], params: GptParams) =>
  tf.tidy(() => gptLogits(config, params, tf.tensor2d(IDS, [1, IDS[0]!.length], 'int32')).dataSync() as Float32Array);

describe('a LoRA run’s exports (without Python: the interop test checks them in peft)', () => {
  const lora: LoraSettings = {
    rank: 2,
    alpha: 5,
    targets: ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc'],
    biases: true,
    layerNorms: false,
  };
  const fx = tinyHfCheckpoint({ architecture: 'gpt2', seed: 3 });
  const imported = importHfFolder(fx.files);
  let bytes: Uint8Array;
  let ours: Float32Array;
  beforeAll(() => {
    const params = addLoraAdapters(imported.config, paramsFromArrays(imported.config, imported.params), lora, 1);
    // As training would leave them: B away from zero, a bias moved.
    tf.tidy(() => {
      for (const [name, v] of Object.entries(params))
        if (name.endsWith('lora_B.weight')) v.assign(tf.randomNormal(v.shape, 0, 0.3, 'float32', 7));
      params['h.1.mlp.c_fc.bias']!.assign(tf.add(params['h.1.mlp.c_fc.bias']!, 0.5));
    });
    bytes = saveCheckpoint({ config: imported.config, tokenizer: imported.tokenizer, params });
    ours = logits(imported.config, params);
    disposeGptParams(params);
  });

  it('the merged Hugging Face folder imports back to the LoRA model’s logits, without adapter tensors', () => {
    const out = exportRunAsHf(fx.files, bytes);
    expect(out.notes.join(' ')).toMatch(/LoRA adapters \(rank 2, alpha 5\) are merged/);
    const back = importHfModel(out.files);
    const vars = paramsFromArrays(back.config, back.params);
    expect(maxAbsDiff(logits(back.config, vars), ours)).toBeLessThan(1e-5);
    disposeGptParams(vars);
  });

  it('the peft adapter holds the adapters and every bias (bias "all"), and nothing frozen', () => {
    const out = exportRunAsPeft(fx.files, bytes, 'tiny');
    expect(JSON.parse(out.files[PEFT_CONFIG_FILE] as string)).toMatchObject({
      base_model_name_or_path: 'tiny',
      bias: 'all',
      target_modules: ['c_attn', 'attn.c_proj', 'c_fc'],
    });
    const back = importPeftAdapter(imported.config, {
      config: out.files[PEFT_CONFIG_FILE] as string,
      weights: out.files[PEFT_WEIGHTS_FILE] as Uint8Array,
    });
    expect(back.lora).toEqual(lora);
    expect(Object.keys(back.params).some((n) => n === 'wte' || n.endsWith('c_attn.weight'))).toBe(false);
    expect(back.params['h.1.mlp.c_fc.bias']![0]).toBeCloseTo(imported.params['h.1.mlp.c_fc.bias']![0]! + 0.5, 6);
  });

  it('a run without adapters has no peft export, and says what to use', () => {
    const vars = paramsFromArrays(imported.config, imported.params);
    const full = saveCheckpoint({ config: imported.config, tokenizer: imported.tokenizer, params: vars });
    disposeGptParams(vars);
    expect(() => exportRunAsPeft(fx.files, full)).toThrow(/no LoRA adapters.*Hugging Face folder/);
  });
});
