import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import type { GptConfig } from '../model/config';
import { disposeGptCaches, disposeGptParams, gptLoss, initGptParams, type GptParams } from '../model/gpt';
import { encodeExample } from '../text/template';
import { rec, ToyTokenizer } from '../text/testing/toyData';
import { mulberry32 } from '../util/random';
import {
  measureResponseLosses,
  percentileScale,
  createIfdScorer,
  createResponseLossScorer,
  scoreIfd,
  type ScoringModel,
} from './ifd';

const tok = new ToyTokenizer();
const CONFIG: GptConfig = {
  vocabSize: tok.vocabSize,
  contextLength: 48,
  layers: 2,
  width: 16,
  heads: 2,
  mlpRatio: 4,
  layerNormEps: 1e-5,
  attentionScale: 'sqrt',
};

let params: GptParams;
let model: ScoringModel;

/** GPT-2's init makes every logit ≈ 0 (IFD ≈ 1 for everything); larger random weights give losses that differ. */
function roughen(p: GptParams, seed: number): void {
  const next = mulberry32(seed);
  for (const [name, v] of Object.entries(p)) {
    if (name.includes('ln_')) continue;
    const values = Float32Array.from({ length: v.size }, () => (next() - 0.5) * 0.6);
    tf.tidy(() => v.assign(tf.tensor(values, v.shape)));
  }
}

beforeAll(async () => {
  await setNodeBackend('cpu');
  params = initGptParams(CONFIG, 7);
  roughen(params, 11);
  model = { config: CONFIG, params, tokenizer: tok };
});

afterAll(() => {
  disposeGptParams(params);
  disposeGptCaches();
});

/** s = mean CE of the response tokens (and final <eos>) after `promptIds`, by gptLoss on one exact-length row. */
function manualLoss(promptIds: number[], responseIds: number[]): number {
  const s = [...promptIds, ...responseIds];
  const T = s.length - 1;
  const ids = s.slice(0, T);
  const targets = s.slice(1);
  const mask = targets.map((_, t) => (t >= promptIds.length - 1 ? 1 : 0));
  return tf.tidy(
    () =>
      gptLoss(
        CONFIG,
        params,
        tf.tensor2d([ids], [1, T], 'int32'),
        tf.tensor2d([targets], [1, T], 'int32'),
        tf.tensor2d([mask], [1, T], 'float32'),
      ).dataSync()[0]!,
  );
}

const records = [
  rec('a', 'Reverse the word.', 'olleh', 'hello'),
  rec('b', 'Copy this.', 'abc'),
  rec('c', 'Add the numbers 12 and 30.', '42'),
  rec('d', 'Name a colour.', 'blue'),
  rec('e', 'Sort the letters of the word below.', 'eilst', 'islet'),
];

