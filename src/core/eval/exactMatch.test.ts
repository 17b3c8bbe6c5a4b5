import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import type { InstructionRecord } from '../data/record';
import { gptConfigFromPreset } from '../model/config';
import { disposeGptParams, initGptParams, type GptParams } from '../model/gpt';
import { CharTokenizer } from '../tokenizer/charTokenizer';
import { encodePrompt } from '../text/template';
import { mulberry32 } from '../util/random';
import {
  answerFromCompletion,
  evaluateExactMatch,
  generateAnswers,
  normalizeWhitespace,
  scoreExactMatch,
} from './exactMatch';
import { greedyGenerate } from './generate';

describe('scoreExactMatch (hand-made)', () => {
  const items = [
    { bucket: '1', expected: 'cba', answer: 'cba' }, // right
    { bucket: '1', expected: 'cba', answer: 'cb' }, // wrong
    { bucket: '1', expected: '42', answer: '42 ' }, // right only after normalising
    { bucket: '2', expected: 'a b', answer: 'a  b' }, // right only after normalising
    { bucket: '2', expected: 'a b', answer: 'ab' }, // wrong both ways
    { bucket: '10', expected: 'x', answer: 'x' }, // right; sorts after 2
    { bucket: '2', expected: 'Dog', answer: 'dog' }, // case matters in both
  ];

  it('counts per bucket, strict and whitespace-normalised', () => {
    const r = scoreExactMatch(items);
    expect(r.buckets.map((b) => b.bucket)).toEqual(['1', '2', '10']);
    expect(r.buckets[0]).toEqual({
      bucket: '1',
      n: 3,
      correct: 1,
      rate: 1 / 3,
      correctNormalized: 2,
      rateNormalized: 2 / 3,
    });
    expect(r.buckets[1]).toEqual({
      bucket: '2',
      n: 3,
      correct: 0,
      rate: 0,
      correctNormalized: 1,
      rateNormalized: 1 / 3,
    });
    expect(r.buckets[2]).toEqual({ bucket: '10', n: 1, correct: 1, rate: 1, correctNormalized: 1, rateNormalized: 1 });
    expect(r.overall).toEqual({
      bucket: 'all',
      n: 7,
      correct: 2,
      rate: 2 / 7,
      correctNormalized: 4,
      rateNormalized: 4 / 7,
    });
  });

  it('normalises whitespace and finds the answer in a rendered completion', () => {
    expect(normalizeWhitespace('  a \n\t b  ')).toBe('a b');
    expect(answerFromCompletion('<bos>User: reverse abc<eos>\nAssistant: cba<eos><pad>')).toBe('cba');
    expect(answerFromCompletion('<bos>User: say "Assistant: "<eos>\nAssistant: ok')).toBe('ok');
    expect(answerFromCompletion('cba<eos>x')).toBe('cba');
    expect(scoreExactMatch([]).overall.rate).toBeNaN();
  });
});

describe('generateAnswers / evaluateExactMatch on a model', () => {
  const tok = CharTokenizer.fromTexts(['abcdefghij xyz.', 'User: ', '\nAssistant: ']);
  const config = gptConfigFromPreset('micro', tok.vocabSize, { contextLength: 48 });
  let params: GptParams;
  const rec = (id: string, instruction: string, output: string): InstructionRecord => ({
    id,
    instruction,
    input: '',
    output,
    meta: {},
  });

  beforeAll(async () => {
    await setNodeBackend('cpu');
    params = initGptParams(config, 3);
    const next = mulberry32(5);
    for (const v of Object.values(params)) {
      tf.tidy(() =>
        v.assign(
          tf.add(
            v,
            tf.tensor(
              Float32Array.from({ length: v.size }, () => 0.5 * (next() - 0.5)),
              v.shape,
            ),
          ),
        ),
      );
    }
  });
  afterAll(() => disposeGptParams(params));

  it('prompts with the template, caps at the expected length + slack, and scores what came out', async () => {
    const prompts = [rec('a', 'abc', ''), rec('b', 'ja ja.', ''), rec('c', 'xyz', '')];
    // What the model says to each prompt in three tokens, straight from the token-level generator.
    const raw = await greedyGenerate(
      { config, params },
      prompts.map((r) => encodePrompt('paper', tok, r)),
      { maxNewTokens: 3, eosId: tok.eosId },
    );
    const said = raw.map((g) => tok.decode(g.ids));
    expect(said.every((s) => s.length > 0)).toBe(true);
    // With slack 0 a record gets exactly as many tokens as its expected output has.
    const answers = await generateAnswers(
      { config, params },
      tok,
      prompts.map((r, i) => ({ ...r, output: said[i]! })),
      { slack: 0 },
    );
    expect(answers.map((a) => a.answer)).toEqual(said);

    const wrong = (s: string) => (s[0] === 'a' ? 'b' : 'a') + s.slice(1);
    const records = [
      { record: rec('a', 'abc', said[0]!), bucket: '1' },
      { record: rec('b', 'ja ja.', wrong(said[1]!)), bucket: '1' },
      { record: rec('c', 'xyz', said[2]!), bucket: '2' },
    ];
    const { report, items } = await evaluateExactMatch({ config, params }, tok, records, { slack: 0 });
    expect(items.map((it) => it.answer)).toEqual(said);
    expect(report.buckets).toEqual([
      { bucket: '1', n: 2, correct: 1, rate: 0.5, correctNormalized: 1, rateNormalized: 0.5 },
      { bucket: '2', n: 1, correct: 1, rate: 1, correctNormalized: 1, rateNormalized: 1 },
    ]);
  });
});
