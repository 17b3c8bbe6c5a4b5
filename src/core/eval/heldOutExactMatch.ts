/**
 * Exact match at the end of a run: the one policy the studio (after a browser run) and `npm run experiment` both
 * score by. Which records are scored, when exact match is not worth computing, and how the report is cut:
 *
 * - no records → skipped;
 * - answers whose median is longer than 64 tokens → skipped: exact match on long free text measures nothing;
 * - at most `EXACT_MATCH_MAX_RECORDS` records; past that, the ones with the smallest hash of their id (the same in
 *   every arm, seed and version, and spread over every phase — the held-out list is in phase order, so its head
 *   would be the easy phase only);
 * - the report per record bucket (the phase a held-out record belongs to), and per level when every record carries
 *   a whole-number difficulty (the demo's levels 1–5).
 */
import type { InstructionRecord } from '../data/record';
import type { Tokenizer } from '../tokenizer/tokenizer';
import type { RecordFormat } from '../text/recordFormat';
import { hashUnit } from '../util/hash';
import { EXACT_MATCH_MAX_RECORDS } from './evalSubset';
import { evaluateExactMatch, scoreExactMatch, type ExactMatchReport } from './exactMatch';
import type { GenerationModel } from './generate';

/** Exact match is only meaningful, and affordable, for short exact answers (arithmetic, transformations, labels). */
export const EXACT_MATCH_MAX_ANSWER_TOKENS = 64;

/** Fixed, so the records scored past the cap are the same in every run, worker and version. */
const CAP_SEED = 0xe4;

/** Exact match on the held-out set at the end of a run, or why it was not computed. */
export interface ExactMatchOutcome {
  /** Per difficulty bucket (the phase a held-out record belongs to). */
  report?: ExactMatchReport;
  /** Per level, when every held-out record carries a whole-number difficulty (the demo's levels 1–5). */
  byLevel?: ExactMatchReport;
  /** Why exact match was not computed, when it was not (or that only part of the records were scored). */
  skipped?: string;
  /** A few answers per bucket, right and wrong, for the user to read. */
  examples: { id: string; bucket: string; expected: string; answer: string; correct: boolean }[];
}

export interface ExactMatchRecord {
  record: InstructionRecord;
  bucket: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)]!;
}

/** At most `max` records: all of them, or those with the smallest id hash, in their own order. */
export function exactMatchRecords<T extends ExactMatchRecord>(
  records: readonly T[],
  max = EXACT_MATCH_MAX_RECORDS,
): T[] {
  if (records.length <= max) return [...records];
  const kept = new Set(
    records
      .map((r) => ({ r, key: hashUnit(r.record.id, CAP_SEED) }))
      .sort((a, b) => a.key - b.key || (a.r.record.id < b.r.record.id ? -1 : 1))
      .slice(0, max)
      .map(({ r }) => r),
  );
  return records.filter((r) => kept.has(r));
}

/** Greedy answers to the records, scored per bucket (and per level), when the answers are short and exact. */
export async function heldOutExactMatch(
  model: GenerationModel,
  tokenizer: Tokenizer,
  heldOut: readonly ExactMatchRecord[],
  options: { batchSize?: number; template?: RecordFormat } = {},
): Promise<ExactMatchOutcome> {
  if (heldOut.length === 0) return { skipped: 'no held-out records', examples: [] };
  const answerTokens = median(heldOut.map((h) => tokenizer.encode(h.record.output).length));
  if (answerTokens > EXACT_MATCH_MAX_ANSWER_TOKENS) {
    return {
      skipped: `answers are long (median ${answerTokens} tokens): exact match would measure nothing useful here`,
      examples: [],
    };
  }
  const records = exactMatchRecords(heldOut);
  const { report, items } = await evaluateExactMatch(model, tokenizer, records, {
    batchSize: options.batchSize,
    template: options.template,
  });
  const levels = records.map((h) => h.record.score);
  const byLevel = levels.every((l) => l !== undefined && Number.isInteger(l))
    ? scoreExactMatch(items.map((item, i) => ({ ...item, bucket: String(levels[i]) })))
    : undefined;
  const examples = items
    .filter((_, i) => i % Math.max(1, Math.floor(items.length / 12)) === 0)
    .slice(0, 12)
    .map((it) => ({
      id: it.id,
      bucket: it.bucket,
      expected: it.expected,
      answer: it.answer,
      correct: it.answer === it.expected,
    }));
  const capped =
    records.length < heldOut.length
      ? {
          skipped: `scored ${records.length} of ${heldOut.length} held-out records (chosen by id, the same in every run)`,
        }
      : {};
  return { report, ...(byLevel ? { byLevel } : {}), examples, ...capped };
}
