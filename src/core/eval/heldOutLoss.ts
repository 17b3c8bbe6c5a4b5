/**
 * Held-out loss per difficulty bucket: the mean cross-entropy per response token (prompt masked, as in training),
 * token-weighted within each bucket and overall. The runner's `eval` events report it during a run; the same
 * functions give it outside one (a base model before any fine-tuning, a run's final weights, a corpus).
 *
 * Layers: `rowLoss.ts` gives each row's masked loss sum; `measureHeldOutRows` batches a bucket's rows through it
 * (one GPU → CPU read for everything); `bucketLosses` turns row sums and token counts into the means.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { InstructionRecord } from '../data/record';
import type { Tokenizer } from '../tokenizer/tokenizer';
import { BatchBuilder, type HostBatch, type PackedExample } from '../text/batches';
import { pretokenize } from '../text/pretokenize';
import { scoredTokens } from '../text/masks';
import type { RecordFormat } from '../text/recordFormat';
import { groupByBucket } from './buckets';
import { rowLossSums, type LossModel } from './rowLoss';

export interface HeldOutRecord {
  record: InstructionRecord;
  /** The difficulty bucket (e.g. the phase number "1", "2", "3") the held-out loss is reported under. */
  bucket: string;
}

/** One bucket's held-out loss, as the runner's `eval` events and the reports carry it. */
export interface BucketLoss {
  bucket: string;
  /** Mean cross-entropy per response token (nats). */
  loss: number;
  records: number;
  tokens: number;
}

/** One bucket's records, encoded and fitted to the context once. */
export interface HeldOutSet {
  bucket: string;
  examples: readonly PackedExample[];
}

export interface HeldOutLossReport {
  /** Buckets in numeric-aware order. */
  buckets: BucketLoss[];
  /** Token-weighted over every record. */
  overall: number;
  tokens: number;
}

/** How rows are put into batches; the result does not depend on it (up to float rounding). */
export interface HeldOutBatching {
  batchSize: number;
  /** The widest row, in positions. */
  contextLength: number;
  padId: number;
  /**
   * `'fixed'`: every batch is [batchSize, contextLength], so a GPU compiles one program and reuses it (the runner).
   * `'fit'`: rows sorted by length, each batch only as wide as its longest row (rounded up to 16: few distinct
   * shapes, so few cached causal masks), so a set of mostly short records costs what its tokens cost.
   */
  shape: 'fixed' | 'fit';
}

/** Each bucket's masked loss sum and scored tokens per row, in the set's order. */
export interface HeldOutRows {
  bucket: string;
  sums: Float64Array;
  tokens: Int32Array;
}

/** Groups held-out records by bucket (numeric-aware order) and encodes each once. */
export function heldOutSets(
  records: readonly HeldOutRecord[],
  template: RecordFormat,
  tokenizer: Tokenizer,
  contextLength: number,
): HeldOutSet[] {
  return groupByBucket(records, (r) => r.bucket).map(({ bucket, items }) => ({
    bucket,
    examples: pretokenize(
      items.map((h) => h.record),
      template,
      tokenizer,
      contextLength,
    ).examples,
  }));
}

/** A batch `batching` cuts a set into: which examples, on a device batch of shape [deviceRows, width]. */
interface PlannedBatch {
  /** Indices into the set's examples; rows past them (a short `'fixed'` batch) are padding with mask 0. */
  rows: number[];
  deviceRows: number;
  width: number;
}

function planBatches(examples: readonly PackedExample[], b: HeldOutBatching): PlannedBatch[] {
  const order = examples.map((_, i) => i);
  if (b.shape === 'fit') order.sort((i, j) => examples[i]!.ids.length - examples[j]!.ids.length);
  const out: PlannedBatch[] = [];
  for (let at = 0; at < order.length; at += b.batchSize) {
    const rows = order.slice(at, at + b.batchSize);
    if (b.shape === 'fixed') {
      out.push({ rows, deviceRows: b.batchSize, width: b.contextLength });
    } else {
      const longest = Math.max(...rows.map((i) => examples[i]!.ids.length)) - 1;
      out.push({
        rows,
        deviceRows: rows.length,
        width: Math.min(b.contextLength, Math.max(2, Math.ceil(longest / 16) * 16)),
      });
    }
  }
  return out;
}

/** `'fixed'` batches share one [B, T] buffer; a `'fit'` batch gets a builder of its own shape. */
function hostBatch(
  examples: readonly PackedExample[],
  p: PlannedBatch,
  b: HeldOutBatching,
  shared: BatchBuilder | null,
): HostBatch {
  return (shared ?? new BatchBuilder(p.deviceRows, p.width, b.padId)).build(p.rows.map((i) => examples[i]!));
}

