import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../kernels/nodeBackends';
import { loadCheckpoint, readCheckpointInfo } from '../model/checkpoint';
import { gptConfigFromPreset, type GptConfig } from '../model/config';
import { disposeGptCaches, disposeGptParams, initGptParams, type GptParams } from '../model/gpt';
import { addLoraAdapters, paramsForRun, type LoraSettings } from '../model/lora';
import { CharTokenizer } from '../tokenizer/charTokenizer';
import { PAPER_HYPER } from './hyper';
import type { RunConfig } from './runConfig';
import type { RunEvent } from './events';
import { PhasedRunner, resumeFromCheckpoint } from './runner';
import { rec } from '../text/testing/toyData';

// LoRA through the real runner on the micro GPT (wasm): frozen base, adapters that learn across phases, checkpoints.
const easy = Array.from({ length: 8 }, (_, i) => rec(`e${i}`, `say ${i}`, `ok ${'abcdefgh'[i]}`, '', 1));
const hard = Array.from({ length: 8 }, (_, i) => rec(`h${i}`, `twice ${i}`, `${'abcdefgh'[i]}${i}${i}`, '', 4));
const tok = CharTokenizer.fromTexts(
  [...easy, ...hard].flatMap((r) => [r.instruction, r.output]),
  { alwaysInclude: 'User: \nAssistant' },
);
let modelConfig: GptConfig;
const lora: LoraSettings = { rank: 4, alpha: 8, targets: ['attn.c_attn', 'mlp.c_fc'], biases: false, layerNorms: true };

function runConfig(over: Partial<RunConfig['hyper']> = {}): RunConfig {
  return {
    arm: { kind: 'easy-to-hard' },
    hyper: { ...PAPER_HYPER, lr: 1e-2, batchSize: 2, epochsPerPhase: 1, weightDecay: 0.1, warmupRatio: 0, ...over },
    seed: 3,
    logEvery: 2,
    evalEvery: 0,
    template: 'paper',
    contextLength: 32,
    lora,
  };
}

const snapshot = (params: GptParams) =>
  Object.fromEntries(Object.entries(params).map(([n, v]) => [n, Array.from(v.dataSync())]));

beforeAll(async () => {
  await useNodeBackend('wasm');
  modelConfig = gptConfigFromPreset('micro', tok.vocabSize);
});
afterAll(() => disposeGptCaches());

describe('LoRA training', () => {
  it('trains only the adapters and chosen LayerNorms, across both phases; the base stays bit for bit', async () => {
    const params = addLoraAdapters(modelConfig, initGptParams(modelConfig, 1), lora, 3);
    const before = snapshot(params);
    const events: RunEvent[] = [];
    const runner = new PhasedRunner({
      config: runConfig(),
      model: { config: modelConfig, params },
      tokenizer: tok,
      phases: [easy, hard],
      onEvent: (e) => events.push(e),
    });
    const summary = await runner.run();
    expect(summary.status).toBe('done');
    expect(summary.losses[summary.losses.length - 1]).toBeLessThan(summary.losses[0]!);
    const after = snapshot(params);
    for (const name of Object.keys(before)) {
      const frozen = !name.includes('.lora_') && !/ln_(\d|f)\./.test(name);
      if (frozen) expect(after[name], name).toEqual(before[name]);
      else expect(after[name], name).not.toEqual(before[name]);
    }
    // AdamW holds moments of the trainable tensors only: the phase-end checkpoint has m and v for those.
    const ck = events.filter((e) => e.type === 'checkpoint').at(-1);
    if (ck?.type !== 'checkpoint') throw new Error('no checkpoint');
    const info = readCheckpointInfo(ck.bytes);
    expect(info.lora).toEqual(lora);
    const loaded = loadCheckpoint(ck.bytes);
    const moments = Object.keys(loaded.optimizerState!).filter((k) => k.startsWith('m.'));
    expect(moments.sort()).toEqual(
      Object.keys(before)
        .filter((n) => n.includes('.lora_') || /ln_(\d|f)\./.test(n))
        .map((n) => `m.${n}`)
        .sort(),
    );
    expect(snapshot(loaded.params)).toEqual(after);
    tf.dispose(Object.values(loaded.optimizerState!));
    disposeGptParams(loaded.params);
    runner.dispose();
    disposeGptParams(params);
  }, 60_000);

  it('the second phase continues from the first phase’s adapters (fresh AdamW and schedule), and a resume repeats the run', async () => {
    const straightParams = addLoraAdapters(modelConfig, initGptParams(modelConfig, 1), lora, 3);
    const straight = new PhasedRunner({
      config: runConfig(),
      model: { config: modelConfig, params: straightParams },
      tokenizer: tok,
      phases: [easy, hard],
      checkpoints: false,
    });
    const all = await straight.run();
    straight.dispose();
    disposeGptParams(straightParams);

    const params = addLoraAdapters(modelConfig, initGptParams(modelConfig, 1), lora, 3);
    const events: RunEvent[] = [];
    const first = new PhasedRunner({
      config: runConfig(),
      model: { config: modelConfig, params },
      tokenizer: tok,
      phases: [easy, hard],
      maxSteps: 4,
      onEvent: (e) => events.push(e),
    });
    const s1 = await first.run();
    first.dispose();
    const phaseEnd = events.find((e) => e.type === 'checkpoint' && e.reason === 'phase-end');
    if (phaseEnd?.type !== 'checkpoint') throw new Error('no phase-end checkpoint');
    const phase1Adapters = snapshot(loadCheckpoint(phaseEnd.bytes).params);
    disposeGptParams(params);

    const resumed = resumeFromCheckpoint(phaseEnd.bytes);
    expect(resumed.config.lora).toEqual(lora);
    // The resumed model starts phase 2 from phase 1's adapters.
    expect(snapshot(resumed.model.params)['h.0.attn.c_attn.lora_B.weight']).toEqual(
      phase1Adapters['h.0.attn.c_attn.lora_B.weight'],
    );
    const second = new PhasedRunner({ ...resumed, phases: [easy, hard], checkpoints: false });
    tf.dispose(Object.values(resumed.resume.optimizerState ?? {}));
    const s2 = await second.run();
    second.dispose();
    disposeGptParams(resumed.model.params);
    const losses = [...s1.losses, ...s2.losses];
    expect(losses).toHaveLength(all.losses.length);
    losses.forEach((l, i) => expect(l, `step ${i + 1}`).toBeCloseTo(all.losses[i]!, 4));
  }, 60_000);

  it('refuses a LoRA config on a model without its adapters, and a new full run merges adapters it starts from', () => {
    const params = initGptParams(modelConfig, 1);
    expect(
      () =>
        new PhasedRunner({
          config: runConfig(),
          model: { config: modelConfig, params },
          tokenizer: tok,
          phases: [easy, hard],
        }),
    ).toThrow(/no adapters/);
    const withLora = addLoraAdapters(modelConfig, params, lora, 3);
    const full = paramsForRun(modelConfig, withLora, undefined, 1);
    expect(Object.keys(full).some((n) => n.includes('lora_'))).toBe(false);
    expect(
      () =>
        new PhasedRunner({
          config: runConfig({ batchSize: 0 }),
          model: { config: modelConfig, params: full },
          tokenizer: tok,
          phases: [easy, hard],
        }),
    ).toThrow(/batchSize/);
    disposeGptParams(full);
  });
});
