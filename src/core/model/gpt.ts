/**
 * A GPT-2-style decoder in tfjs ops, in the order data flows through it (as nanoGPT's model.py):
 * parameters → LayerNorm → causal self-attention → MLP → block → the whole model → loss.
 *
 * Parameters are a plain name → tf.Variable map with GPT-2's names and Conv1D layout ([in, out]), so GPT-2
 * checkpoints map onto it one to one (GPT-Neo after transposing its [out, in] weights and fusing q, k, v).
 * Everything here is synchronous and allocation-only: call it inside the caller's `tf.tidy`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { gelu, layerNorm, linear } from './layers';
import { embeddingLookup, type EmbeddingGradPath } from '../ops/embedding';
import { sparseCrossEntropy } from '../ops/sparseCrossEntropy';
import { deriveSeed, mulberry32 } from '../util/random';
import { gptParamShapes, headWidth, validateGptConfig, type GptConfig } from './config';

export type GptParams = Record<string, tf.Variable>;

export interface GptForwardOptions {
  /** How the token-embedding gradient is accumulated (see kernels/embedding.ts); `'auto'` by default. */
  embeddingGrad?: EmbeddingGradPath;
}

// ───────────────────────────── parameters ─────────────────────────────

const INIT_STD = 0.02;

/**
 * GPT-2's projections back into the residual stream: each block adds two of them, so their init is scaled by
 * 1/√(2·layers) to keep the residual's variance from growing with depth.
 */
function isResidualProjection(name: string): boolean {
  return /^h\.\d+\.(attn|mlp)\.c_proj\.weight$/.test(name);
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
 * scaled down), LayerNorm weights 1, biases 0. Each parameter draws from its own stream, derived from the seed and
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
    else if (/(^|\.)ln_(\d|f)\.weight$/.test(name)) values = new Float32Array(size).fill(1);
    else values = normalArray(size, isResidualProjection(name) ? residualStd : INIT_STD, deriveSeed(seed, name));
    // tidy: tf.variable shares the tensor's buffer; the tensor handle itself must not outlive it.
    params[name] = tf.tidy(() => tf.variable(tf.tensor(values, shape, 'float32'), true));
  }
  return params;
}

/**
 * Which parameters AdamW decays: the matrices of the linear layers. Biases, LayerNorm gains and the embeddings
 * (token table, which is also the tied head, and positions) are not decayed, as in nanoGPT and GPT-2 fine-tuning.
 */
export function decayMask(name: string): boolean {
  if (name === 'wte' || name === 'wpe') return false;
  if (name.endsWith('.bias')) return false;
  if (/(^|\.)ln_(\d|f)\./.test(name)) return false;
  return name.endsWith('.weight');
}

export function disposeGptParams(params: GptParams): void {
  for (const v of Object.values(params)) v.dispose();
}

function param(params: GptParams, name: string): tf.Variable {
  const p = params[name];
  if (p === undefined) {
    throw new Error(`GPT parameter "${name}" is missing; the parameters do not match the config (wrong number of layers?).`);
  }
  return p;
}

// ───────────────────────────── the causal mask ─────────────────────────────

/** Large enough that exp(score + MASK) is exactly 0 in float32, small enough to stay finite when added. */
const MASKED = -1e9;
const maskCache = new Map<string, tf.Tensor2D>();

/**
 * [T, T] additive mask: 0 where key ≤ query, −1e9 above the diagonal. Built once per (backend, T) and kept out of
 * every tidy, so training steps with fixed shapes reuse the same GPU buffer.
 */
function causalMask(T: number): tf.Tensor2D {
  const key = `${tf.getBackend()}:${T}`;
  const cached = maskCache.get(key);
  if (cached !== undefined && !cached.isDisposed) return cached;
  const values = new Float32Array(T * T);
  for (let q = 0; q < T; q++) for (let k = q + 1; k < T; k++) values[q * T + k] = MASKED;
  const mask = tf.keep(tf.tensor2d(values, [T, T]));
  maskCache.set(key, mask);
  return mask;
}

/** Frees the cached attention masks (e.g. before switching or removing a backend). */
export function disposeGptCaches(): void {
  for (const m of maskCache.values()) m.dispose();
  maskCache.clear();
}

// ───────────────────────────── layers (layerNorm, linear, gelu live in layers.ts) ─────────────────────────────


/**
 * x: [B·T, C] → [B·T, C]. One matmul makes q, k, v for every head; one transpose puts the heads next to the batch.
 */
function causalSelfAttention(config: GptConfig, params: GptParams, i: number, x: tf.Tensor2D, B: number, T: number): tf.Tensor2D {
  const C = config.width;
  const H = config.heads;
  const D = headWidth(config);
  const qkv = linear(x, param(params, `h.${i}.attn.c_attn.weight`), param(params, `h.${i}.attn.c_attn.bias`));
  // c_attn's output columns are [q | k | v], each split into heads, so [B, T, 3·H, D] → [B, 3·H, T, D] puts every
  // head of q, then of k, then of v next to the batch. One rank-4 transpose: wasm's rank-5 transpose is ~15× slower.
  const heads = tf.transpose(tf.reshape(qkv, [B, T, 3 * H, D]), [0, 2, 1, 3]);
  const [q0, k, v] = tf.split(heads, 3, 1) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
  // Scaling q (T·D values) is cheaper than scaling the scores (T·T) and gives the same result.
  const q = config.attentionScale === 'sqrt' ? tf.mul(q0, 1 / Math.sqrt(D)) : q0;
  const scores = tf.add(tf.matMul(q, k, false, true), causalMask(T)); // [B, H, T, T]
  const y = tf.matMul(tf.softmax(scores), v); // [B, H, T, D]
  const merged = tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [B * T, C]) as tf.Tensor2D;
  return linear(merged, param(params, `h.${i}.attn.c_proj.weight`), param(params, `h.${i}.attn.c_proj.bias`));
}

