/**
 * LoRA adapters (Hu et al. 2021) on a model's projections (GPT-2's c_attn …, Llama's and Qwen's q_proj … down_proj),
 * as `peft`'s LoRA layer computes them:
 *   y = x·W + b + (alpha / r) · (x·Aᵀ)·Bᵀ        A: [r, in], B: [out, r]
 * W is our Conv1D layout [in, out]; A and B are stored in peft's own layout (`lora_A.weight`, `lora_B.weight`), so
 * an adapter folder is written without transposing anything. A starts Kaiming-uniform as in peft
 * (`kaiming_uniform_(a=√5)`: U(−1/√in, 1/√in)), B at zero, so step 0 is exactly the base model.
 *
 * The adapters live in the same name → variable map as the weights (`h.0.attn.c_attn.lora_A.weight`), so the model
 * code, checkpoints and the optimizer read them like any other parameter. Their scaling alpha/r is not a tensor:
 * it is kept per B variable here, and a `lora_B` without one is an error rather than a silent scaling of 1.
 */
import * as tf from '@tensorflow/tfjs-core';
import { deriveSeed, mulberry32 } from '../util/random';
import type { GptConfig } from './config';
import { loraParamShapes, targetShape, trainsWithLora, validateLoraFor, type LoraSettings } from './loraSettings';
import type { GptParams } from './params';

export * from './loraSettings';

/** The parameters that get gradients and AdamW moments: all of them without LoRA, else the adapters and extras. */
export function trainableParams(params: GptParams, lora: LoraSettings | undefined): GptParams {
  if (lora === undefined) return params;
  return Object.fromEntries(Object.entries(params).filter(([name]) => trainsWithLora(name, lora)));
}

// ───────────────────────────── the scaling beside each B ─────────────────────────────

const settingsOfB = new WeakMap<tf.Variable, LoraSettings>();

/** Marks `params`' adapters as made with `lora` (their scaling alpha/r). Call after loading adapters from a file. */
export function registerLora(params: GptParams, lora: LoraSettings): void {
  for (const [name, v] of Object.entries(params)) if (name.endsWith('.lora_B.weight')) settingsOfB.set(v, lora);
}

/** The settings the adapters in `params` were made with; undefined when there are none. */
export function loraSettingsOf(params: GptParams): LoraSettings | undefined {
  for (const [name, v] of Object.entries(params)) if (name.endsWith('.lora_B.weight')) return settingsOfB.get(v);
  return undefined;
}

/**
 * The adapter's term (alpha/r)·(x·Aᵀ)·Bᵀ of projection `name` (e.g. `h.0.attn.c_attn`) over x [N, in], or null
 * when the projection has none. Called by `linear`.
 */
export function loraDelta(params: GptParams, name: string, x: tf.Tensor2D): tf.Tensor2D | null {
  const B = params[`${name}.lora_B.weight`];
  if (B === undefined) return null;
  const A = params[`${name}.lora_A.weight`];
  const lora = settingsOfB.get(B);
  if (A === undefined || lora === undefined) {
    throw new Error(
      `The LoRA adapter of ${name} is incomplete (no lora_A or no scaling): create adapters with addLoraAdapters or registerLora.`,
    );
  }
  const down = tf.matMul(x, A, false, true); // [N, r]
  return tf.mul(tf.matMul(down, B, false, true), lora.alpha / lora.rank) as tf.Tensor2D;
}

// ───────────────────────────── creating and merging ─────────────────────────────

/** peft's A init: kaiming_uniform_(a=√5) on an [r, in] weight is U(−1/√in, 1/√in). Seeded per name. */
function kaimingUniform(rows: number, inputs: number, seed: number): Float32Array {
  const next = mulberry32(seed);
  const bound = 1 / Math.sqrt(inputs);
  const out = new Float32Array(rows * inputs);
  for (let i = 0; i < out.length; i++) out[i] = (2 * next() - 1) * bound;
  return out;
}

