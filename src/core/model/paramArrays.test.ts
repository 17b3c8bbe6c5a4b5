import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import { gptParamShapes, type GptConfig } from './config';
import { disposeGptParams } from './gpt';
import { paramsFromArrays } from './paramArrays';

beforeAll(async () => {
  await setNodeBackend('cpu');
});

const config: GptConfig = {
  vocabSize: 11,
  contextLength: 4,
  layers: 1,
  width: 8,
  heads: 2,
  mlpRatio: 4,
  layerNormEps: 1e-5,
  attentionScale: 'sqrt',
};

/** Every parameter filled with its own running index, so a wrong copy or shape shows. */
function params(): Record<string, Float32Array> {
  let at = 0;
  return Object.fromEntries(
    gptParamShapes(config).map(([name, shape]) => [
      name,
      Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => at++),
    ]),
  );
}

describe('paramsFromArrays', () => {
  it('makes one trainable float32 variable per parameter with the config shape and the given values', () => {
    const given = params();
    const vars = paramsFromArrays(config, given);
    try {
      expect(Object.keys(vars)).toEqual(gptParamShapes(config).map(([name]) => name));
      for (const [name, shape] of gptParamShapes(config)) {
        const v = vars[name]!;
        expect(v.shape, name).toEqual(shape);
        expect(v.dtype).toBe('float32');
        expect(v.trainable).toBe(true);
        expect(Array.from(v.dataSync()), name).toEqual(Array.from(given[name]!));
      }
    } finally {
      disposeGptParams(vars);
    }
  });

  it('refuses a missing parameter or a wrong size before making any variable', () => {
    const before = tf.memory().numTensors;
    const missing = params();
    delete missing['h.0.ln_2.bias'];
    expect(() => paramsFromArrays(config, missing)).toThrow(/"h\.0\.ln_2\.bias" is missing for a 1-layer model/);
    const short = { ...params(), wpe: new Float32Array(3) };
    expect(() => paramsFromArrays(config, short)).toThrow(/"wpe" has 3 values; shape \[4, 8\] needs 32/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
