/**
 * The same experiment, shown (`npm run test:scaleout`): the studio exports the demo subset's phases and a tiny GPT-2
 * in Hugging Face layout (with its BPE tokenizer files), the exported TRL recipe trains both arms on the CPU, and the
 * studio checks, with its own code, that
 *   1. TRL's first-step loss is the studio's loss on the same weights, batch and template (stage 1 from the exported
 *      model, stage 2 from stage 1's saved model imported back) — and that both sides tokenized alike;
 *   2. the stages ran in the plan's order, each on exactly its phase's records (every record once per epoch);
 *   3. the final model imports back (hfImport) and the studio's held-out loss per bucket is the recipe's own report;
 *   4. every step's LR is transformers' warm-up + cosine, restarted per stage or (a second phased run, with a
 *      carried optimizer and a min-LR floor) spanning the arm, and the carried AdamW state counts every stage's steps.
 * Needs Python with python/requirements.txt (PYTHON or .venv: `npm run setup:python`); fails, saying so, without it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heldOutLossByBucket } from '../eval/heldOutLoss';
import { disposeGptCaches, disposeGptParams, type GptParams } from '../model/gpt';
import { importHfFolder } from '../hf/importModel';
import { paramsFromArrays } from '../model/paramArrays';
import { warmupSteps } from '../train/schedule';
import { runPython } from '../../testing/python.node';
import { tempDirsRemovedAfterAll } from './testing/recipe';
import {
  firstStepRows,
  heldOutByBucket,
  hyper,
  plan,
  readFolder,
  readLog,
  runTrlScript,
  stageDir as stageIn,
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

let model: TinyModel;
let recipeDir: string;
let runSeconds = 0;

const stageDir = (arm: 'phased' | 'one-off', stage?: { stage: number; phase: number }, saves = 'saves') =>
  stageIn(recipeDir, arm, stage, saves);

/** The second phased run: one schedule over the arm, AdamW carried, LR floor 0.1, two steps per stage. */
const SPAN = { saves: 'saves-span', recipe: 'recipe-span.json', minLrRatio: 0.1, maxSteps: 2 };

const python = (args: string[]) => {
  runSeconds += runTrlScript(recipeDir, args);
};

beforeAll(async () => {
  model = await tinyModel();
  recipeDir = tempDir();
  await writeRecipe(recipeDir, model);
  python(['--arm', 'phased', '--cpu']);
  python(['--arm', 'one-off', '--cpu']);
  const recipeJson = JSON.parse(readFileSync(join(recipeDir, TRL_DIR, 'recipe.json'), 'utf8')) as {
    hyper: Record<string, unknown>;
  };
  Object.assign(recipeJson.hyper, {
    restart_schedule_per_phase: false,
    reset_optimizer_per_phase: false,
    min_lr_ratio: SPAN.minLrRatio,
  });
  writeFileSync(join(recipeDir, TRL_DIR, SPAN.recipe), JSON.stringify(recipeJson));
  python([
    '--arm',
    'phased',
    '--cpu',
    '--recipe',
    join(recipeDir, TRL_DIR, SPAN.recipe),
    '--output-root',
    join(recipeDir, TRL_DIR, SPAN.saves),
    '--max-steps-per-stage',
    String(SPAN.maxSteps),
  ]);
  console.log(`TRL recipe, both arms on CPU: ${runSeconds.toFixed(1)} s`);
}, 900_000);

afterAll(() => {
  disposeGptParams(model.params);
  disposeGptCaches();
});

