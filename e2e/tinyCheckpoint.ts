/**
 * A tiny studio checkpoint written without tfjs (seeded weights, a character tokenizer over the given texts), for
 * tests that need a model file to hand to the page. Its weights are not trained: it checks plumbing, not quality.
 */
import { GPT_PRESETS, gptParamShapes, type GptConfig } from '../src/core/model/config';
import { writeSafetensors, type TensorToWrite } from '../src/core/model/safetensors';
import { CharTokenizer } from '../src/core/tokenizer/charTokenizer';

export function tinyCheckpoint(texts: readonly string[], seed = 1): Uint8Array {
  const tokenizer = CharTokenizer.fromTexts(texts, { alwaysInclude: 'User: \nAssistant' });
  const config: GptConfig = { ...GPT_PRESETS.micro, contextLength: 128, vocabSize: tokenizer.vocabSize };
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
  const tensors: Record<string, TensorToWrite> = {};
  for (const [name, shape] of gptParamShapes(config)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    if (name.endsWith('ln_1.weight') || name.endsWith('ln_2.weight') || name === 'ln_f.weight') data.fill(1);
    else if (!name.endsWith('.bias')) for (let i = 0; i < size; i++) data[i] = 0.04 * next();
    tensors[name] = { dtype: 'F32', shape, data };
  }
  return writeSafetensors(tensors, {
    'studio.checkpoint': '1',
    'studio.config': JSON.stringify(config),
    'studio.tokenizer': JSON.stringify(tokenizer.toJSON()),
  });
}
