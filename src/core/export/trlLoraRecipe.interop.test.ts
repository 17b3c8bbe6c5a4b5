/**
 * The same experiment, shown, for LoRA (`npm run test:scaleout`): the studio exports a LoRA run's recipe (adapters on
 * c_attn and the MLP's c_proj, biases and LayerNorms trained too), the TRL recipe trains both arms on the CPU —
 * stage 1 a new peft adapter, each later stage the previous stage's adapter loaded trainable — and the studio checks
 * that
 *   1. TRL's first-step loss is the studio's on the same weights and batch: stage 1 on the base model (peft's B starts
 *      at zero), stage 2 on the base model with stage 1's adapter imported back (importPeftAdapter);
 *   2. the stages ran in the plan's order on the plan's records, each from the previous stage's adapter folder,
 *      and each moved that adapter on;
 *   3. the final adapters (phased and one-off) import back onto the base model and the studio's held-out loss per bucket is the recipe's
 *      own report.
 * Needs Python with python/requirements.txt (PYTHON or .venv: `npm run setup:python`); fails, saying so, without it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heldOutLossByBucket } from '../eval/heldOutLoss';
import { disposeGptCaches, disposeGptParams, type GptParams } from '../model/gpt';
import { paramsFromArrays, readParams } from '../model/paramArrays';
import { loraParamShapes, registerLora, type LoraSettings } from '../model/lora';
import { PEFT_CONFIG_FILE, PEFT_WEIGHTS_FILE } from '../hf/peftAdapter';
import { importPeftAdapter } from '../hf/peftImport';
import { tempDirsRemovedAfterAll } from './testing/recipe';
import {
  firstStepRows,
  heldOutByBucket,
  hyper,
  plan,
  readLog,
  runTrlScript,
  stageDir,
  stages,
  studioLossOn,
  studioRows,
  tinyModel,
  writeRecipe,
  type EvalReport,
  type TinyModel,
} from './testing/trlRun';
import { TRL_DIR, TRL_EVAL_FILE } from './trlFiles';

const tempDir = tempDirsRemovedAfterAll();
const LORA: LoraSettings = {
  rank: 4,
  alpha: 8,
  targets: ['attn.c_attn', 'mlp.c_proj'],
  biases: true,
  layerNorms: true,
};

let model: TinyModel;
let baseArrays: Record<string, Float32Array>;
let recipeDir: string;

/** The base model's weights with a saved peft adapter on top: its adapters, and its biases and LayerNorms. */
function withAdapter(dir: string): { params: GptParams; adapter: Record<string, Float32Array> } {
  const { lora, params: adapter } = importPeftAdapter(model.config, {
    config: readFileSync(join(dir, PEFT_CONFIG_FILE), 'utf8'),
    weights: new Uint8Array(readFileSync(join(dir, PEFT_WEIGHTS_FILE))),
  });
  expect(lora).toEqual(LORA);
  const params = paramsFromArrays(model.config, { ...baseArrays, ...adapter });
  for (const [name, shape] of loraParamShapes(model.config, lora))
    params[name] = tf.variable(tf.tensor(adapter[name]!, shape, 'float32'), true);
  registerLora(params, lora);
  return { params, adapter };
}

beforeAll(async () => {
  model = await tinyModel();
  baseArrays = await readParams(model.params);
  recipeDir = tempDir();
  await writeRecipe(recipeDir, model, { lora: LORA });
  const seconds =
    runTrlScript(recipeDir, ['--arm', 'phased', '--cpu']) + runTrlScript(recipeDir, ['--arm', 'one-off', '--cpu']);
  console.log(`TRL recipe, LoRA, both arms on CPU: ${seconds.toFixed(1)} s`);
}, 900_000);

afterAll(() => {
  disposeGptParams(model.params);
  disposeGptCaches();
});

