/**
 * The GPT's parameters: a plain name → tf.Variable map with GPT-2's names and Conv1D layout ([in, out]), so GPT-2
 * checkpoints map onto it one to one (GPT-Neo after transposing its [out, in] weights and fusing q, k, v).
 * Here: GPT-2's initialisation, which of them AdamW decays, and the one lookup every layer reads them through.
 */
import * as tf from '@tensorflow/tfjs-core';
import { deriveSeed, mulberry32 } from '../util/random';
import { gptParamShapes, validateGptConfig, type GptConfig } from './config';

export type GptParams = Record<string, tf.Variable>;

/** `params[name]`, or an error that says the parameters and the config disagree. */
export function param(params: GptParams, name: string): tf.Variable {
  const p = params[name];
  if (p === undefined) {
    throw new Error(
      `GPT parameter "${name}" is missing; the parameters do not match the config (wrong number of layers?).`,
    );
  }
  return p;
}

const INIT_STD = 0.02;

/** A norm's weight: the blocks' ln_1 / ln_2, the final ln_f, Qwen3's per-head q_norm / k_norm. */
function isNormWeight(name: string): boolean {
  return /(^|\.)(ln_(\d|f)|q_norm|k_norm)\.weight$/.test(name);
}

/**
 * GPT-2's projections back into the residual stream: each block adds two of them, so their init is scaled by
 * 1/√(2·layers) to keep the residual's variance from growing with depth.
 */
function isResidualProjection(name: string): boolean {
  return /^h\.\d+\.(attn\.(c_proj|o_proj)|mlp\.(c_proj|down_proj))\.weight$/.test(name);
}

/** n samples of N(0, std²) from a seeded stream (Box–Muller): same numbers on every backend and machine. */
function normalArray(n: number, std: number, seed: number): Float32Array {
  const next = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u1 = 1 - next(); // (0, 1]: log stays finite
    const u2 = next();
    const r = Math.sqrt(-2 * Math.log(u1)) * std;
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/**
 * GPT-2's initialisation, reproducible from `seed`: weights and embeddings N(0, 0.02²) (residual projections
 * scaled down), norm weights 1, biases 0. Each parameter draws from its own stream, derived from the seed and
 * its name, so its values do not depend on how many other parameters exist.
 */
export function initGptParams(config: GptConfig, seed: number): GptParams {
  validateGptConfig(config);
  const residualStd = INIT_STD / Math.sqrt(2 * config.layers);
  const params: GptParams = {};
  for (const [name, shape] of gptParamShapes(config)) {
    const size = shape.reduce((a, b) => a * b, 1);
    let values: Float32Array;
    if (name.endsWith('.bias')) values = new Float32Array(size);
    else if (isNormWeight(name)) values = new Float32Array(size).fill(1);
    else values = normalArray(size, isResidualProjection(name) ? residualStd : INIT_STD, deriveSeed(seed, name));
    // tidy: tf.variable shares the tensor's buffer; the tensor handle itself must not outlive it.
    params[name] = tf.tidy(() => tf.variable(tf.tensor(values, shape, 'float32'), true));
  }
  return params;
}

/**
 * Which parameters AdamW decays: every parameter except biases and norm weights — the rule of Hugging Face's
 * Trainer (`get_decay_parameter_names`: all but norm modules (LayerNorm, and in transformers 5 every module whose
 * class name has "norm": LlamaRMSNorm, incl. Qwen3's q_norm / k_norm) and names containing "bias"), so a scale-out run
 * in `transformers` decays exactly what the studio decays (checked against the Trainer's own list in params.test.ts).
 * The token table (also the tied head) and the positions are decayed too, as in the Trainer and nanoGPT; minGPT,
 * which decays Linear weights only, differs.
 */
export function decayMask(name: string): boolean {
  if (name.endsWith('.bias')) return false;
  if (isNormWeight(name)) return false;
  return true;
}

export function disposeGptParams(params: GptParams): void {
  for (const v of Object.values(params)) v.dispose();
}
