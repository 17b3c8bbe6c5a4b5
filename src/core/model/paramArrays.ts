/**
 * Parameters as plain arrays (what an import reads and an export writes) ↔ tf.Variables (what trains): the tfjs
 * steps of a Hugging Face import and export, apart so that core/hf (which the page loads) stays free of tfjs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { gptParamShapes, type GptConfig } from './config';
import type { GptParams } from './gpt';

/** tf.Variables for `gptLogits` / training, shape-checked against the config. Call after the backend is ready. */
export function paramsFromArrays(config: GptConfig, params: Record<string, Float32Array>): GptParams {
  const expected = gptParamShapes(config);
  for (const [name, shape] of expected) {
    const data = params[name];
    const size = shape.reduce((a, b) => a * b, 1);
    if (data === undefined) throw new Error(`Parameter "${name}" is missing for a ${config.layers}-layer model.`);
    if (data.length !== size)
      throw new Error(`Parameter "${name}" has ${data.length} values; shape [${shape.join(', ')}] needs ${size}.`);
  }
  const out: GptParams = {};
  for (const [name, shape] of expected)
    out[name] = tf.tidy(() => tf.variable(tf.tensor(params[name]!, shape, 'float32'), true));
  return out;
}

/** The trained variables as plain arrays (all reads in flight at once; no blocking readback on webgpu). */
export async function readParams(params: Readonly<Record<string, tf.Tensor>>): Promise<Record<string, Float32Array>> {
  const names = Object.keys(params);
  const values = await Promise.all(names.map((n) => params[n]!.data()));
  return Object.fromEntries(names.map((n, i) => [n, values[i] as Float32Array]));
}
