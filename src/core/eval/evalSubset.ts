import { hashUnit } from '../util/hash';

/**
 * The held-out records a shortened run is evaluated on. A run on a few percent of each phase should not spend most
 * of its time scoring the whole held-out split at every phase end, so the evaluation shrinks with the training share:
 * per bucket, the `share` of its records (at least `minPerBucket`, or all when fewer) with the smallest hash of their
 * id. The choice depends on ids alone — never on the arm, the seed or the order — so every arm of a comparison is
 * scored on the same records, and a smaller share's subset lies inside a larger one's.
 */
export const EVAL_SUBSET_MIN_PER_BUCKET = 20;

/** Fixed, so the subset is the same in every run, worker and version. */
const SUBSET_SEED = 0x5e7;

export function evaluationSubset<T extends { record: { id: string }; bucket: string }>(
  heldOut: readonly T[],
  share: number,
  minPerBucket = EVAL_SUBSET_MIN_PER_BUCKET,
): T[] {
  if (!(share > 0 && share <= 1))
    throw new RangeError(`The evaluation share must be above 0 and at most 1, got ${share}.`);
  if (share === 1) return [...heldOut];
  const byBucket = new Map<string, T[]>();
  for (const h of heldOut) {
    const list = byBucket.get(h.bucket);
    if (list) list.push(h);
    else byBucket.set(h.bucket, [h]);
  }
  const kept = new Set<T>();
  for (const list of byBucket.values()) {
    const n = Math.min(list.length, Math.max(minPerBucket, Math.ceil(share * list.length)));
    const ranked = list
      .map((h) => ({ h, key: hashUnit(h.record.id, SUBSET_SEED) }))
      .sort((a, b) => a.key - b.key || (a.h.record.id < b.h.record.id ? -1 : 1));
    for (const { h } of ranked.slice(0, n)) kept.add(h);
  }
  // In the held-out split's own order, so batches and sample prompts are drawn as they would be from the whole set.
  return heldOut.filter((h) => kept.has(h));
}

/** Fixed held-out prompts answered after every phase, per bucket, and the most tokens generated for each. */
export const SAMPLE_PROMPTS_PER_BUCKET = 4;
export const SAMPLE_MAX_NEW_TOKENS = 48;
/** Held-out records scored for exact match at the end of a run, at most. */
export const EXACT_MATCH_MAX_RECORDS = 300;

/** What each phase-end evaluation, and the final exact-match pass, asks of the model: the Train screen shows it. */
export interface EvaluationCost {
  /** Held-out loss: records, in batches of the run's size, each bucket batched apart (forward passes only). */
  lossRecords: number;
  lossBatches: number;
  /** Fixed prompts answered greedily, each up to `sampleTokens` new tokens. */
  samplePrompts: number;
  sampleTokens: number;
  /** Once, after the last phase: records answered greedily for exact match. */
  exactMatchRecords: number;
}

export function evaluationCost(heldOut: readonly { bucket: string }[], batchSize: number): EvaluationCost {
  const perBucket = new Map<string, number>();
  for (const h of heldOut) perBucket.set(h.bucket, (perBucket.get(h.bucket) ?? 0) + 1);
  let samplePrompts = 0;
  let lossBatches = 0;
  for (const n of perBucket.values()) {
    samplePrompts += Math.min(n, SAMPLE_PROMPTS_PER_BUCKET);
    lossBatches += Math.ceil(n / Math.max(1, batchSize));
  }
  return {
    lossRecords: heldOut.length,
    lossBatches,
    samplePrompts,
    sampleTokens: SAMPLE_MAX_NEW_TOKENS,
    exactMatchRecords: Math.min(heldOut.length, EXACT_MATCH_MAX_RECORDS),
  };
}
