import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import type { InstructionRecord } from '../data/record';
import { gptConfigFromPreset } from '../model/config';
import { disposeGptParams, initGptParams, type GptParams } from '../model/gpt';
import { CharTokenizer } from '../tokenizer/charTokenizer';
import { generateSamples, pickSamplePrompts } from './samples';

const rec = (id: string, output = 'x'): InstructionRecord => ({
  id,
  instruction: `task ${id}`,
  input: '',
  output,
  meta: {},
});

function heldOut(): { record: InstructionRecord; bucket: string }[] {
  const out: { record: InstructionRecord; bucket: string }[] = [];
  for (let i = 0; i < 30; i++) out.push({ record: rec(String(i)), bucket: String(1 + (i % 3)) });
  return out;
}

describe('pickSamplePrompts', () => {
  it('takes the same number from every bucket, buckets in order', () => {
    const picked = pickSamplePrompts(heldOut(), { perBucket: 2 });
    expect(picked.map((p) => p.bucket)).toEqual(['1', '1', '2', '2', '3', '3']);
    expect(picked[0]).toMatchObject({ instruction: `task ${picked[0]!.id}`, input: '', expected: 'x' });
  });

  it('depends on ids and seed only, not on the order of the list', () => {
    const a = pickSamplePrompts(heldOut(), { perBucket: 3, seed: 4 });
    const b = pickSamplePrompts(heldOut().reverse(), { perBucket: 3, seed: 4 });
    expect(b).toEqual(a);
    const c = pickSamplePrompts(heldOut(), { perBucket: 3, seed: 5 });
    expect(c.map((p) => p.id)).not.toEqual(a.map((p) => p.id));
  });

  it('gives a whole small bucket when it has fewer than asked', () => {
    const picked = pickSamplePrompts([{ record: rec('only'), bucket: '7' }], { perBucket: 3 });
    expect(picked.map((p) => p.id)).toEqual(['only']);
  });
});

describe('generateSamples', () => {
  const tok = CharTokenizer.fromTexts(['task 0123456789x', 'User: ', '\nAssistant: ']);
  const config = gptConfigFromPreset('micro', tok.vocabSize, { contextLength: 40 });
  let params: GptParams;
  beforeAll(async () => {
    await setNodeBackend('cpu');
    params = initGptParams(config, 1);
  });
  afterAll(() => disposeGptParams(params));

  it('generates for each prompt, in order, up to the cap', async () => {
    const prompts = pickSamplePrompts(heldOut(), { perBucket: 1 });
    const before = tf.memory().numTensors;
    const samples = await generateSamples({ config, params }, tok, prompts, { maxNewTokens: 5 });
    expect(tf.memory().numTensors).toBe(before);
    expect(samples.map((s) => s.id)).toEqual(prompts.map((p) => p.id));
    for (const s of samples) {
      expect(s.generated.length).toBeLessThanOrEqual(5);
      expect(s.correct).toBe(s.generated === 'x');
      if (s.stop === 'max') expect([...s.generated].length).toBe(5);
    }
  });
});
