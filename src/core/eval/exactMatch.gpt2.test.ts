/**
 * Exact match under GPT-2's byte-level BPE: the model is given the prompt without the trailing space its first
 * word takes in (" Paris"), and that space is not counted as part of the answer.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import { gptConfigFromPreset } from '../model/config';
import { disposeGptParams, initGptParams } from '../model/gpt';
import { gpt2Tokenizer } from '../tokenizer/testing/gpt2';
import { generationPrompt } from '../text/template';
import { generateAnswers } from './exactMatch';

beforeAll(async () => {
  await setNodeBackend('cpu');
});

const PARIS = 6342; // " Paris"

describe('generateAnswers with GPT-2', () => {
  it('holds back the prompt\'s trailing space and answers "Paris", not " Paris"', async () => {
    const tok = gpt2Tokenizer();
    const record = { id: 'a', instruction: 'Capital of France?', input: '', output: 'Paris' };
    const prompt = generationPrompt('paper', tok, record);
    expect(tok.decode(prompt.ids.slice(-2))).toBe('Assistant:');
    expect(prompt.heldBack).toEqual([220]);

    // A model that always says " Paris": a constant final hidden state (ln_f gain 0, bias b) whose dot product with
    // the token table is largest on the " Paris" row.
    const config = gptConfigFromPreset('micro', tok.vocabSize);
    const params = initGptParams(config, 1);
    const b = Float32Array.from({ length: config.width }, (_, i) => (i % 2 === 0 ? 1 : -1));
    tf.tidy(() => {
      params['ln_f.weight']!.assign(tf.zeros([config.width]));
      params['ln_f.bias']!.assign(tf.tensor1d(b));
      const wte = params.wte!.arraySync() as number[][];
      wte[PARIS] = Array.from(b, (x) => x * 10);
      params.wte!.assign(tf.tensor2d(wte));
    });
    const [answer] = await generateAnswers({ config, params }, tok, [record], { maxNewTokens: 1 });
    disposeGptParams(params);
    expect(answer!.answer).toBe('Paris');
  });
});
