/**
 * Greedy generation for our GPT with a key/value cache, many prompts at once.
 *
 * Prompts of different lengths are LEFT-padded to the longest one, so every row's next token sits at the same
 * column and the caches grow by one concatenated column per step. Each row keeps its own positions (column minus
 * its padding), and the padding columns are masked out as keys, so a row sees exactly what it would see alone.
 *
 * Per prompt batch: one prefill forward over the padded prompts (fills the caches, gives the first token), then one
 * forward per new token over a single column per row, attending to the cached keys and values: O(T) per token
 * instead of re-running the whole sequence. Every step is one synchronous `tf.tidy`; the only thing read back is
 * the chosen token id per row (`[B]` int32), which is needed to stop at `<eos>`. The chosen ids stay on the device
 * as the next step's input.
 *
 * The layer math mirrors `model/gpt.ts` op for op (LayerNorm, fused Conv1D, `gelu_new`, pre-LN blocks, tied head),
 * so the greedy tokens equal the argmax of `gptLogits` recomputed on the full sequence (tested).
 */
import * as tf from '@tensorflow/tfjs-core';
import { gelu, layerNorm, linear } from '../model/layers';
import { headWidth, type GptConfig } from '../model/config';
import type { GptParams } from '../model/gpt';

/** Large enough that exp(score + MASKED) is exactly 0 in float32 (the value gpt.ts masks with). */
const MASKED = -1e9;

export type StopReason = 'eos' | 'max' | 'context';

export interface Generation {
  /** The new tokens, without the final `<eos>`. */
  ids: number[];
  /** `eos`: the model ended it; `max`: hit maxNewTokens; `context`: the model's context was full. */
  stop: StopReason;
  /** Prompt tokens cut from the left (after `<bos>`) because the prompt did not fit in the context. */
  promptTruncated: number;
}

export interface GenerateOptions {
  /** New tokens per prompt at most: one number for all, or one per prompt. */
  maxNewTokens: number | readonly number[];
  eosId: number;
  /** Prompts per forward (default 32). Prompts are grouped by length first, so padding stays small. */
  batchSize?: number;
  /** Called after each prompt batch with the number of prompts done so far. */
  onProgress?: (done: number, total: number) => void;
}

export interface GenerationModel {
  config: GptConfig;
  params: GptParams;
}

function p(params: GptParams, name: string): tf.Variable {
  const v = params[name];
  if (v === undefined) throw new Error(`generate: GPT parameter "${name}" is missing; the parameters do not match the config.`);
  return v;
}


/** Keys and values of one layer, [B, H, t, D] (a type alias, so tf.tidy accepts it inside what it returns). */
type LayerCache = { k: tf.Tensor4D; v: tf.Tensor4D };

/**
 * One forward over `T` new columns per row. x: [B·T, C] embeddings; `mask` broadcasts to [B, H, T, t_past + T]
 * (additive). Appends the new keys/values to `caches` (returns new cache tensors; the caller disposes the old ones).
 * Returns the final hidden states [B·T, C] after ln_f.
 */
function forwardColumns(
  config: GptConfig,
  params: GptParams,
  x0: tf.Tensor2D,
  B: number,
  T: number,
  mask: tf.Tensor,
  caches: (LayerCache | null)[],
): { hidden: tf.Tensor2D; caches: LayerCache[] } {
  const C = config.width;
  const H = config.heads;
  const D = headWidth(config);
  const eps = config.layerNormEps;
  const next: LayerCache[] = [];
  let x = x0;
  for (let i = 0; i < config.layers; i++) {
    const a = layerNorm(x, p(params, `h.${i}.ln_1.weight`), p(params, `h.${i}.ln_1.bias`), eps);
    const qkv = linear(a, p(params, `h.${i}.attn.c_attn.weight`), p(params, `h.${i}.attn.c_attn.bias`));
    const heads = tf.transpose(tf.reshape(qkv, [B, T, 3 * H, D]), [0, 2, 1, 3]);
    const [q0, kNew, vNew] = tf.split(heads, 3, 1) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    const q = config.attentionScale === 'sqrt' ? tf.mul(q0, 1 / Math.sqrt(D)) : q0;
    const past = caches[i];
    const k = past ? (tf.concat([past.k, kNew], 2) as tf.Tensor4D) : kNew;
    const v = past ? (tf.concat([past.v, vNew], 2) as tf.Tensor4D) : vNew;
    next.push({ k, v });
    const scores = tf.add(tf.matMul(q, k, false, true), mask); // [B, H, T, t]
    const y = tf.matMul(tf.softmax(scores), v); // [B, H, T, D]
    const merged = tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [B * T, C]) as tf.Tensor2D;
    const attn = linear(merged, p(params, `h.${i}.attn.c_proj.weight`), p(params, `h.${i}.attn.c_proj.bias`));
    const x1 = tf.add(x, attn) as tf.Tensor2D;
    const m = layerNorm(x1, p(params, `h.${i}.ln_2.weight`), p(params, `h.${i}.ln_2.bias`), eps);
    const hidden = gelu(linear(m, p(params, `h.${i}.mlp.c_fc.weight`), p(params, `h.${i}.mlp.c_fc.bias`)));
    x = tf.add(x1, linear(hidden, p(params, `h.${i}.mlp.c_proj.weight`), p(params, `h.${i}.mlp.c_proj.bias`)));
  }
  return { hidden: layerNorm(x, p(params, 'ln_f.weight'), p(params, 'ln_f.bias'), eps), caches: next };
}