describe('the TRL recipe runs the studio experiment', () => {
  it("1. TRL's first-step loss is the studio's on the same weights, batch and template, and both tokenize alike", () => {
    const cases: { label: string; dir: string; params: () => GptParams; dispose: boolean }[] = [
      {
        label: 'stage 1 (exported base model)',
        dir: stageDir('phased', stages[0]),
        params: () => model.params,
        dispose: false,
      },
      {
        label: 'stage 2 (stage 1 imported back)',
        dir: stageDir('phased', stages[1]),
        params: () => paramsFromArrays(model.config, importHfFolder(readFolder(stageDir('phased', stages[0]))).params),
        dispose: true,
      },
      { label: 'one-off', dir: stageDir('one-off'), params: () => model.params, dispose: false },
    ];
    for (const c of cases) {
      const log = readLog(c.dir);
      const firstIds = log.micro_batches.filter((m) => m.step === 1).flatMap((m) => m.ids);
      expect(firstIds, c.label).toHaveLength(hyper.perDeviceTrainBatchSize * hyper.gradientAccumulationSteps);
      const trlRows = firstStepRows(log);
      const ours = studioRows(model, firstIds);
      const params = c.params();
      const onTrlBatch = studioLossOn(model, params, trlRows);
      const onOwnBatch = studioLossOn(model, params, ours);
      if (c.dispose) disposeGptParams(params);
      console.log(
        `${c.label}: first-step loss TRL ${log.first_step_loss.toFixed(6)}, studio on TRL's tokens ${onTrlBatch.toFixed(6)}, ` +
          `studio on its own tokens ${onOwnBatch.toFixed(6)}`,
      );
      // the loss code (weights, forward, masked mean over the accumulated batch) on the very same tokens
      expect(Math.abs(log.first_step_loss - onTrlBatch), `${c.label}: loss on TRL's batch`).toBeLessThanOrEqual(1e-4);
      // and the studio's template + tokenizer + mask give those tokens
      expect(
        ours.map((r) => r.ids),
        `${c.label}: token ids`,
      ).toEqual(trlRows.map((r) => r.ids));
      expect(
        ours.map((r) => r.trained),
        `${c.label}: trained tokens`,
      ).toEqual(trlRows.map((r) => r.trained));
      expect(Math.abs(log.first_step_loss - onOwnBatch), c.label).toBeLessThanOrEqual(1e-4);
    }
  });

  it("2. the stages ran in the plan's order, each on its phase's records, every record once per epoch", () => {
    for (const s of stages) {
      const log = readLog(stageDir('phased', s));
      const phase = plan.phases[s.phase - 1]!;
      expect(log.phase).toBe(s.phase);
      expect([...log.record_ids].sort()).toEqual([...phase.recordIds].sort());
      const trained = log.micro_batches.flatMap((m) => m.ids);
      const expected = Array.from({ length: hyper.epochsPerStage }, () => phase.recordIds).flat();
      expect([...trained].sort()).toEqual([...expected].sort());
      expect(log.steps).toBe(log.planned_steps);
    }
    const oneOff = readLog(stageDir('one-off'));
    const all = plan.phases.flatMap((p) => p.recordIds);
    expect([...oneOff.micro_batches.flatMap((m) => m.ids)].sort()).toEqual([...all, ...all].sort());
  });

  it("3. the final models import back and the studio's held-out loss per bucket is the recipe's own report", async () => {
    const heldOut = heldOutByBucket();
    for (const dir of [stageDir('phased', stages[stages.length - 1]), stageDir('one-off')]) {
      const imported = importHfFolder(readFolder(dir));
      expect(imported.config).toEqual(model.config);
      const params = paramsFromArrays(imported.config, imported.params);
      const studio = await heldOutLossByBucket({ config: imported.config, params }, imported.tokenizer, heldOut, {
        template: 'paper',
      });
      disposeGptParams(params);
      const recipe = JSON.parse(readFileSync(join(dir, TRL_EVAL_FILE), 'utf8')) as EvalReport;
      expect(recipe.buckets.map((b) => [b.bucket, b.records, b.tokens])).toEqual(
        studio.buckets.map((b) => [b.bucket, b.records, b.tokens]),
      );
      recipe.buckets.forEach((b, i) => {
        console.log(
          `${dir.slice(recipeDir.length)}: bucket ${b.bucket} held-out loss recipe ${b.loss.toFixed(6)}, studio ${studio.buckets[i]!.loss.toFixed(6)}`,
        );
        expect(Math.abs(b.loss - studio.buckets[i]!.loss), `bucket ${b.bucket}`).toBeLessThanOrEqual(1e-3);
      });
    }
  });

  it("4. every step's LR is transformers' schedule, per stage or spanning the arm, and a carried AdamW keeps counting", () => {
    const runs = [
      { saves: 'saves', restart: true, minRatio: 0 },
      { saves: SPAN.saves, restart: false, minRatio: SPAN.minLrRatio },
    ];
    const schedules: { lr: number; total: number; warmup: number; min_ratio: number; steps: number[] }[] = [];
    const logged: number[][] = [];
    for (const run of runs) {
      const logs = stages.map((s) => readLog(stageDir('phased', s, run.saves)));
      const total = logs.reduce((n, l) => n + l.planned_steps, 0);
      let offset = 0;
      for (const log of logs) {
        const entries = log.log_history.filter((e) => e.learning_rate !== undefined && e.loss !== undefined);
        const span = run.restart ? log.planned_steps : total;
        const start = run.restart ? 0 : offset;
        schedules.push({
          lr: hyper.learningRate,
          total: span,
          // the studio's warm-up count (schedule.ts: the Trainer's, but none under one step)
          warmup: warmupSteps(span, hyper.warmupRatio),
          min_ratio: run.minRatio,
          steps: entries.map((e) => start + e.step - 1),
        });
        logged.push(entries.map((e) => e.learning_rate!));
        offset += log.planned_steps;
        expect(log.optimizer).toBe(!run.restart && log.stage > 1 ? 'carried' : 'fresh');
      }
    }
    const dir = tempDir();
    const spanDirs = stages.map((s) => stageDir('phased', s, SPAN.saves));
    writeFileSync(
      join(dir, 'job.json'),
      JSON.stringify({ schedules, optimizer_states: spanDirs.map((d) => join(d, 'optimizer_state.pt')) }),
    );
    const out = JSON.parse(runPython('python/trl_recipe/check_recipe.py', [join(dir, 'job.json')])) as {
      lrs: number[][];
      adam_steps: number[];
    };
    expect(logged.map((l) => l.length)).toEqual(out.lrs.map((l) => l.length));
    logged.forEach((lrs, i) =>
      lrs.forEach((lr, j) => expect(lr, `schedule ${i}, entry ${j}`).toBeCloseTo(out.lrs[i]![j]!, 12)),
    );
    // spanning: stage 2 starts where stage 1 stopped, not at a fresh warm-up
    expect(logged[4]![0]).toBeGreaterThan(0);
    // AdamW's step count runs on through the stages: 2, 4, 6
    expect(out.adam_steps).toEqual(stages.map((_, i) => SPAN.maxSteps * (i + 1)));
  });
});