describe('IFD on a tiny random model (cpu)', () => {
  it('equals s(A|Q)/s(A) computed by hand from gptLoss, for one record', async () => {
    const r = records[1]!;
    const enc = encodeExample('paper', tok, r);
    const response = enc.ids.slice(enc.promptLength); // response + <eos>
    const sAQ = manualLoss(enc.ids.slice(0, enc.promptLength), response);
    const sA = manualLoss([tok.bosId], response);

    const out = await measureResponseLosses([r], model, { withoutPrompt: true, batchSize: 4 });
    expect(out.tokens[0]).toBe(response.length);
    expect(out.conditional[0]).toBeCloseTo(sAQ, 5);
    expect(out.unconditional![0]).toBeCloseTo(sA, 5);
    expect(out.ifd![0]).toBeCloseTo(sAQ / sA, 5);
    expect(Math.abs(out.ifd![0]! - 1)).toBeGreaterThan(1e-3); // the roughened model makes the check meaningful
    // the row is padded to a multiple of 8, and 3 of the batch's 4 rows are padding: neither changes the numbers
    expect(enc.ids.length - 1).toBe(33);
    expect(out.batchShapes).toEqual([[4, 40]]);
  });

  it('gives every record the same values whatever the batch size and shapes, reading back once per batch', async () => {
    const recs = [...records, rec('g', 'Hi', 'o')]; // 24 tokens: fits the shortest shape
    const one = await measureResponseLosses(recs, model, { withoutPrompt: true, batchSize: 1 });
    const two = await measureResponseLosses(recs, model, { withoutPrompt: true, batchSize: 2 });
    const fixed = await measureResponseLosses(recs, model, { withoutPrompt: true, batchSize: 2, lengthBuckets: 1 });
    expect(one.readbacks).toBe(6);
    expect(two.readbacks).toBe(3);
    // the longest row (46 tokens) rounds to 48, so the ladder is 48 / 24 / 16, of which 24 and 48 are used
    expect(one.batchShapes).toEqual([
      [1, 24],
      [1, 48],
    ]);
    expect(fixed.batchShapes).toEqual([[2, 48]]);
    for (let i = 0; i < recs.length; i++) {
      for (const other of [two, fixed]) {
        expect(other.ifd![i]).toBeCloseTo(one.ifd![i]!, 5);
        expect(other.conditional[i]).toBeCloseTo(one.conditional[i]!, 5);
      }
    }
  });

  it('maps to 1–5 by rank: lowest 1, highest 5, ties averaged, NaN kept, a single value 3', () => {
    expect(Array.from(percentileScale([0.9, 0.5, 1.2, Number.NaN, 0.7]))).toEqual([
      1 + 8 / 3,
      1,
      5,
      Number.NaN,
      1 + 4 / 3,
    ]);
    expect(Array.from(percentileScale([2, 2, 1]))).toEqual([4, 4, 1]);
    expect(Array.from(percentileScale([0.8]))).toEqual([3]);
  });

  it('scores through the Scorer interface, with progress, raw values and problems for empty responses', async () => {
    const withEmpty = [...records, rec('f', 'Say nothing.', '  ')];
    const fractions: number[] = [];
    const scorer = createIfdScorer(model, { batchSize: 2 });
    const result = await scoreIfd(withEmpty, model, { batchSize: 2, onProgress: (f) => fractions.push(f) });
    expect(fractions).toEqual([0.4, 0.8, 1]);
    expect(result.problems).toEqual([{ index: 5, id: 'f', message: 'the record has no response to score' }]);
    expect(result.scores[5]).toBeNaN();
    expect(Array.from(result.scores.slice(0, 5)).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(result.raw.slice(0, 5))).toEqual(Array.from(result.details.ifd!.slice(0, 5)));
    const viaScorer = await scorer.score(withEmpty);
    expect(Array.from(viaScorer.scores)).toEqual(Array.from(result.scores));
    expect(scorer.id).toBe('ifd');

    const loss = await createResponseLossScorer(model).score(records);
    const direct = await measureResponseLosses(records, model, { withoutPrompt: false });
    expect(Array.from(loss.scores)).toEqual(Array.from(percentileScale(direct.conditional)));
    expect(direct.unconditional).toBeUndefined();
  });

  it('scores the same response tokens with and without the prompt when the context truncates', async () => {
    const long = rec('long', 'Write it out.', 'x'.repeat(80)); // response longer than the 48-token context
    const out = await measureResponseLosses([long], model, { withoutPrompt: true });
    expect(out.truncated).toBe(1);
    expect(out.tokens[0]).toBe(49 - 24); // T + 1 − ⌊T/2⌋ kept prompt tokens
    expect(out.batchShapes).toEqual([[16, 48]]);
    expect(Number.isFinite(out.ifd![0]!)).toBe(true);
  });

  it('stops on abort between batches and leaks no tensor, finished or cancelled', async () => {
    await measureResponseLosses(records, model, { withoutPrompt: true, batchSize: 2 }); // warm the attention-mask cache
    const before = tf.memory().numTensors;
    await measureResponseLosses(records, model, { withoutPrompt: true, batchSize: 2 });
    expect(tf.memory().numTensors).toBe(before);

    const ctl = new AbortController();
    const seen: number[] = [];
    const run = measureResponseLosses(records, model, {
      withoutPrompt: true,
      batchSize: 2,
      signal: ctl.signal,
      onProgress: (f) => {
        seen.push(f);
        ctl.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual([0.4]);
    expect(tf.memory().numTensors).toBe(before);

    const pre = new AbortController();
    pre.abort();
    await expect(
      measureResponseLosses(records, model, { withoutPrompt: true, signal: pre.signal }),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });
});
