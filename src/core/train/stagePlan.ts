import type { InstructionRecord } from '../data/record';
import { stageOrder, type Arm } from './arms';
import { truncationStats, type PackedExample, type TruncationStats } from '../text/batches';
import { pretokenize } from '../text/pretokenize';
import { formatOf, type FormatTokenizer } from '../text/recordFormat';
import type { RunConfig } from './runConfig';

/** What a stage of the arm trains on, and in which order. */
export interface StagePlan {
  examples: PackedExample[];
  /** Indices into `examples`, over all of the stage's epochs. */
  order: Int32Array;
  /** Optimizer steps: the order cut into `batchSize × gradAccumulation` rows (the last step may be short). */
  steps: number;
  truncation: TruncationStats;
}

export function rowsPerStep(c: RunConfig): number {
  return c.hyper.batchSize * c.hyper.gradAccumulation;
}

/** Every stage's rows encoded, its data order and its step count. */
export function planStages(arm: Arm, c: RunConfig, tokenizer: FormatTokenizer): StagePlan[] {
  const encode = encodeOnce(c, tokenizer);
  return arm.stages.map((stage) => {
    const examples = encode(stage.records);
    const order = stageOrder(stage, c.seed);
    return { examples, order, steps: Math.ceil(order.length / rowsPerStep(c)), truncation: truncationStats(examples) };
  });
}

/** The stage's order positions [from, to) that optimizer step `j` consumes. */
export function stepRows(plan: StagePlan, j: number, c: RunConfig): [number, number] {
  const from = j * rowsPerStep(c);
  return [from, Math.min(plan.order.length, from + rowsPerStep(c))];
}

/** Encodes records, each once over all calls: a record replayed in several stages is not tokenized again. */
function encodeOnce(
  c: RunConfig,
  tokenizer: FormatTokenizer,
): (records: readonly InstructionRecord[]) => PackedExample[] {
  const cache = new Map<InstructionRecord, PackedExample>();
  return (records) => {
    const fresh = records.filter((r) => !cache.has(r));
    const pre = pretokenize(fresh, formatOf(c.template), tokenizer, c.contextLength);
    fresh.forEach((r, i) => cache.set(r, pre.examples[i]!)); // one example per record
    return records.map((r) => cache.get(r)!);
  };
}
