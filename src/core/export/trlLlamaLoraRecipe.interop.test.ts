/**
 * The TRL recipe's LoRA run on a Llama-family model: a tiny random Llama of the studio's (grouped q/k/v, SwiGLU,
 * RMSNorm, rotary) written as a transformers folder, the recipe's script run two optimizer steps per stage (the first at warmup's LR 0), and TRL's
 * first-step loss equal to the studio's on the same weights and rows — stage 1 on the base model (peft's B starts at
 * zero), stage 2 with stage 1's adapter (peft's q_proj … down_proj, the norms as modules_to_save) imported back.
 *
 * The folder is written by python/lora_families.py from the studio's weights until the studio's Hugging Face export
 * writes the Llama family itself; its tokenizer files are those the export writes for the same tokenizer.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPython } from '../../testing/python.node';
import { exportHfModel } from '../hf/exportModel';
import { PEFT_CONFIG_FILE, PEFT_WEIGHTS_FILE } from '../hf/peftAdapter';
import { importPeftAdapter } from '../hf/peftImport';
import { gptConfigFromPreset, validateGptConfig } from '../model/config';
import { disposeGptCaches, disposeGptParams, initGptParams } from '../model/gpt';
import { loraParamShapes, registerLora, type LoraSettings } from '../model/lora';
import { paramsFromArrays, readParams } from '../model/paramArrays';
import { writeSafetensors } from '../model/safetensors';
import { randomizeGptParams } from '../model/testing/randomParams';
import { scaleOutRecipe } from './scaleOut';
import { tempDirsRemovedAfterAll, writeTree } from './testing/recipe';
import {
  firstStepRows,
  hyper,
  plan,
  readLog,
  records,
  runTrlScript,
  scores,
  stageDir,
  stages,
  studioLossOn,
  studioRows,
  tinyModel,
  type TinyModel,
} from './testing/trlRun';

/** TRL's first-step loss against the studio's: measured 1e-6 at both stages (a float32 step at a loss near 10). */
const FIRST_STEP_TOLERANCE = 1e-5;

const tempDir = tempDirsRemovedAfterAll();
const LORA: LoraSettings = {
  rank: 4,
  alpha: 8,
  targets: ['attn.q_proj', 'attn.v_proj', 'attn.o_proj', 'mlp.down_proj'],
  biases: false,
  layerNorms: true,
};

let llama: TinyModel;
let gpt2: TinyModel;
let baseArrays: Record<string, Float32Array>;
let recipeDir: string;

beforeAll(async () => {
  gpt2 = await tinyModel();
  const config = validateGptConfig({
    ...gptConfigFromPreset('micro', gpt2.tokenizer.vocabSize, { contextLength: 320 }),
    mlpRatio: 1.5,
    mlpHidden: 48,
    layerNormEps: 1e-6,
    norm: 'rmsNorm',
    positions: 'rope',
    rope: { theta: 10000 },
    mlp: 'swiglu',
    attention: 'grouped',
    kvHeads: 1,
    headDim: 16,
    qkvBias: false,
    attnOutBias: false,
    mlpBias: false,
  });
  const params = initGptParams(config, 11);
  randomizeGptParams(params, 12, { embeddings: 0.5, weights: 0.15 });
  llama = { config, tokenizer: gpt2.tokenizer, params };
  baseArrays = await readParams(params);

  recipeDir = tempDir();
  const src = join(recipeDir, 'studio-model');
  mkdirSync(src);
  writeFileSync(join(src, 'ours.json'), JSON.stringify(config));
  const tensors = Object.fromEntries(
    Object.entries(baseArrays).map(([n, data]) => [n, { dtype: 'F32' as const, shape: params[n]!.shape, data }]),
  );
  writeFileSync(join(src, 'ours.safetensors'), writeSafetensors(tensors, { format: 'pt' }));
  const modelDir = join(recipeDir, 'base-model');
  runPython('python/lora_families.py', ['hf', src, modelDir, String(gpt2.tokenizer.eosId)]);
  const tokenizerFiles = exportHfModel({
    config: gpt2.config,
    params: await readParams(gpt2.params),
    tokenizer: gpt2.tokenizer,
  }).files;
  for (const [name, content] of Object.entries(tokenizerFiles))
    if (name.startsWith('tokenizer') || name === 'vocab.json' || name === 'merges.txt' || name.includes('special'))
      writeFileSync(join(modelDir, name), content);
  writeTree(
    recipeDir,
    scaleOutRecipe(plan, records, scores, { baseName: 'demo', baseModel: modelDir, hyper, lora: LORA }),
  );
  const seconds = runTrlScript(recipeDir, ['--arm', 'phased', '--cpu', '--max-steps-per-stage', '2']);
  console.log(`TRL recipe, LoRA on a Llama, two steps per stage on CPU: ${seconds.toFixed(1)} s`);
}, 900_000);

afterAll(() => {
  disposeGptParams(llama.params);
  disposeGptParams(gpt2.params);
  disposeGptCaches();
});

describe("the TRL recipe trains the studio's LoRA run on a Llama", () => {
  it("TRL's first-step loss is the studio's: stage 1 on the base model, stage 2 with stage 1's adapter imported back", () => {
    const recipe = JSON.parse(readFileSync(join(recipeDir, 'trl', 'recipe.json'), 'utf8')) as {
      lora: { by_model_type: Record<string, { target_modules: string[] }> };
    };
    expect(recipe.lora.by_model_type.llama!.target_modules).toEqual(['q_proj', 'v_proj', 'o_proj', 'down_proj']);
    for (const [k, from] of [
      [0, null],
      [1, stageDir(recipeDir, 'phased', stages[0])],
    ] as const) {
      const log = readLog(stageDir(recipeDir, 'phased', stages[k]));
      const firstIds = log.micro_batches.filter((m) => m.step === 1).flatMap((m) => m.ids);
      const trlRows = firstStepRows(log);
      expect(studioRows(llama, firstIds).map((r) => r.ids)).toEqual(trlRows.map((r) => r.ids));
      let params = llama.params;
      if (from !== null) {
        const adapter = importPeftAdapter(
          llama.config,
          {
            config: readFileSync(join(from, PEFT_CONFIG_FILE), 'utf8'),
            weights: new Uint8Array(readFileSync(join(from, PEFT_WEIGHTS_FILE))),
          },
          'llama',
        );
        expect(adapter.lora).toEqual(LORA);
        params = paramsFromArrays(llama.config, { ...baseArrays, ...adapter.params });
        for (const [name, shape] of loraParamShapes(llama.config, LORA))
          params[name] = tf.variable(tf.tensor(adapter.params[name]!, shape, 'float32'), true);
        registerLora(params, LORA);
        // Stage 1's step moved B off zero, so stage 2 is not the base model again.
        expect(Math.max(...adapter.params['h.0.attn.q_proj.lora_B.weight']!.map(Math.abs))).toBeGreaterThan(0);
      }
      const loss = studioLossOn(llama, params, trlRows);
      if (params !== llama.params) disposeGptParams(params);
      console.log(`stage ${k + 1}: first-step loss TRL ${log.first_step_loss.toFixed(6)}, studio ${loss.toFixed(6)}`);
      expect(Math.abs(log.first_step_loss - loss), `stage ${k + 1}`).toBeLessThanOrEqual(FIRST_STEP_TOLERANCE);
    }
  });
});
