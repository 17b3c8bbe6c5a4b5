import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import type { InstructionRecord } from '../data/record';
import { gptConfigFromPreset } from '../model/config';
import { disposeGptParams, gptLogits, initGptParams, type GptParams } from '../model/gpt';
import { CharTokenizer } from '../tokenizer/charTokenizer';
import { encodeExample } from '../text/template';
import {
  bucketLosses,
  evaluateHeldOut,
  firstHeldOutBatch,
  heldOutLossByBucket,
  heldOutSets,
  measureHeldOutRows,
} from './heldOutLoss';

const tok = CharTokenizer.fromTexts(['abcdefghij xyz.0123456789', 'User: ', '\nAssistant: ']);
const config = gptConfigFromPreset('micro', tok.vocabSize, { contextLength: 64 });
const rec = (id: string, instruction: string, output: string): InstructionRecord => ({
  id,
  instruction,
  input: '',
  output,
  meta: {},
});

/** −log p(response tokens + <eos>) summed by hand from full-sequence logits, one record at a time. */
function handLoss(params: GptParams, r: InstructionRecord): { sum: number; tokens: number } {
  const { ids, promptLength } = encodeExample('paper', tok, r);
  return tf.tidy(() => {
    const logits = gptLogits(
      config,
      params,
      tf.tensor2d([ids.slice(0, -1)], [1, ids.length - 1], 'int32'),
    ).arraySync()[0]!;
    let sum = 0;
    for (let t = promptLength - 1; t < ids.length - 1; t++) {
      const row = logits[t]!;
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((a, v) => a + Math.exp(v - max), 0));
      sum += lse - row[ids[t + 1]!]!;
    }
    return { sum, tokens: ids.length - promptLength };
  });
}

