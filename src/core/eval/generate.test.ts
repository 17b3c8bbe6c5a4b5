import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import { GPT_PRESETS, type GptConfig } from '../model/config';
import { disposeGptParams, gptLogits, initGptParams, type GptParams } from '../model/gpt';
import { randomizeGptParams } from '../model/testing/randomParams';
import { greedyGenerate, type Generation } from './generate';

const CONFIG: GptConfig = { ...GPT_PRESETS.micro, vocabSize: 23, contextLength: 24, width: 16 };

/** Larger-than-init random weights, so the logits are peaked and every layer matters to the argmax. */
function randomize(params: GptParams, seed: number): void {
  randomizeGptParams(params, seed, { embeddings: 0.8, weights: 0.4 });
}

/** Argmax of gptLogits over the whole sequence, at every position from `from` on (no cache, no padding). */
function fullArgmax(params: GptParams, seq: number[], from: number): { ids: number[]; gaps: number[] } {
  return tf.tidy(() => {
    const logits = gptLogits(CONFIG, params, tf.tensor2d([seq], [1, seq.length], 'int32'));
    const rows = logits.arraySync()[0]!;
    const ids: number[] = [];
    const gaps: number[] = [];
    for (let t = from; t < seq.length; t++) {
      const row = rows[t]!;
      const sorted = [...row].sort((a, b) => b - a);
      ids.push(row.indexOf(sorted[0]!));
      gaps.push(sorted[0]! - sorted[1]!);
    }
    return { ids, gaps };
  });
}

/** Every generated token (and the stopping <eos>) is the argmax of the full recompute at its position. */
function expectAgreement(params: GptParams, prompt: number[], gen: Generation, eosId: number): void {
  const seq = [...prompt, ...gen.ids];
  const { ids } = fullArgmax(params, seq, prompt.length - 1);
  const expected = gen.stop === 'eos' ? [...gen.ids, eosId] : gen.ids;
  expect(ids.slice(0, expected.length)).toEqual(expected);
}

const PROMPTS = [
  [1, 5, 9, 4],
  [1, 7],
  [1, 12, 13, 14, 15, 16, 17, 18, 19],
  [1, 3, 3, 3, 3, 8],
  [1],
  [1, 22, 21, 20, 6, 10, 11],
];

describe('greedyGenerate', () => {
  let params: GptParams;
  beforeAll(async () => {
    await setNodeBackend('cpu');
    params = initGptParams(CONFIG, 7);
    randomize(params, 11);
  });
  afterAll(() => disposeGptParams(params));

  it('equals the argmax of gptLogits recomputed on the full sequence, for prompts of different lengths batched together', async () => {
    const gens = await greedyGenerate({ config: CONFIG, params }, PROMPTS, {
      maxNewTokens: 8,
      eosId: -1,
      batchSize: 8,
    });
    gens.forEach((g, i) => {
      expect(g.stop).toBe('max');
      expect(g.ids).toHaveLength(8);
      expectAgreement(params, PROMPTS[i]!, g, -1);
    });
    // The check has teeth: the model's greedy choices are clear-cut, not near-ties that any error would flip …
    const { gaps } = fullArgmax(params, [...PROMPTS[0]!, ...gens[0]!.ids], 3);
    expect(Math.min(...gaps)).toBeGreaterThan(1e-3);
    // … and the continuations depend on the prompt (a cache bug that dropped the prompt would not pass).
    expect(new Set(gens.map((g) => g.ids.join(','))).size).toBeGreaterThan(3);
  });

  it('gives the same tokens one prompt at a time as batched (padding does not leak into a row)', async () => {
    const batched = await greedyGenerate({ config: CONFIG, params }, PROMPTS, {
      maxNewTokens: 6,
      eosId: -1,
      batchSize: 6,
    });
    const single = await greedyGenerate({ config: CONFIG, params }, PROMPTS, {
      maxNewTokens: 6,
      eosId: -1,
      batchSize: 1,
    });
    expect(batched.map((g) => g.ids)).toEqual(single.map((g) => g.ids));
  });

  it('stops a row at <eos> (not included) while the others go on', async () => {
    const free = await greedyGenerate({ config: CONFIG, params }, PROMPTS, { maxNewTokens: 8, eosId: -1 });
    const eos = free[0]!.ids[3]!; // a token prompt 0 produces at step 4: use it as the end token
    const firstAt = free[0]!.ids.indexOf(eos);
    const gens = await greedyGenerate({ config: CONFIG, params }, PROMPTS, { maxNewTokens: 8, eosId: eos });
    expect(gens[0]!.stop).toBe('eos');
    expect(gens[0]!.ids).toEqual(free[0]!.ids.slice(0, firstAt));
    gens.forEach((g, i) => {
      expectAgreement(params, PROMPTS[i]!, g, eos);
      const cut = free[i]!.ids.indexOf(eos);
      expect(g.ids).toEqual(cut < 0 ? free[i]!.ids : free[i]!.ids.slice(0, cut));
      expect(g.stop).toBe(cut < 0 ? 'max' : 'eos');
    });
  });

  it('honours a per-prompt maxNewTokens and the context length', async () => {
    const long = Array.from({ length: 21 }, (_, i) => 1 + (i % 20));
    const gens = await greedyGenerate({ config: CONFIG, params }, [PROMPTS[0]!, PROMPTS[1]!, long], {
      maxNewTokens: [2, 0, 10],
      eosId: -1,
    });
    expect(gens[0]!.ids).toHaveLength(2);
    expect(gens[1]!.ids).toHaveLength(0);
    // 21 prompt tokens + 3 new = the context of 24.
    expect(gens[2]!.ids).toHaveLength(3);
    expect(gens[2]!.stop).toBe('context');
    expectAgreement(params, long, gens[2]!, -1);
  });

  it('cuts a prompt longer than the context from the left, keeping <bos>', async () => {
    const long = [1, ...Array.from({ length: 40 }, (_, i) => 2 + (i % 20))];
    const [g] = await greedyGenerate({ config: CONFIG, params }, [long], { maxNewTokens: 4, eosId: -1 });
    expect(g!.ids).toHaveLength(4);
    expect(g!.promptTruncated).toBe(long.length - 20);
    expectAgreement(params, [1, ...long.slice(long.length - 19)], g!, -1);
  });

  it('leaves no tensors behind', async () => {
    await greedyGenerate({ config: CONFIG, params }, PROMPTS, { maxNewTokens: 3, eosId: -1 });
    const before = tf.memory().numTensors;
    await greedyGenerate({ config: CONFIG, params }, PROMPTS, { maxNewTokens: 5, eosId: 4, batchSize: 4 });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('agrees on the wasm backend too', async () => {
    await setNodeBackend('wasm');
    const wasmParams = initGptParams(CONFIG, 7);
    randomize(wasmParams, 11);
    try {
      const gens = await greedyGenerate({ config: CONFIG, params: wasmParams }, PROMPTS, {
        maxNewTokens: 8,
        eosId: -1,
      });
      gens.forEach((g, i) => expectAgreement(wasmParams, PROMPTS[i]!, g, -1));
    } finally {
      disposeGptParams(wasmParams);
      await setNodeBackend('cpu');
    }
  });
});
