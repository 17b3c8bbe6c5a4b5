// What a run generates besides losses: sample answers at each phase end, exact match on the held-out set at the end.
import { EXACT_MATCH_MAX_RECORDS, SAMPLE_MAX_NEW_TOKENS, SAMPLE_PROMPTS_PER_BUCKET } from './evalSubset';
import { evaluateExactMatch, scoreExactMatch } from './exactMatch';
import type { GenerationModel } from './generate';
import { generateSamples, pickSamplePrompts, type SampleSnapshot } from './samples';
import type { Tokenizer } from '../tokenizer/tokenizer';
import type { HeldOutRecord } from '../train/runner';
import type { ExactMatchOutcome } from '../runs/run';

/** Exact match is only meaningful, and affordable, for short exact answers (arithmetic, transformations, labels). */
const EXACT_MATCH_MAX_ANSWER_TOKENS = 64;

export type { ExactMatchOutcome };

/** Four fixed held-out prompts per bucket, answered after every phase: the same prompts in every arm and seed. */
export function phaseSampler(model: GenerationModel, tokenizer: Tokenizer, heldOut: readonly HeldOutRecord[], labelOf: (stage: number) => string) {
  const prompts = pickSamplePrompts(heldOut, { perBucket: SAMPLE_PROMPTS_PER_BUCKET });
  // Long enough for the longest expected answer and a little more, never more than 48 tokens: generating is slow on
  // a weak GPU, and a sample is for reading, not for scoring.
  const longest = Math.max(0, ...prompts.map((p) => tokenizer.encode(p.expected).length));
  const maxNewTokens = Math.min(SAMPLE_MAX_NEW_TOKENS, longest + 8);
  return async (stage: number, at: { step: number; tokensSeen: number }): Promise<SampleSnapshot | undefined> => {
    if (prompts.length === 0) return undefined;
    const samples = await generateSamples(model, tokenizer, prompts, { maxNewTokens });
    return { phase: stage, label: labelOf(stage), step: at.step, tokensSeen: at.tokensSeen, samples };
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)]!;
}

/** Greedy answers to the held-out records, scored per difficulty bucket, when the answers are short and exact. */
export async function heldOutExactMatch(model: GenerationModel, tokenizer: Tokenizer, heldOut: readonly HeldOutRecord[]): Promise<ExactMatchOutcome> {
  if (heldOut.length === 0) return { skipped: 'no held-out records', examples: [] };
  const answerTokens = median(heldOut.map((h) => tokenizer.encode(h.record.output).length));
  if (answerTokens > EXACT_MATCH_MAX_ANSWER_TOKENS) {
    return { skipped: `answers are long (median ${answerTokens} tokens): exact match would measure nothing useful here`, examples: [] };
  }
  const records = heldOut.slice(0, EXACT_MATCH_MAX_RECORDS);
  const { report, items } = await evaluateExactMatch(model, tokenizer, records);
  const levels = records.map((h) => h.record.score);
  const byLevel = levels.every((l) => l !== undefined && Number.isInteger(l))
    ? scoreExactMatch(items.map((item, i) => ({ ...item, bucket: String(levels[i]) })))
    : undefined;
  const examples = items
    .filter((_, i) => i % Math.max(1, Math.floor(items.length / 12)) === 0)
    .slice(0, 12)
    .map((it) => ({ id: it.id, bucket: it.bucket, expected: it.expected, answer: it.answer, correct: it.answer === it.expected }));
  return { report, ...(byLevel ? { byLevel } : {}), examples, ...(records.length < heldOut.length ? { skipped: `scored the first ${records.length} of ${heldOut.length} held-out records` } : {}) };
}
