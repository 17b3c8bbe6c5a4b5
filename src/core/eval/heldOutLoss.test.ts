import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import type { InstructionRecord } from '../data/record';
import { gptConfigFromPreset } from '../model/config';
import { disposeGptParams, gptLogits, initGptParams, type GptParams } from '../model/gpt';
import { CharTokenizer } from '../tokenizer/charTokenizer';
import { encodeExample } from '../train/template';
import { heldOutLossByBucket } from './heldOutLoss';

const tok = CharTokenizer.fromTexts(['abcdefghij xyz.0123456789', 'User: ', '\nAssistant: ']);
const config = gptConfigFromPreset('micro', tok.vocabSize, { contextLength: 64 });
const rec = (id: string, instruction: string, output: string): InstructionRecord => ({ id, instruction, input: '', output, meta: {} });

/** −log p(response tokens + <eos>) summed by hand from full-sequence logits, one record at a time. */
function handLoss(params: GptParams, r: InstructionRecord): { sum: number; tokens: number } {
  const { ids, promptLength } = encodeExample('paper', tok, r);
  return tf.tidy(() => {
    const logits = gptLogits(config, params, tf.tensor2d([ids.slice(0, -1)], [1, ids.length - 1], 'int32')).arraySync()[0]!;
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
    const records = Array.from({ length: 7 }, (_, i) => ({ record: rec(String(i), 'abc'.repeat(i + 1), 'x'.repeat(7 - i)), bucket: String(i % 2) }));
    const a = await heldOutLossByBucket({ config, params }, tok, records, { batchSize: 1 });
    const b = await heldOutLossByBucket({ config, params }, tok, records, { batchSize: 5 });
    expect(b.overall).toBeCloseTo(a.overall, 5);
  });
});