/**
 * `params` plus fresh adapters for `lora` (A seeded from `seed` and the name, B zero), as a new map: the base
 * variables are shared, the adapters are new variables the caller disposes with the rest. Adapters already in
 * `params` (a checkpoint of an earlier LoRA run) are merged into their weights first, so the new run starts from
 * the model that run ended with.
 */
export function addLoraAdapters(config: GptConfig, params: GptParams, lora: LoraSettings, seed: number): GptParams {
  validateLoraFor(config, lora);
  const base = mergeLoraVariables(params);
  const out: GptParams = { ...base };
  for (const [name, shape] of loraParamShapes(config, lora)) {
    const values = name.endsWith('lora_A.weight')
      ? kaimingUniform(shape[0]!, shape[1]!, deriveSeed(seed, name))
      : new Float32Array(shape[0]! * shape[1]!);
    out[name] = tf.tidy(() => tf.variable(tf.tensor(values, shape, 'float32'), true));
  }
  registerLora(out, lora);
  return out;
}

/**
 * `params` with every adapter folded into its weight (W += (alpha/r)·(B·A)ᵀ, our [in, out] layout) and the
 * adapter variables disposed; `params` itself when it holds none. The weights are assigned in place.
 */
export function mergeLoraVariables(params: GptParams): GptParams {
  const lora = loraSettingsOf(params);
  const adapters = Object.keys(params).filter((n) => n.includes('.lora_'));
  if (adapters.length === 0) return params;
  if (lora === undefined)
    throw new Error('These parameters hold LoRA adapters without their settings: load them with registerLora first.');
  const out: GptParams = {};
  for (const [name, v] of Object.entries(params)) if (!name.includes('.lora_')) out[name] = v;
  for (const name of adapters) {
    if (!name.endsWith('.lora_B.weight')) continue;
    const target = name.slice(0, -'.lora_B.weight'.length);
    const W = out[`${target}.weight`]!;
    tf.tidy(() =>
      W.assign(
        tf.add(
          W,
          tf.mul(tf.transpose(tf.matMul(params[name]!, params[`${target}.lora_A.weight`]!)), lora.alpha / lora.rank),
        ),
      ),
    );
  }
  for (const name of adapters) params[name]!.dispose();
  return out;
}

/**
 * Host arrays with the adapters folded into their weights and left out: what a plain Hugging Face folder holds.
 * `params` uses our names and layouts (a checkpoint read as arrays); the input is not changed.
 */
export function mergeLoraArrays(
  config: GptConfig,
  params: Readonly<Record<string, Float32Array>>,
  lora: LoraSettings,
): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const [name, data] of Object.entries(params)) if (!name.includes('.lora_')) out[name] = data;
  const scale = lora.alpha / lora.rank;
  const r = lora.rank;
  for (let i = 0; i < config.layers; i++) {
    for (const target of lora.targets) {
      const [inputs, outputs] = targetShape(config, target);
      const name = `h.${i}.${target}`;
      const A = params[`${name}.lora_A.weight`];
      const B = params[`${name}.lora_B.weight`];
      const W = params[`${name}.weight`];
      if (!A || !B || !W) throw new Error(`LoRA merge: ${name} lacks its weight, lora_A or lora_B.`);
      const merged = Float32Array.from(W);
      // W[k, o] += scale · Σ_j B[o, j] · A[j, k]
      for (let k = 0; k < inputs; k++) {
        for (let o = 0; o < outputs; o++) {
          let s = 0;
          for (let j = 0; j < r; j++) s += B[o * r + j]! * A[j * inputs + k]!;
          merged[k * outputs + o] = merged[k * outputs + o]! + scale * s;
        }
      }
      out[`${name}.weight`] = merged;
    }
  }
  return out;
}

/**
 * The parameters a new run trains from `params`: with fresh adapters under `lora`, or without (any adapters the
 * weights came with merged in) for full fine-tuning.
 */
export function paramsForRun(
  config: GptConfig,
  params: GptParams,
  lora: LoraSettings | undefined,
  seed: number,
): GptParams {
  return lora === undefined ? mergeLoraVariables(params) : addLoraAdapters(config, params, lora, seed);
}
