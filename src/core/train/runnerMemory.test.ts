import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../kernels/nodeBackends';
import { gptConfigFromPreset, type GptConfig } from '../model/config';
import { disposeGptCaches, disposeGptParams, initGptParams } from '../model/gpt';
import { MemoryFitError } from '../model/memoryBudget';
import { CharTokenizer } from '../tokenizer/charTokenizer';
import { PAPER_HYPER } from './hyper';
import type { RunConfig } from './runConfig';
import { PhasedRunner } from './runner';
import { rec } from '../text/testing/toyData';

const records = Array.from({ length: 8 }, (_, i) => rec(`r${i}`, `say ${i}`, `ok ${'abcdefgh'[i]}`));
const tok = CharTokenizer.fromTexts(
  records.flatMap((r) => [r.instruction, r.output]),
  { alwaysInclude: 'User: \nAssistant' },
);
let config: GptConfig;

const run = (batchSize: number): RunConfig => ({
  arm: { kind: 'one-off' },
  hyper: { ...PAPER_HYPER, batchSize, lr: 1e-3, epochsPerPhase: 1 },
  seed: 1,
  logEvery: 1,
  evalEvery: 0,
  template: 'paper',
  contextLength: 32,
});

beforeAll(async () => {
  await useNodeBackend('wasm');
  config = gptConfigFromPreset('micro', tok.vocabSize);
});
afterAll(() => disposeGptCaches());

describe('a step that cannot fit is refused before anything is allocated (wasm)', () => {
  it('batch 100 000 of the micro preset: refused with the largest batch that fits; the backend trains afterwards', async () => {
    const params = initGptParams(config, 1);
    try {
      const before = tf.memory();
      let error: unknown;
      try {
        new PhasedRunner({
          config: run(100_000),
          model: { config, params },
          tokenizer: tok,
          phases: [records],
          checkpoints: false,
        });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(MemoryFitError);
      const message = (error as Error).message;
      expect(message).toMatch(
        /^A training step at batch 100000, context 32 does not fit on wasm \(wasm's 4\.00 GiB heap/,
      );
      expect(message).toMatch(/The largest batch that fits at context 32 is \d+; raise gradient accumulation/);
      const suggested = (error as MemoryFitError).verdict.suggestion!.batchSize;
      expect(suggested).toBeGreaterThan(1);
      expect(suggested).toBeLessThan(100_000);
      // Nothing was allocated: no optimizer state, no batch buffers.
      expect(tf.memory().numTensors).toBe(before.numTensors);
      expect(tf.memory().numBytes).toBe(before.numBytes);

      // The backend is intact: the same model trains at batch 8.
      const runner = new PhasedRunner({
        config: run(8),
        model: { config, params },
        tokenizer: tok,
        phases: [records],
        checkpoints: false,
        maxSteps: 2,
      });
      const summary = await runner.run();
      runner.dispose();
      expect(summary.steps).toBe(1);
      expect(Number.isFinite(summary.losses[0])).toBe(true);
    } finally {
      disposeGptParams(params);
    }
  });
});
