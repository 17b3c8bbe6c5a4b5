/**
 * The TRL recipe of a run trained in a chat template, on the SmolLM2-shaped tiny model (its own ChatML template
 * without `{% generation %}` marks, a default system prompt, bf16 weights): the recipe's script trains one step per
 * stage, and its first step's rows (ids and trained tokens) and loss equal the studio's — for the model's own template
 * (the documented rule: generation prompt to end-of-turn token) and the built-in ChatML (generation marks). A
 * conversation with a context-only earlier answer, tokenized by the script, is masked as the studio masks it.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPython } from '../../testing/python.node';
import type { InstructionRecord } from '../data/record';
import { tinySmolLM2 } from '../hf/testing/tinySmolLM2';
import { tokenizerChatFiles } from '../hf/chatTemplateFiles';
import { setNodeBackend } from '../kernels/nodeBackends';
import { disposeGptCaches, disposeGptParams } from '../model/gpt';
import { scoredRanges } from '../text/masks';
import { encodeRecord, formatOf, readRunTemplate } from '../text/recordFormat';
import type { ChatTemplateSpec, RunTemplate } from '../text/runTemplate';
import { loadModelSource, type LoadedModel } from '../train/modelSource';
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
} from './testing/trlRun';
import { trlRow } from './trlData';

/** TRL's first-step loss against the studio's on the same float32 weights (measured below 1e-6). */
const FIRST_STEP_TOLERANCE = 1e-5;

const tempDir = tempDirsRemovedAfterAll();
const folder = tinySmolLM2();
let model: LoadedModel;
const specs: Record<'model' | 'chatml', ChatTemplateSpec> = {} as never;
const recipeDirs: Record<string, string> = {};

function writeModel(dir: string): string {
  const modelDir = join(dir, 'base-model');
  mkdirSync(modelDir);
  for (const [name, content] of Object.entries(folder.files)) writeFileSync(join(modelDir, name), content);
  return modelDir;
}

beforeAll(async () => {
  await setNodeBackend('cpu');
  const files = Object.fromEntries(
    Object.entries(folder.files).map(([name, v]) => [
      name,
      (typeof v === 'string' ? new TextEncoder().encode(v) : v).slice().buffer as ArrayBuffer,
    ]),
  );
  model = await loadModelSource({ kind: 'hf', files, prune: false, name: 'tiny-smol' }, []);
  for (const chat of ['model', 'chatml'] as const) {
    specs[chat] = readRunTemplate({ chat }, tokenizerChatFiles(model.tokenizer)) as ChatTemplateSpec;
    const dir = tempDir();
    const modelDir = writeModel(dir);
    writeTree(
      dir,
      scaleOutRecipe(plan, records, scores, {
        baseName: 'demo',
        baseModel: modelDir,
        hyper,
        promptTemplate: specs[chat],
      }),
    );
    recipeDirs[chat] = dir;
    const seconds = runTrlScript(dir, ['--arm', 'phased', '--cpu', '--max-steps-per-stage', '1']);
    console.log(`TRL recipe in the ${chat} chat template, one step per stage on CPU: ${seconds.toFixed(1)} s`);
  }
}, 900_000);

afterAll(() => {
  disposeGptParams(model.params);
  disposeGptCaches();
});

function recipeJson(chat: string): { template: string; chat_template: { choice: string; source: string | null } } {
  return JSON.parse(readFileSync(join(recipeDirs[chat]!, 'trl', 'recipe.json'), 'utf8'));
}

describe('the TRL recipe trains in the chat template the run trained in', () => {
  it("recipe.json names the base model's own template, or carries the built-in's source", () => {
    expect(recipeJson('model').template).toBe('chat');
    expect(recipeJson('model').chat_template).toMatchObject({ choice: 'model', source: null });
    expect(recipeJson('chatml').chat_template).toMatchObject({ choice: 'chatml', source: specs.chatml.source });
    // the trained model keeps the template it was trained in
    const saved = JSON.parse(
      readFileSync(join(stageDir(recipeDirs.chatml!, 'phased', stages[0]), 'tokenizer_config.json'), 'utf8'),
    ) as { chat_template?: string };
    const jinja = join(stageDir(recipeDirs.chatml!, 'phased', stages[0]), 'chat_template.jinja');
    expect(saved.chat_template ?? readFileSync(jinja, 'utf8')).toBe(specs.chatml.source);
  });

  for (const chat of ['model', 'chatml'] as const) {
    it(`${chat}: every stage's first-step rows and loss are the studio's`, () => {
      const format = formatOf(specs[chat]);
      for (const stage of stages) {
        const log = readLog(stageDir(recipeDirs[chat]!, 'phased', stage));
        const ids = log.micro_batches.filter((m) => m.step === 1).flatMap((m) => m.ids);
        const trl = firstStepRows(log);
        const ours = studioRows(model, ids, format);
        expect(trl.map((r) => r.ids)).toEqual(ours.map((r) => r.ids));
        expect(trl.map((r) => r.trained.slice(1))).toEqual(ours.map((r) => r.trained.slice(1)));
        // the rows hold the template's specials: <|im_start|> 1, <|im_end|> 2 closes the trained answer
        expect(trl[0]!.ids[0]).toBe(1);
        expect(trl[0]!.ids.at(-1)).toBe(2);
        const loss = studioLossOn(model, model.params, trl);
        console.log(
          `${chat}, stage ${stage.stage}: first-step loss TRL ${log.first_step_loss.toFixed(6)}, studio ${loss.toFixed(6)}`,
        );
        expect(Math.abs(log.first_step_loss - loss)).toBeLessThanOrEqual(FIRST_STEP_TOLERANCE);
      }
    });
  }

  it('a conversation with input and a context-only earlier answer is masked as the studio masks it', () => {
    const conversation: InstructionRecord = {
      id: 'c1',
      instruction: 'and now reverse it',
      input: 'abc',
      output: 'cba',
      history: [
        { user: 'copy abc', assistant: 'abc' },
        { user: 'shout it', assistant: 'ABC', trained: false },
      ],
      meta: {},
    };
    const rows = join(tempDir(), 'rows.jsonl');
    writeFileSync(rows, `${JSON.stringify(trlRow(conversation, 1, 3, true))}\n`);
    for (const chat of ['model', 'chatml'] as const) {
      const dir = recipeDirs[chat]!;
      const out = runPython('python/trl_recipe_rows.py', [
        join(dir, 'trl', 'recipe.json'),
        join(dir, 'base-model'),
        rows,
      ]);
      const [row] = out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { input_ids: number[]; completion_mask: number[] });
      const e = encodeRecord(formatOf(specs[chat] as RunTemplate), model.tokenizer, conversation);
      const trained = Array.from(e.ids, () => 0);
      for (const [start, end] of scoredRanges(e)) for (let t = start; t < end; t++) trained[t + 1] = 1;
      expect(row!.input_ids, chat).toEqual(Array.from(e.ids));
      expect(row!.completion_mask.slice(1), chat).toEqual(trained.slice(1));
      // two answers trained (the first and the last), the context-only one not
      const runs = row!.completion_mask.join('').match(/1+/g) ?? [];
      expect(runs.length, chat).toBe(2);
    }
  });
});
