/**
 * Held-out loss per difficulty bucket, for any dataset: the mean cross-entropy per response token (prompt masked, as
 * in training), token-weighted within each bucket and overall. The same quantity the runner's `eval` events report,
 * computed outside a run — e.g. for a base model before any fine-tuning, or once at the end of a run.
 *
 * Records are grouped by bucket and sorted by length, and each batch is padded only to its own longest row, so a
 * held-out set of mostly short records costs what its tokens cost (in Node; on WebGPU prefer the runner's
 * fixed-shape evaluation, which compiles once).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { InstructionRecord } from '../data/record';
import { gptLoss } from '../model/gpt';
import type { Tokenizer } from '../tokenizer/tokenizer';
import { BatchBuilder, pretokenize } from '../train/batches';
import type { BucketLoss } from '../train/events';
import type { TemplateName } from '../train/template';
import type { GenerationModel } from './generate';

export interface HeldOutLossReport {
  /** Buckets in numeric-aware order. */
  buckets: BucketLoss[];
  /** Token-weighted over every record. */
  overall: number;
  tokens: number;
}

export async function heldOutLossByBucket(
  model: GenerationModel,
  tokenizer: Tokenizer,
  records: readonly { record: InstructionRecord; bucket: string }[],
  options: { template?: TemplateName; batchSize?: number; contextLength?: number } = {},
): Promise<HeldOutLossReport> {
  const template = options.template ?? 'paper';
  const B = options.batchSize ?? 16;
  const T = Math.min(options.contextLength ?? model.config.contextLength, model.config.contextLength);
  const byBucket = new Map<string, InstructionRecord[]>();
  for (const { record, bucket } of records) {
    const list = byBucket.get(bucket) ?? [];
    list.push(record);
    byBucket.set(bucket, list);
  }
  const names = [...byBucket.keys()].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const sums: tf.Scalar[] = [];
  const counts: number[] = [];
  try {
    for (const name of names) {
      const examples = pretokenize(byBucket.get(name)!, template, tokenizer, T).examples.sort((a, b) => a.ids.length - b.ids.length);
      let sum = tf.scalar(0);
      let count = 0;
      for (let at = 0; at < examples.length; at += B) {
        const rows = examples.slice(at, at + B);
        // Widths rounded up to a multiple of 16: few distinct shapes, so few cached causal masks in the model.
        const width = Math.min(T, Math.max(2, Math.ceil((Math.max(...rows.map((r) => r.ids.length)) - 1) / 16) * 16));
        const hb = new BatchBuilder(rows.length, width, tokenizer.padId).build(rows);
        count += hb.maskTokens;
        const next = tf.tidy(() => {
          const shape: [number, number] = [rows.length, width];
          const loss = gptLoss(model.config, model.params, tf.tensor2d(hb.ids, shape, 'int32'), tf.tensor2d(hb.targets, shape, 'int32'), tf.tensor2d(hb.mask, shape));
          return tf.add(sum, tf.mul(loss, hb.maskTokens)) as tf.Scalar;
        });
        sum.dispose();
        sum = next;
      }
      sums.push(sum);
      counts.push(count);
    }
    const all = sums.length > 0 ? tf.stack(sums) : tf.zeros([0]);
    const values = await all.data();
    all.dispose();
    const buckets = names.map((bucket, i) => ({
      bucket,
      loss: counts[i]! > 0 ? values[i]! / counts[i]! : NaN,
      records: byBucket.get(bucket)!.length,
      tokens: counts[i]!,
    }));
    const tokens = counts.reduce((a, b) => a + b, 0);
    return { buckets, overall: tokens > 0 ? Array.from(values).reduce((a, b) => a + b, 0) / tokens : NaN, tokens };
  } finally {
    tf.dispose(sums);
  }
}
