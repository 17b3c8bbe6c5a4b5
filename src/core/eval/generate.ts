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
 * The maths is the model's own: `gptForwardCached` runs the same blocks as the training forward, so the greedy
 * tokens equal the argmax of `gptLogits` recomputed on the full sequence (tested). This file only batches, pads,
 * fits prompts into the context, stops and loops.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GptConfig } from '../model/config';
import { gptForwardCached, gptHead, keyPaddingMask, type GptCache, type GptParams } from '../model/gpt';

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
  /** More ids that end a generation as `<eos>` does (a chat template's end of turn, `<|im_end|>`). */
  stopIds?: readonly number[];
  /** Prompts per forward (default 32). Prompts are grouped by length first, so padding stays small. */
  batchSize?: number;
  /** Called after each prompt batch with the number of prompts done so far. */
  onProgress?: (done: number, total: number) => void;
}

export interface GenerationModel {
  config: GptConfig;
  params: GptParams;
}

/** Argmax over the tied head for hidden rows [N, C] → int32 [N]. */
function greedyIds(params: GptParams, hidden: tf.Tensor2D): tf.Tensor1D {
  return tf.argMax(gptHead(params, hidden), -1) as tf.Tensor1D;
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

async function generateBatch(
  model: GenerationModel,
  rows: readonly Row[],
  stops: ReadonlySet<number>,
): Promise<Generation[]> {
  const { config, params } = model;
  const B = rows.length;
  const C = config.width;
  const P = Math.max(...rows.map((r) => r.prompt.length));
  const pads = rows.map((r) => P - r.prompt.length);
  const steps = Math.max(...rows.map((r) => r.maxNew));
  const out: Generation[] = rows.map((r) => ({
    ids: [],
    stop: r.maxNew > 0 ? 'max' : 'context',
    promptTruncated: r.truncated,
  }));
  const live = rows.map((r) => r.maxNew > 0);
  if (steps === 0) return out;

  const idsHost = new Int32Array(B * P);
  const posHost = new Int32Array(B * P);
  for (let b = 0; b < B; b++) {
    idsHost.set(rows[b]!.prompt, b * P + pads[b]!);
    for (let t = pads[b]!; t < P; t++) posHost[b * P + t] = t - pads[b]!;
  }

  // Every row's left padding masked as keys, over every column the batch will ever have.
  const keyPadding = keyPaddingMask(pads, P + steps);
  let cache: GptCache = [];
  let nextIds: tf.Tensor2D;
  try {
    // Prefill: the prompt columns, causal among themselves.
    const first = tf.tidy(() => {
      const ids = tf.tensor2d(idsHost, [B, P], 'int32');
      const positions = tf.tensor2d(posHost, [B, P], 'int32');
      const r = gptForwardCached(config, params, ids, positions, keyPadding, null);
      const last = tf.reshape(tf.slice(tf.reshape(r.hidden, [B, P, C]), [0, P - 1, 0], [B, 1, C]), [
        B,
        C,
      ]) as tf.Tensor2D;
      return { cache: r.cache, ids: tf.reshape(greedyIds(params, last), [B, 1]) as tf.Tensor2D };
    });
    cache = first.cache;
    nextIds = first.ids;

    for (let s = 0; ; s++) {
      // Token s of every row is now in nextIds: read it back, record it, and decide who goes on.
      const chosen = await nextIds.data();
      let anyLive = false;
      for (let b = 0; b < B; b++) {
        if (!live[b]) continue;
        const id = chosen[b]!;
        if (stops.has(id)) {
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
      const prevCache = cache;
      const step = tf.tidy(() => {
        const positions = tf.tensor2d(posStep, [B, 1], 'int32');
        const r = gptForwardCached(config, params, prevIds, positions, keyPadding, prevCache);
        return { cache: r.cache, ids: tf.reshape(greedyIds(params, r.hidden), [B, 1]) as tf.Tensor2D };
      });
      cache = step.cache;
      nextIds = step.ids;
      prevIds.dispose();
      tf.dispose(prevCache);
    }
    nextIds.dispose();
  } finally {
    keyPadding.dispose();
    tf.dispose(cache);
  }
  return out;
}

// ───────────────────────────── the public API ─────────────────────────────

/**
 * Greedy continuations of `prompts` (token ids, `<bos>` first), in the order given. Stops a prompt at `<eos>` (not
 * included in the result), after its `maxNewTokens`, or when the model's context is full. A prompt too long for the
 * context is cut from the left after its first token (reported in `promptTruncated`).
 */
export async function greedyGenerate(
  model: GenerationModel,
  prompts: readonly (readonly number[])[],
  options: GenerateOptions,
): Promise<Generation[]> {
  const ctx = model.config.contextLength;
  const maxOf = (i: number): number => {
    const m = typeof options.maxNewTokens === 'number' ? options.maxNewTokens : options.maxNewTokens[i];
    if (m === undefined || !Number.isInteger(m) || m < 0)
      throw new RangeError(`generate: maxNewTokens for prompt ${i} must be an integer ≥ 0, got ${m}.`);
    return m;
  };
  if (typeof options.maxNewTokens !== 'number' && options.maxNewTokens.length !== prompts.length) {
    throw new RangeError(`generate: ${options.maxNewTokens.length} maxNewTokens values for ${prompts.length} prompts.`);
  }
  const batchSize = options.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`generate: batchSize must be a positive integer, got ${batchSize}.`);
  const rows = prompts.map((pr, i) => fitPrompt(pr, maxOf(i), ctx));
  // Group similar lengths so a batch pads little; the sort is stable, results go back in input order.
  const order = rows.map((_, i) => i).sort((a, b) => rows[a]!.prompt.length - rows[b]!.prompt.length);
  const results: Generation[] = new Array(prompts.length);
  const stops = new Set([options.eosId, ...(options.stopIds ?? [])]);
  for (let at = 0; at < order.length; at += batchSize) {
    const idx = order.slice(at, at + batchSize);
    const gens = await generateBatch(
      model,
      idx.map((i) => rows[i]!),
      stops,
    );
    idx.forEach((i, k) => (results[i] = gens[k]!));
    options.onProgress?.(Math.min(order.length, at + batchSize), order.length);
  }
  return results;
}
