/**
 * The "field" scorer: the difficulty that came with the file (PhasedSFT `score`, a `difficulty` or `level`
 * column), already parsed by the readers into `record.score`. It invents nothing: a missing score is NaN and a
 * problem; a score outside 1–5 is reported as a problem and kept exactly as it is (the phase plan puts it in the
 * first or last phase and lists it), never clamped silently.
 */
import type { InstructionRecord } from '../data/record';
import type { Scorer, ScoreOptions, ScoreResult } from './scorer';

export const FIELD_SCORER_ID = 'field';

/** How many records carry a usable (finite) score from the file. */
export function countFieldScores(records: readonly InstructionRecord[]): number {
  let n = 0;
  for (const r of records) if (typeof r.score === 'number' && Number.isFinite(r.score)) n++;
  return n;
}

const PROGRESS_EVERY = 8192;

export function createFieldScorer(): Scorer {
  return {
    id: FIELD_SCORER_ID,
    name: 'Score from the file',
    description:
      'The difficulty written in the dataset itself (score, difficulty or level). As trustworthy as whoever produced it; records without one stay unscored.',
    score: async (records, options) => scoreFromField(records, options),
  };
}

/** The synchronous core of the field scorer (the scorer wraps it in a promise). */
export function scoreFromField(records: readonly InstructionRecord[], options: ScoreOptions = {}): ScoreResult {
  const { onProgress, signal } = options;
  const scores = new Float64Array(records.length);
  const problems: ScoreResult['problems'] = [];
  for (let i = 0; i < records.length; i++) {
    if (i % PROGRESS_EVERY === 0) {
      signal?.throwIfAborted();
      if (i > 0) onProgress?.(i / records.length);
    }
    const r = records[i]!;
    const s = r.score;
    if (s === undefined || Number.isNaN(s)) {
      scores[i] = Number.NaN;
      problems.push({ index: i, id: r.id, message: 'no difficulty in the file (no score, difficulty or level field)' });
    } else if (!Number.isFinite(s)) {
      scores[i] = Number.NaN;
      problems.push({ index: i, id: r.id, message: `difficulty ${s} is not a finite number; left unscored` });
    } else {
      scores[i] = s;
      if (s < 1 || s > 5) {
        problems.push({
          index: i,
          id: r.id,
          message: `difficulty ${s} is outside the 1–5 scale; kept as ${s} (${s < 1 ? 'it will sit in the first phase' : 'it will sit in the last phase'} and be listed as out of range)`,
        });
      }
    }
  }
  onProgress?.(1);
  return { scores, problems };
}
