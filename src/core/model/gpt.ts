/**
 * A decoder-only transformer in tfjs ops: GPT-2 and GPT-Neo, Llama and Qwen, as the family spec of the config says. Read it in the order data flows through it, as nanoGPT's model.py:
 *   config.ts     the shape of the model and its parameter names
 *   params.ts     the parameters, GPT-2's init, which ones AdamW decays
 *   layers.ts     LayerNorm / RMSNorm, linear (Conv1D), gelu_new
 *   rotary.ts     the cos/sin tables of rotary positions (Llama, Qwen)
 *   attention.ts  causal self-attention (fused or grouped q/k/v) with an optional key/value cache, every mask
 *   block.ts      the MLP (gelu or swiglu) and the pre-norm block
 *   gpt.ts        the whole model: embeddings → blocks → ln_f → head (tied or not) → loss (this file)
 * Training (`gptLoss`, `gptLogits`) and cached generation (`gptForwardCached`) run the same blocks.
 *
 * Everything here is synchronous and allocation-only: call it inside the caller's `tf.tidy`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { embeddingLookup, type EmbeddingGradPath } from '../ops/embedding';
import { sparseCrossEntropy } from '../ops/sparseCrossEntropy';
import { cachedMask, type Columns, type LayerCache } from './attention';
import { block } from './block';
import { architecture, type GptConfig } from './config';
import { norm } from './layers';
import { param, type GptParams } from './params';
import { ropeTablesAt, ropeTablesFirst, type RopeTables } from './rotary';

export { decayMask, disposeGptParams, initGptParams, type GptParams } from './params';
export { disposeGptCaches, keyPaddingMask } from './attention';

export interface GptForwardOptions {
  /** How the token-embedding gradient is accumulated (see ops/embedding.ts); `'auto'` by default. */
  embeddingGrad?: EmbeddingGradPath;
}

/** Keys and values of every layer, in order (a type alias, so tf.tidy accepts it inside what it returns). */
export type GptCache = LayerCache[];

function checkIds(config: GptConfig, ids: tf.Tensor, what: string): [number, number] {
  if (ids.rank !== 2) throw new Error(`${what} must be [batch, time], got shape [${ids.shape}].`);
  if (ids.dtype !== 'int32') throw new Error(`${what} must be int32, got ${ids.dtype}.`);
  const [B, T] = ids.shape as [number, number];
  if (T > config.contextLength) {
    throw new Error(
      `${what} has ${T} positions but the model's context is ${config.contextLength}; truncate or use a longer context.`,
    );
  }
  return [B, T];
}

/**
 * Token plus position embeddings of ids [B, T], as [B·T, C] (rotary positions add nothing here: the attention turns
 * q and k). Positions are 0 … T−1 in every row when `positions` is null (training), else given per row, [B, T]
 * int32 (left-padded rows of generation start later).
 */
function embed(
  config: GptConfig,
  params: GptParams,
  ids: tf.Tensor2D,
  positions: tf.Tensor2D | null,
  grad?: EmbeddingGradPath,
): tf.Tensor2D {
  const [B, T] = ids.shape;
  const C = config.width;
  const tokens = embeddingLookup(param(params, 'wte') as tf.Tensor2D, ids, grad); // [B, T, C]
  if (architecture(config).positions === 'rope') return tf.reshape(tokens, [B * T, C]) as tf.Tensor2D;
  const wpe = param(params, 'wpe');
  // [T, C] broadcast over the batch, or [B, T, C].
  const at = positions === null ? tf.slice(wpe, [0, 0], [T, C]) : tf.gather(wpe, positions);
  return tf.reshape(tf.add(tokens, at), [B * T, C]) as tf.Tensor2D;
}

/** The rotary tables of the new columns (null with learned positions): `positions` as for `embed`. */
function rotaryTables(config: GptConfig, T: number, positions: tf.Tensor2D | null): RopeTables | null {
  if (architecture(config).positions !== 'rope') return null;
  return positions === null ? ropeTablesFirst(config, T) : ropeTablesAt(config, positions);
}

