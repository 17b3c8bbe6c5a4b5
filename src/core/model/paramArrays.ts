/** The one tfjs step of a Hugging Face import, apart so that hfImport.ts (which the page loads) stays free of tfjs. */
import * as tf from '@tensorflow/tfjs-core';
import { gptParamShapes, type GptConfig } from './config';
import type { GptParams } from './gpt';

/** tf.Variables for `gptLogits` / training, shape-checked against the config. Call after the backend is ready. */
export function hfParamsToVariables(config: GptConfig, params: Record<string, Float32Array>): GptParams {
  const expected = gptParamShapes(config);
  for (const [name, shape] of expected) {
    const data = params[name];
    const size = shape.reduce((a, b) => a * b, 1);
    if (data === undefined) throw new Error(`Parameter "${name}" is missing for a ${config.layers}-layer model.`);
    if (data.length !== size) throw new Error(`Parameter "${name}" has ${data.length} values; shape [${shape.join(', ')}] needs ${size}.`);
  }
  const out: GptParams = {};
  for (const [name, shape] of expected) out[name] = tf.tidy(() => tf.variable(tf.tensor(params[name]!, shape, 'float32'), true));
  return out;
}
