/**
 * A fixed set of held-out prompts whose generations are saved at every phase end, so a person can read how the
 * answers change as training goes on (and compare arms on the very same prompts).
 *
 * The set is chosen by a seeded hash of the record ids, the same number from every bucket: it depends on the ids and
 * the seed only — not on the order of the file or of the held-out list — so every arm and every seed of an
 * experiment gets the same prompts.
 */
import type { InstructionRecord } from '../data/record';
import type { Tokenizer } from '../tokenizer/tokenizer';
import { hashUnit } from '../util/hash';
import type { RecordFormat } from '../text/recordFormat';
import { generateAnswers } from './exactMatch';
import type { GenerationModel, StopReason } from './generate';

export interface SamplePrompt {
  id: string;
  bucket: string;
  instruction: string;
  input: string;
  expected: string;
  /** A conversation's earlier exchanges: the prompt holds them, as the training row does. */
  history?: InstructionRecord['history'];
}

export interface SampleGeneration extends SamplePrompt {
  generated: string;
  /** generated === expected. */
  correct: boolean;
  stop: StopReason;
}

/** The samples taken at one point of a run (a phase end). */
export interface SampleSnapshot {
  /** 0-based stage of the arm that just ended. */
  phase: number;
  label: string;
  step: number;
  tokensSeen: number;
  samples: SampleGeneration[];
}

export interface SamplePickOptions {
  /** Prompts per bucket (default 3). */
  perBucket?: number;
  /** Seed of the id hash (default 0). */
  seed?: number;
}

/** `perBucket` prompts from each bucket (smallest seeded hash of the id first), buckets in numeric order. */
export function pickSamplePrompts(
  heldOut: readonly { record: InstructionRecord; bucket: string }[],
  options: SamplePickOptions = {},
): SamplePrompt[] {
  const perBucket = options.perBucket ?? 3;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(perBucket) || perBucket < 0)
    throw new RangeError(`perBucket must be an integer ≥ 0, got ${perBucket}`);
  const byBucket = new Map<string, { record: InstructionRecord; key: number }[]>();
  for (const { record, bucket } of heldOut) {
    const list = byBucket.get(bucket) ?? [];
    list.push({ record, key: hashUnit(record.id, seed) });
    byBucket.set(bucket, list);
  }
  const out: SamplePrompt[] = [];
  for (const bucket of [...byBucket.keys()].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))) {
    const chosen = byBucket
      .get(bucket)!
      .sort((a, b) => a.key - b.key || (a.record.id < b.record.id ? -1 : a.record.id > b.record.id ? 1 : 0))
      .slice(0, perBucket);
    for (const { record } of chosen) {
      out.push({
        id: record.id,
        bucket,
        instruction: record.instruction,
        input: record.input,
        expected: record.output,
        ...(record.history?.length ? { history: record.history } : {}),
      });
    }
  }
  return out;
}

/** Greedy generations for the sample prompts (up to `maxNewTokens`, default 64, or `<eos>`). */
export async function generateSamples(
  model: GenerationModel,
  tokenizer: Tokenizer,
  prompts: readonly SamplePrompt[],
  options: { template?: RecordFormat; maxNewTokens?: number; batchSize?: number } = {},
): Promise<SampleGeneration[]> {
  const answers = await generateAnswers(
    model,
    tokenizer,
    prompts.map((p) => ({
      id: p.id,
      instruction: p.instruction,
      input: p.input,
      output: p.expected,
      ...(p.history ? { history: p.history } : {}),
    })),
    { template: options.template, maxNewTokens: options.maxNewTokens ?? 64, batchSize: options.batchSize },
  );
  return prompts.map((p, i) => ({
    ...p,
    generated: answers[i]!.answer,
    correct: answers[i]!.answer === p.expected,
    stop: answers[i]!.stop,
  }));
}
