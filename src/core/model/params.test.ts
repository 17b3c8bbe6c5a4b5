import { describe, expect, it } from 'vitest';
import { goldenFolder, goldenJson } from '../golden/goldenFiles';
import { importHfModel } from '../hf/importModel';
import { decayMask } from './params';

/** Trainer.get_decay_parameter_names of the golden models (python/make_golden.py), and all their parameter names. */
const decay = goldenJson<Record<string, string[]>>('decay.json');

describe('decayMask', () => {
  for (const architecture of ['gpt2', 'gpt_neo'] as const) {
    it(`${architecture}: decays exactly what Hugging Face's Trainer decays`, () => {
      const decayed = new Set(decay[architecture]);
      const imported = importHfModel(goldenFolder(architecture));
      let checked = 0;
      for (const name of Object.keys(imported.params)) {
        // Each studio parameter is built from one or more checkpoint tensors (GPT-Neo's c_attn from q, k, v).
        for (const theirs of imported.source.names[name]!) {
          expect(decay[`${architecture}:all`]).toContain(theirs);
          expect(decayMask(name), `${name} (${theirs})`).toBe(decayed.has(theirs));
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(20);
    });
  }

  it('keeps biases and LayerNorm weights out, and decays the embeddings', () => {
    expect(['h.0.attn.c_attn.bias', 'h.3.ln_1.weight', 'ln_f.weight', 'ln_f.bias'].map(decayMask)).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(['wte', 'wpe', 'h.0.attn.c_attn.weight', 'h.0.mlp.c_proj.weight'].map(decayMask)).toEqual([
      true,
      true,
      true,
      true,
    ]);
  });
});