describe("the TRL recipe trains the studio's LoRA run", () => {
  it("writes the adapter settings into recipe.json in peft's terms", () => {
    const recipe = JSON.parse(readFileSync(join(recipeDir, TRL_DIR, 'recipe.json'), 'utf8')) as {
      finetuning: string;
      lora: Record<string, unknown>;
    };
    expect(recipe.finetuning).toBe('lora');
    expect(recipe.lora).toMatchObject({
      r: 4,
      lora_alpha: 8,
      bias: 'all',
      by_model_type: {
        gpt2: {
          target_modules: ['c_attn', 'mlp.c_proj'],
          modules_to_save: ['ln_1', 'ln_2', 'ln_f'],
          fan_in_fan_out: true,
        },
      },
    });
  });

  it("1. TRL's first-step loss is the studio's: stage 1 on the base model, stage 2 with stage 1's adapter imported back", () => {
    const cases = [
      { label: 'stage 1 (new adapter: the base model)', dir: stageDir(recipeDir, 'phased', stages[0]), from: null },
      {
        label: 'stage 2 (stage 1 adapter imported back)',
        dir: stageDir(recipeDir, 'phased', stages[1]),
        from: stageDir(recipeDir, 'phased', stages[0]),
      },
    ];
    for (const c of cases) {
      const log = readLog(c.dir);
      const firstIds = log.micro_batches.filter((m) => m.step === 1).flatMap((m) => m.ids);
      const trlRows = firstStepRows(log);
      expect(
        studioRows(model, firstIds).map((r) => r.ids),
        `${c.label}: token ids`,
      ).toEqual(trlRows.map((r) => r.ids));
      const loaded = c.from === null ? null : withAdapter(c.from);
      const loss = studioLossOn(model, loaded?.params ?? model.params, trlRows);
      if (loaded) disposeGptParams(loaded.params);
      console.log(`${c.label}: first-step loss TRL ${log.first_step_loss.toFixed(6)}, studio ${loss.toFixed(6)}`);
      expect(Math.abs(log.first_step_loss - loss), c.label).toBeLessThanOrEqual(1e-4);
    }
  });

  it("2. the stages ran in the plan's order on its records, each stage training the previous stage's adapter", () => {
    let previous: Record<string, Float32Array> | null = null;
    for (const s of stages) {
      const dir = stageDir(recipeDir, 'phased', s);
      const log = readLog(dir);
      const phase = plan.phases[s.phase - 1]!;
      expect(log.phase).toBe(s.phase);
      expect(log.model_from).toBe(
        s.stage === 1 ? join(recipeDir, 'base-model') : stageDir(recipeDir, 'phased', stages[s.stage - 2]),
      );
      expect([...log.record_ids].sort()).toEqual([...phase.recordIds].sort());
      const expected = Array.from({ length: hyper.epochsPerStage }, () => phase.recordIds).flat();
      expect([...log.micro_batches.flatMap((m) => m.ids)].sort()).toEqual([...expected].sort());
      expect(log.steps).toBe(log.planned_steps);
      const { params, adapter } = withAdapter(dir);
      disposeGptParams(params);
      // the adapter moved away from the one it started from (stage 1: B = 0; later: the previous stage's)
      const B = adapter['h.0.attn.c_attn.lora_B.weight']!;
      const startB = previous?.['h.0.attn.c_attn.lora_B.weight'] ?? new Float32Array(B.length);
      expect(
        B.some((v, i) => Math.abs(v - startB[i]!) > 1e-6),
        `stage ${s.stage} trained its adapter`,
      ).toBe(true);
      previous = adapter;
    }
  });

  it("3. the final adapters (phased, one-off) import back and the studio's held-out loss per bucket is the recipe's own report", async () => {
    for (const [arm, dir] of [
      ['phased', stageDir(recipeDir, 'phased', stages[stages.length - 1])],
      ['one-off', stageDir(recipeDir, 'one-off')],
    ] as const) {
      const { params } = withAdapter(dir);
      const studio = await heldOutLossByBucket({ config: model.config, params }, model.tokenizer, heldOutByBucket(), {
        template: 'paper',
      });
      disposeGptParams(params);
      const recipe = JSON.parse(readFileSync(join(dir, TRL_EVAL_FILE), 'utf8')) as EvalReport;
      expect(recipe.buckets.map((b) => [b.bucket, b.records, b.tokens])).toEqual(
        studio.buckets.map((b) => [b.bucket, b.records, b.tokens]),
      );
      recipe.buckets.forEach((b, i) => {
        console.log(
          `LoRA ${arm} adapter: bucket ${b.bucket} held-out loss recipe ${b.loss.toFixed(6)}, studio ${studio.buckets[i]!.loss.toFixed(6)}`,
        );
        expect(Math.abs(b.loss - studio.buckets[i]!.loss), `${arm}, bucket ${b.bucket}`).toBeLessThanOrEqual(1e-3);
      });
    }
    // the one-off baseline: every training record, as often as the phased arm saw it
    const oneOff = readLog(stageDir(recipeDir, 'one-off'));
    const all = plan.phases.flatMap((p) => p.recordIds);
    expect([...oneOff.micro_batches.flatMap((m) => m.ids)].sort()).toEqual([...all, ...all].sort());
  });
});