/** Token + position embeddings for ids [B, T] at positions [B, T]: [B·T, C]. */
function embed(params: GptParams, ids: tf.Tensor2D, positions: tf.Tensor2D): tf.Tensor2D {
  const n = ids.size;
  const tok = tf.gather(p(params, 'wte'), tf.reshape(ids, [n]));
  const pos = tf.gather(p(params, 'wpe'), tf.reshape(positions, [n]));
  return tf.add(tok, pos) as tf.Tensor2D;
}

/** Argmax over the tied head for hidden rows [N, C] → int32 [N]. */
function greedyIds(params: GptParams, hidden: tf.Tensor2D): tf.Tensor1D {
  const logits = tf.matMul(hidden, p(params, 'wte'), false, true);
  return tf.argMax(logits, -1) as tf.Tensor1D;
}

// ───────────────────────────── one batch ─────────────────────────────

interface Row {
  /** The (possibly left-truncated) prompt. */
  prompt: number[];
  maxNew: number;
  truncated: number;
}

/**
 * A prompt shorter than the context is kept whole (its generation may then stop at the context's end). One that
 * fills the context is cut from the left, keeping `<bos>`, to leave room for min(maxNew, ctx/2) new tokens.
 */
function fitPrompt(prompt: readonly number[], maxNew: number, ctx: number): Row {
  if (prompt.length === 0) throw new Error('generate: a prompt must hold at least one token (usually <bos>).');
  if (prompt.length < ctx) return { prompt: [...prompt], maxNew: Math.min(maxNew, ctx - prompt.length), truncated: 0 };
  const keep = ctx - Math.max(1, Math.min(maxNew, Math.floor(ctx / 2)));
  const cut = [prompt[0]!, ...prompt.slice(prompt.length - (keep - 1))];
  return { prompt: cut, maxNew: Math.min(maxNew, ctx - cut.length), truncated: prompt.length - cut.length };
}