function sharedBuilder(b: HeldOutBatching): BatchBuilder | null {
  return b.shape === 'fixed' ? new BatchBuilder(b.batchSize, b.contextLength, b.padId) : null;
}

/** Row sums of every set, batched as `batching` says, with one GPU → CPU read in all (none when there is no row). */
export async function measureHeldOutRows(
  model: LossModel,
  sets: readonly HeldOutSet[],
  batching: HeldOutBatching,
): Promise<HeldOutRows[]> {
  const shared = sharedBuilder(batching);
  const parts: tf.Tensor1D[] = [];
  const placed: { set: number; batch: PlannedBatch }[] = [];
  try {
    sets.forEach((set, s) => {
      for (const batch of planBatches(set.examples, batching)) {
        const hb = hostBatch(set.examples, batch, batching, shared);
        parts.push(tf.tidy(() => rowLossSums(model, hb, batch.deviceRows, batch.width)));
        placed.push({ set: s, batch });
      }
    });
    const out = sets.map((set) => ({
      bucket: set.bucket,
      sums: new Float64Array(set.examples.length),
      tokens: Int32Array.from(set.examples, scoredTokens),
    }));
    if (parts.length === 0) return out;
    const all = tf.concat(parts);
    let values: Float32Array;
    try {
      values = (await all.data()) as Float32Array;
    } finally {
      all.dispose();
    }
    let at = 0;
    for (const { set, batch } of placed) {
      batch.rows.forEach((i, r) => (out[set]!.sums[i] = values[at + r]!));
      at += batch.deviceRows;
    }
    return out;
  } finally {
    tf.dispose(parts);
  }
}

/** Row sums and scored tokens → the token-weighted mean per bucket and overall (NaN where nothing was scored). */
export function bucketLosses(rows: readonly HeldOutRows[]): HeldOutLossReport {
  let sum = 0;
  let tokens = 0;
  const buckets = rows.map(({ bucket, sums, tokens: counts }) => {
    const s = sums.reduce((a, v) => a + v, 0);
    const n = counts.reduce((a, v) => a + v, 0);
    sum += s;
    tokens += n;
    return { bucket, loss: n > 0 ? s / n : NaN, records: sums.length, tokens: n };
  });
  return { buckets, overall: tokens > 0 ? sum / tokens : NaN, tokens };
}

/** Held-out loss of encoded sets: {@link measureHeldOutRows}, then {@link bucketLosses}. */
export async function evaluateHeldOut(
  model: LossModel,
  sets: readonly HeldOutSet[],
  batching: HeldOutBatching,
): Promise<HeldOutLossReport> {
  return bucketLosses(await measureHeldOutRows(model, sets, batching));
}

/**
 * The row sums of the first batch `evaluateHeldOut` would run, or null when there is none: reading it compiles
 * an evaluation's kernels ahead of time (the runner's warm-up). Allocation only; the caller reads and disposes it.
 */
export function firstHeldOutBatch(
  model: LossModel,
  sets: readonly HeldOutSet[],
  batching: HeldOutBatching,
): tf.Tensor1D | null {
  const set = sets.find((s) => s.examples.length > 0);
  if (set === undefined) return null;
  const batch = planBatches(set.examples, batching)[0]!;
  const hb = hostBatch(set.examples, batch, batching, sharedBuilder(batching));
  return tf.tidy(() => rowLossSums(model, hb, batch.deviceRows, batch.width));
}

/**
 * Held-out loss of records, for any dataset: grouped by bucket, encoded with `template` (default `'paper'`), in
 * length-fitted batches of `batchSize` (default 16). In Node this is the cheapest; on WebGPU prefer the runner's
 * fixed-shape evaluation (`shape: 'fixed'`), which compiles once.
 */
export async function heldOutLossByBucket(
  model: LossModel,
  tokenizer: Tokenizer,
  records: readonly HeldOutRecord[],
  options: { template?: RecordFormat; batchSize?: number; contextLength?: number } = {},
): Promise<HeldOutLossReport> {
  const T = Math.min(options.contextLength ?? model.config.contextLength, model.config.contextLength);
  const sets = heldOutSets(records, options.template ?? 'paper', tokenizer, T);
  return evaluateHeldOut(model, sets, {
    batchSize: options.batchSize ?? 16,
    contextLength: T,
    padId: tokenizer.padId,
    shape: 'fit',
  });
}
