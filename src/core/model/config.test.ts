import { describe, expect, it } from 'vitest';
import {
  countGptParams,
  GPT_PRESETS,
  gptConfigFromPreset,
  GptConfigError,
  gptConfigProblems,
  gptParamShapes,
  validateGptConfig,
} from './config';

describe('GptConfig', () => {
  it('builds every preset with the tokenizer vocabulary', () => {
    for (const name of Object.keys(GPT_PRESETS) as (keyof typeof GPT_PRESETS)[]) {
      const c = gptConfigFromPreset(name, 100);
      expect(c.vocabSize).toBe(100);
      expect(gptConfigProblems(c)).toEqual([]);
    }
    expect(gptConfigFromPreset('tiny', 256)).toMatchObject({ layers: 2, width: 64, contextLength: 64 });
    expect(gptConfigFromPreset('small', 256, { contextLength: 256 }).contextLength).toBe(256);
  });

  it('counts parameters like GPT-2 (124M for the GPT-2 small shape)', () => {
    const gpt2 = validateGptConfig({
      vocabSize: 50257,
      contextLength: 1024,
      layers: 12,
      width: 768,
      heads: 12,
      mlpRatio: 4,
      layerNormEps: 1e-5,
      attentionScale: 'sqrt',
    });
    expect(countGptParams(gpt2)).toBe(124_439_808);
  });

  it('lists every problem with a clear message', () => {
    const problems = gptConfigProblems({
      vocabSize: 0,
      contextLength: 1.5,
      layers: 2,
      width: 30,
      heads: 4,
      mlpRatio: -1,
      layerNormEps: 0,
      attentionScale: 'cube',
    });
    expect(problems).toHaveLength(6);
    expect(problems.join('\n')).toMatch(/vocabSize .* must be a positive integer, got 0/);
    expect(problems.join('\n')).toMatch(/contextLength .* got 1.5/);
    expect(problems.join('\n')).toMatch(/width 30 is not divisible by heads 4/);
    expect(problems.join('\n')).toMatch(/mlpRatio/);
    expect(problems.join('\n')).toMatch(/layerNormEps/);
    expect(problems.join('\n')).toMatch(/attentionScale must be "sqrt" \(GPT-2\) or "none" \(GPT-Neo\), got "cube"/);
    expect(() => validateGptConfig({ ...GPT_PRESETS.micro })).toThrow(GptConfigError);
    expect(gptConfigProblems(null)).toEqual(['The model config must be an object.']);
  });
});

describe('GptConfig from a file', () => {
  it('refuses sizes no browser model has before anything is sized from them', () => {
    const base = {
      vocabSize: 96,
      contextLength: 64,
      layers: 2,
      width: 64,
      heads: 4,
      mlpRatio: 4,
      layerNormEps: 1e-5,
      attentionScale: 'sqrt',
    };
    expect(gptConfigProblems(base)).toEqual([]);
    expect(gptConfigProblems({ ...base, layers: 1e9 })).toEqual([
      'layers (number of transformer blocks) must be at most 256, got 1000000000.',
    ]);
    expect(gptConfigProblems({ ...base, vocabSize: 2 ** 31 })).toEqual([
      'vocabSize (number of token ids) must be at most 1048576, got 2147483648.',
    ]);
    expect(gptConfigProblems({ ...base, mlpRatio: 1e6 })).toHaveLength(1);
  });
});

describe('qkvBias', () => {
  const base = gptConfigFromPreset('micro', 10);
  it('false removes only the q/k/v bias (the out projection keeps its bias, as in GPT-Neo)', () => {
    const names = gptParamShapes({ ...base, qkvBias: false }).map(([n]) => n);
    expect(names).not.toContain('h.0.attn.c_attn.bias');
    expect(names).toContain('h.0.attn.c_proj.bias');
    expect(countGptParams(base) - countGptParams({ ...base, qkvBias: false })).toBe(base.layers * 3 * base.width);
  });
  it('absent or true keeps GPT-2’s bias; anything but a boolean is a problem', () => {
    expect(gptParamShapes(base).map(([n]) => n)).toContain('h.1.attn.c_attn.bias');
    expect(gptParamShapes({ ...base, qkvBias: true })).toEqual(gptParamShapes(base));
    expect(gptConfigProblems({ ...base, qkvBias: 'no' })).toEqual([
      'qkvBias must be true (GPT-2) or false (GPT-Neo: no q/k/v bias), got "no".',
    ]);
  });
});