async function generateBatch(model: GenerationModel, rows: readonly Row[], eosId: number): Promise<Generation[]> {
  const { config, params } = model;
  const B = rows.length;
  const C = config.width;
  const P = Math.max(...rows.map((r) => r.prompt.length));
  const pads = rows.map((r) => P - r.prompt.length);
  const steps = Math.max(...rows.map((r) => r.maxNew));
  const out: Generation[] = rows.map((r) => ({ ids: [], stop: r.maxNew > 0 ? 'max' : 'context', promptTruncated: r.truncated }));
  const live = rows.map((r) => r.maxNew > 0);
  if (steps === 0) return out;

  // Key mask over every column the batch will ever have: MASKED on each row's left padding.
  const width = P + steps;
  const padMaskHost = new Float32Array(B * width);
  for (let b = 0; b < B; b++) padMaskHost.fill(MASKED, b * width, b * width + pads[b]!);

  const idsHost = new Int32Array(B * P);
  const posHost = new Int32Array(B * P);
  for (let b = 0; b < B; b++) {
    idsHost.set(rows[b]!.prompt, b * P + pads[b]!);
    for (let t = pads[b]!; t < P; t++) posHost[b * P + t] = t - pads[b]!;
  }

  const padMask = tf.tensor2d(padMaskHost, [B, width]);
  let caches: LayerCache[] = [];
  let nextIds: tf.Tensor2D;
  try {
    // Prefill: causal within the prompt columns, plus each row's padding masked as keys.
    const first = tf.tidy(() => {
      const ids = tf.tensor2d(idsHost, [B, P], 'int32');
      const positions = tf.tensor2d(posHost, [B, P], 'int32');
      const causalHost = new Float32Array(P * P);
      for (let q = 0; q < P; q++) for (let k = q + 1; k < P; k++) causalHost[q * P + k] = MASKED;
      const mask = tf.add(tf.tensor2d(causalHost, [P, P]), tf.reshape(tf.slice(padMask, [0, 0], [B, P]), [B, 1, 1, P]));
      const r = forwardColumns(config, params, embed(params, ids, positions), B, P, mask, config.layers > 0 ? new Array(config.layers).fill(null) : []);
      const last = tf.reshape(tf.slice(tf.reshape(r.hidden, [B, P, C]), [0, P - 1, 0], [B, 1, C]), [B, C]) as tf.Tensor2D;
      return { caches: r.caches, ids: tf.reshape(greedyIds(params, last), [B, 1]) as tf.Tensor2D };
    });
    caches = first.caches;
    nextIds = first.ids;

    for (let s = 0; ; s++) {
      // Token s of every row is now in nextIds: read it back, record it, and decide who goes on.
      const chosen = await nextIds.data();
      let anyLive = false;
      for (let b = 0; b < B; b++) {
        if (!live[b]) continue;
        const id = chosen[b]!;
        if (id === eosId) {
          live[b] = false;
          out[b]!.stop = 'eos';
          continue;
        }
        out[b]!.ids.push(id);
        if (out[b]!.ids.length >= rows[b]!.maxNew) {
          live[b] = false;
          // Out of room in the context rather than out of budget: say so.
          out[b]!.stop = rows[b]!.prompt.length + out[b]!.ids.length >= config.contextLength ? 'context' : 'max';
          continue;
        }
        anyLive = true;
      }
      if (!anyLive || s + 1 >= steps) break;

      // Feed token s at column P + s; a finished row keeps computing (its outputs are ignored).
      const col = P + s;
      const posStep = new Int32Array(B);
      for (let b = 0; b < B; b++) posStep[b] = Math.min(col - pads[b]!, config.contextLength - 1);
      const prevIds = nextIds;
      const prevCaches = caches;
      const step = tf.tidy(() => {
        const positions = tf.tensor2d(posStep, [B, 1], 'int32');
        const mask = tf.reshape(tf.slice(padMask, [0, 0], [B, col + 1]), [B, 1, 1, col + 1]);
        const r = forwardColumns(config, params, embed(params, prevIds, positions), B, 1, mask, prevCaches);
        return { caches: r.caches, ids: tf.reshape(greedyIds(params, r.hidden), [B, 1]) as tf.Tensor2D };
      });
      caches = step.caches;
      nextIds = step.ids;
      prevIds.dispose();
      for (const c of prevCaches) tf.dispose([c.k, c.v]);
    }
    nextIds.dispose();
  } finally {
    padMask.dispose();
    for (const c of caches) tf.dispose([c.k, c.v]);
  }
  return out;
}

// ───────────────────────────── the public API ─────────────────────────────

/**
 * Greedy continuations of `prompts` (token ids, `<bos>` first), in the order given. Stops a prompt at `<eos>` (not
 * included in the result), after its `maxNewTokens`, or when the model's context is full. A prompt too long for the
 * context is cut from the left after its first token (reported in `promptTruncated`).
 */
export async function greedyGenerate(model: GenerationModel, prompts: readonly (readonly number[])[], options: GenerateOptions): Promise<Generation[]> {
  const ctx = model.config.contextLength;
  const maxOf = (i: number): number => {
    const m = typeof options.maxNewTokens === 'number' ? options.maxNewTokens : options.maxNewTokens[i];
    if (m === undefined || !Number.isInteger(m) || m < 0) throw new RangeError(`generate: maxNewTokens for prompt ${i} must be an integer ≥ 0, got ${m}.`);
    return m;
  };
  if (typeof options.maxNewTokens !== 'number' && options.maxNewTokens.length !== prompts.length) {
    throw new RangeError(`generate: ${options.maxNewTokens.length} maxNewTokens values for ${prompts.length} prompts.`);
  }
  const batchSize = options.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`generate: batchSize must be a positive integer, got ${batchSize}.`);
  const rows = prompts.map((pr, i) => fitPrompt(pr, maxOf(i), ctx));
  // Group similar lengths so a batch pads little; the sort is stable, results go back in input order.
  const order = rows.map((_, i) => i).sort((a, b) => rows[a]!.prompt.length - rows[b]!.prompt.length);
  const results: Generation[] = new Array(prompts.length);
  for (let at = 0; at < order.length; at += batchSize) {
    const idx = order.slice(at, at + batchSize);
    const gens = await generateBatch(model, idx.map((i) => rows[i]!), options.eosId);
    idx.forEach((i, k) => (results[i] = gens[k]!));
    options.onProgress?.(Math.min(order.length, at + batchSize), order.length);
  }
  return results;
}