function mlp(params: GptParams, i: number, x: tf.Tensor2D): tf.Tensor2D {
  const hidden = gelu(linear(x, param(params, `h.${i}.mlp.c_fc.weight`), param(params, `h.${i}.mlp.c_fc.bias`)));
  return linear(hidden, param(params, `h.${i}.mlp.c_proj.weight`), param(params, `h.${i}.mlp.c_proj.bias`));
}

/** Pre-LayerNorm block: x + attn(ln_1(x)), then + mlp(ln_2(·)). */
function block(config: GptConfig, params: GptParams, i: number, x: tf.Tensor2D, B: number, T: number): tf.Tensor2D {
  const eps = config.layerNormEps;
  const a = layerNorm(x, param(params, `h.${i}.ln_1.weight`), param(params, `h.${i}.ln_1.bias`), eps);
  const x1 = tf.add(x, causalSelfAttention(config, params, i, a, B, T)) as tf.Tensor2D;
  const m = layerNorm(x1, param(params, `h.${i}.ln_2.weight`), param(params, `h.${i}.ln_2.bias`), eps);
  return tf.add(x1, mlp(params, i, m));
}

// ───────────────────────────── the model ─────────────────────────────

function checkIds(config: GptConfig, ids: tf.Tensor, what: string): [number, number] {
  if (ids.rank !== 2) throw new Error(`${what} must be [batch, time], got shape [${ids.shape}].`);
  if (ids.dtype !== 'int32') throw new Error(`${what} must be int32, got ${ids.dtype}.`);
  const [B, T] = ids.shape as [number, number];
  if (T > config.contextLength) {
    throw new Error(`${what} has ${T} positions but the model's context is ${config.contextLength}; truncate or use a longer context.`);
  }
  return [B, T];
}

/** The final hidden states after ln_f, [B·T, C]. */
function gptHidden(config: GptConfig, params: GptParams, ids: tf.Tensor2D, options: GptForwardOptions): tf.Tensor2D {
  const [B, T] = checkIds(config, ids, 'ids');
  const C = config.width;
  const tokens = embeddingLookup(param(params, 'wte') as tf.Tensor2D, ids, options.embeddingGrad); // [B, T, C]
  const positions = tf.slice(param(params, 'wpe'), [0, 0], [T, C]); // [T, C], broadcast over the batch
  let x = tf.reshape(tf.add(tokens, positions), [B * T, C]) as tf.Tensor2D;
  for (let i = 0; i < config.layers; i++) x = block(config, params, i, x, B, T);
  return layerNorm(x, param(params, 'ln_f.weight'), param(params, 'ln_f.bias'), config.layerNormEps);
}

/** Next-token logits [B, T, V] for int32 ids [B, T]; the head is the token table itself (tied, as in GPT-2). */
export function gptLogits(config: GptConfig, params: GptParams, ids: tf.Tensor2D, options: GptForwardOptions = {}): tf.Tensor3D {
  const [B, T] = ids.shape;
  const hidden = gptHidden(config, params, ids, options);
  return tf.reshape(tf.matMul(hidden, param(params, 'wte'), false, true), [B, T, config.vocabSize]);
}

/**
 * Mean next-token cross-entropy over the positions where `mask` is 1 (the response and its end-of-sequence in
 * instruction tuning; 0 on prompt and padding). `targets[b, t]` is the token that should follow `ids[b, 0..t]`.
 * 0 when nothing is masked in.
 */
export function gptLoss(
  config: GptConfig,
  params: GptParams,
  ids: tf.Tensor2D,
  targets: tf.Tensor2D,
  mask: tf.Tensor2D,
  options: GptForwardOptions = {},
): tf.Scalar {
  const [B, T] = checkIds(config, ids, 'ids');
  checkIds(config, targets, 'targets');
  if (targets.shape[0] !== B || targets.shape[1] !== T) {
    throw new Error(`targets must have the shape of ids [${B}, ${T}], got [${targets.shape}].`);
  }
  if (mask.shape.length !== 2 || mask.shape[0] !== B || mask.shape[1] !== T) {
    throw new Error(`mask must have the shape of ids [${B}, ${T}], got [${mask.shape}].`);
  }
  const hidden = gptHidden(config, params, ids, options);
  const logits = tf.matMul(hidden, param(params, 'wte'), false, true); // [B·T, V]
  const flatTargets = tf.reshape(targets, [B * T]) as tf.Tensor1D;
  const flatMask = tf.reshape(tf.cast(mask, 'float32'), [B * T]) as tf.Tensor1D;
  return sparseCrossEntropy(logits as tf.Tensor2D, flatTargets, flatMask);
}