/** The blocks then ln_f over x [B·T, C]: the final hidden states [B·T, C] and every layer's keys and values. */
function transformer(
  config: GptConfig,
  params: GptParams,
  x0: tf.Tensor2D,
  columns: Columns,
  past: GptCache | null,
): { hidden: tf.Tensor2D; cache: GptCache } {
  if (past !== null && past.length !== config.layers) {
    throw new Error(`The key/value cache has ${past.length} layers but the model has ${config.layers}.`);
  }
  const cache: GptCache = [];
  let x = x0;
  for (let i = 0; i < config.layers; i++) {
    const out = block(config, params, i, x, columns, past === null ? null : past[i]!);
    x = out.x;
    cache.push(out.cache);
  }
  return { hidden: norm(architecture(config).norm, params, 'ln_f', x, config.layerNormEps), cache };
}

/**
 * The head: hidden rows [N, C] → next-token logits [N, V] against `lm_head.weight` [V, C] where the model has its
 * own (an untied head: the parameters follow gptParamShapes, so it exists exactly then), else the token table.
 */
export function gptHead(params: GptParams, hidden: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(hidden, params['lm_head.weight'] ?? param(params, 'wte'), false, true);
}

/** The final hidden states after ln_f, [B·T, C], of the whole sequence at once (training; no cache). */
function gptHidden(config: GptConfig, params: GptParams, ids: tf.Tensor2D, options: GptForwardOptions): tf.Tensor2D {
  const [B, T] = checkIds(config, ids, 'ids');
  const x = embed(config, params, ids, null, options.embeddingGrad);
  const columns: Columns = { B, T, mask: 'causal', rope: rotaryTables(config, T, null) };
  return transformer(config, params, x, columns, null).hidden;
}

/** Next-token logits [B, T, V] for int32 ids [B, T]. */
export function gptLogits(
  config: GptConfig,
  params: GptParams,
  ids: tf.Tensor2D,
  options: GptForwardOptions = {},
): tf.Tensor3D {
  const [B, T] = ids.shape;
  return tf.reshape(gptHead(params, gptHidden(config, params, ids, options)), [B, T, config.vocabSize]);
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
  const logits = gptHead(params, gptHidden(config, params, ids, options)); // [B·T, V]
  const flatTargets = tf.reshape(targets, [B * T]) as tf.Tensor1D;
  const flatMask = tf.reshape(tf.cast(mask, 'float32'), [B * T]) as tf.Tensor1D;
  return sparseCrossEntropy(logits, flatTargets, flatMask);
}

/**
 * The forward of cached generation over T new columns per row: ids and positions [B, T] int32 (positions per row,
 * so left-padded rows start later). The new columns attend causally to each other and to every `past` column
 * (null: none yet, a prefill); `keyPadding` ([B, ≥ past + T], from `keyPaddingMask`) masks each row's padding
 * columns as keys. Returns the new columns' final hidden states [B·T, C] and the cache with their keys and values
 * appended (new tensors; the caller disposes the old cache). Positions are the caller's to keep in the context.
 */
export function gptForwardCached(
  config: GptConfig,
  params: GptParams,
  ids: tf.Tensor2D,
  positions: tf.Tensor2D,
  keyPadding: tf.Tensor2D,
  past: GptCache | null,
): { hidden: tf.Tensor2D; cache: GptCache } {
  const [B, T] = ids.shape;
  const pastLength = past === null || past.length === 0 ? 0 : past[0]!.k.shape[2];
  const columns: Columns = {
    B,
    T,
    mask: cachedMask(T, pastLength, keyPadding),
    rope: rotaryTables(config, T, positions),
  };
  return transformer(config, params, embed(config, params, ids, positions), columns, past);
}