describe('heldOutLossByBucket', () => {
  let params: GptParams;
  beforeAll(async () => {
    await setNodeBackend('cpu');
    params = initGptParams(config, 2);
  });
  afterAll(() => disposeGptParams(params));

  it('is the token-weighted response cross-entropy per bucket, as computed by hand', async () => {
    const records = [
      { record: rec('1', 'abc', 'cba'), bucket: '2' },
      { record: rec('2', 'a much longer prompt here', 'xyz.'), bucket: '1' },
      { record: rec('3', 'j', 'jjjjjjjjjj'), bucket: '2' },
      { record: rec('4', 'add 12 and 30', '42'), bucket: '1' },
      { record: rec('5', 'e', 'e'), bucket: '10' },
    ];
    // The first call lets the model cache its causal mask per batch width; the second must leave nothing behind.
    await heldOutLossByBucket({ config, params }, tok, records, { batchSize: 2 });
    const before = tf.memory().numTensors;
    const report = await heldOutLossByBucket({ config, params }, tok, records, { batchSize: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(report.buckets.map((b) => b.bucket)).toEqual(['1', '2', '10']);
    let total = 0;
    let tokens = 0;
    for (const b of report.buckets) {
      const mine = records.filter((r) => r.bucket === b.bucket).map((r) => handLoss(params, r.record));
      const sum = mine.reduce((a, m) => a + m.sum, 0);
      const n = mine.reduce((a, m) => a + m.tokens, 0);
      expect(b.tokens).toBe(n);
      expect(b.records).toBe(mine.length);
      expect(b.loss).toBeCloseTo(sum / n, 4);
      total += sum;
      tokens += n;
    }
    expect(report.tokens).toBe(tokens);
    expect(report.overall).toBeCloseTo(total / tokens, 4);
  });

  it('does not depend on the batch size', async () => {
    const records = Array.from({ length: 7 }, (_, i) => ({
      record: rec(String(i), 'abc'.repeat(i + 1), 'x'.repeat(7 - i)),
      bucket: String(i % 2),
    }));
    const a = await heldOutLossByBucket({ config, params }, tok, records, { batchSize: 1 });
    const b = await heldOutLossByBucket({ config, params }, tok, records, { batchSize: 5 });
    expect(b.overall).toBeCloseTo(a.overall, 5);
  });

  it('gives each record its own row sum, in the set’s order, whichever batching', async () => {
    const records = Array.from({ length: 5 }, (_, i) => ({
      record: rec(String(i), 'ab'.repeat(5 - i), 'xyz'.slice(0, 1 + (i % 3))),
      bucket: '1',
    }));
    const sets = heldOutSets(records, 'paper', tok, 64);
    for (const shape of ['fixed', 'fit'] as const) {
      const [rows] = await measureHeldOutRows({ config, params }, sets, {
        batchSize: 2,
        contextLength: 64,
        padId: tok.padId,
        shape,
      });
      records.forEach((r, i) => {
        const hand = handLoss(params, r.record);
        expect(rows!.tokens[i], `${shape} ${i}`).toBe(hand.tokens);
        expect(rows!.sums[i], `${shape} ${i}`).toBeCloseTo(hand.sum, 4);
      });
    }
  });

  it('fixed [B, T] batches (the runner’s) and length-fitted ones give the same report', async () => {
    const records = Array.from({ length: 7 }, (_, i) => ({
      record: rec(String(i), 'j'.repeat(i + 1), 'e'.repeat(7 - i)),
      bucket: String(1 + (i % 3)),
    }));
    const sets = heldOutSets(records, 'paper', tok, 64);
    const fixed = await evaluateHeldOut({ config, params }, sets, {
      batchSize: 3,
      contextLength: 64,
      padId: tok.padId,
      shape: 'fixed',
    });
    const fit = await evaluateHeldOut({ config, params }, sets, {
      batchSize: 3,
      contextLength: 64,
      padId: tok.padId,
      shape: 'fit',
    });
    expect(fit.buckets.map((b) => [b.bucket, b.records, b.tokens])).toEqual(
      fixed.buckets.map((b) => [b.bucket, b.records, b.tokens]),
    );
    fit.buckets.forEach((b, i) => expect(b.loss).toBeCloseTo(fixed.buckets[i]!.loss, 5));
    expect(fit.overall).toBeCloseTo(fixed.overall, 5);
  });

  it('first batch: the row sums of the evaluation’s first batch, for a warm-up', async () => {
    const records = [{ record: rec('1', 'abc', 'cba'), bucket: '1' }];
    const sets = heldOutSets(records, 'paper', tok, 64);
    const batching = { batchSize: 2, contextLength: 64, padId: tok.padId, shape: 'fixed' as const };
    const t = firstHeldOutBatch({ config, params }, sets, batching)!;
    expect(t.shape).toEqual([2]);
    const [sum, pad] = Array.from(await t.data());
    t.dispose();
    expect(sum).toBeCloseTo(handLoss(params, records[0]!.record).sum, 4);
    expect(pad).toBe(0);
    expect(firstHeldOutBatch({ config, params }, [], batching)).toBeNull();
  });
});

describe('bucketLosses', () => {
  it('weights by scored tokens within a bucket and overall; NaN where nothing was scored', () => {
    const report = bucketLosses([
      { bucket: '1', sums: Float64Array.from([2, 6]), tokens: Int32Array.from([1, 3]) },
      { bucket: '2', sums: Float64Array.from([0]), tokens: Int32Array.from([0]) },
      { bucket: '3', sums: Float64Array.from([4]), tokens: Int32Array.from([4]) },
    ]);
    expect(report.buckets).toEqual([
      { bucket: '1', loss: 2, records: 2, tokens: 4 },
      { bucket: '2', loss: NaN, records: 1, tokens: 0 },
      { bucket: '3', loss: 1, records: 1, tokens: 4 },
    ]);
    expect(report.overall).toBe(12 / 8);
    expect(report.tokens).toBe(8);
    expect(bucketLosses([])).toEqual({ buckets: [], overall: NaN, tokens: 0 });
  });
});
