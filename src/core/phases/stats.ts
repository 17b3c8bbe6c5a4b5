/**
 * Per-phase statistics, the studio's version of the paper's Table 1: how many records, what share, mean
 * difficulty, and mean length of prompt and response — so the length–difficulty confound is visible.
 */
import { promptChars, responseChars } from '../data/lengths';
import type { InstructionRecord } from '../data/record';
import { hashUnit } from '../util/hash';

export interface PhaseStats {
  /** Records whose score falls in the phase (training + held-out). */
  count: number;
  trainCount: number;
  heldOutCount: number;
  /** count / number of scored records in the plan (unscored records are not part of any share). */
  share: number;
  /** Scores as given (out-of-range values included as they are); NaN for an empty phase. */
  meanScore: number;
  minScore: number;
  maxScore: number;
  /**
   * Characters of instruction + input (+1 for the newline joining them when there is an input), and of the output;
   * a conversation's earlier user turns count as prompt and its earlier answers as response.
   */
  meanPromptChars: number;
  meanResponseChars: number;
  /** Mean tokens of prompt + response; undefined until a tokenizer is chosen. */
  meanTokens?: number;
  /** A few training records to show, chosen by a seeded hash of the id (stable when cut-offs move). */
  exampleIds: string[];
}

export { promptChars, responseChars };

export interface PhaseStatsInput {
  records: readonly InstructionRecord[];
  scores: ArrayLike<number>;
  /** Indices (into records) of the phase's members. */
  members: readonly number[];
  /** Ids of the members that are held out. */
  heldOut: ReadonlySet<string>;
  scoredTotal: number;
  examples: number;
  seed: number;
}

export function computePhaseStats(input: PhaseStatsInput): PhaseStats {
  const { records, scores, members, heldOut, scoredTotal, examples, seed } = input;
  const count = members.length;
  let sumScore = 0;
  let minScore = Number.POSITIVE_INFINITY;
  let maxScore = Number.NEGATIVE_INFINITY;
  let sumPrompt = 0;
  let sumResponse = 0;
  for (const i of members) {
    const s = scores[i]!;
    sumScore += s;
    if (s < minScore) minScore = s;
    if (s > maxScore) maxScore = s;
    const r = records[i]!;
    sumPrompt += promptChars(r);
    sumResponse += responseChars(r);
  }
  return {
    count,
    trainCount: count - heldOut.size,
    heldOutCount: heldOut.size,
    share: scoredTotal === 0 ? 0 : count / scoredTotal,
    meanScore: count === 0 ? Number.NaN : sumScore / count,
    minScore: count === 0 ? Number.NaN : minScore,
    maxScore: count === 0 ? Number.NaN : maxScore,
    meanPromptChars: count === 0 ? Number.NaN : sumPrompt / count,
    meanResponseChars: count === 0 ? Number.NaN : sumResponse / count,
    meanTokens: undefined,
    exampleIds: pickExamples(records, members, heldOut, examples, seed),
  };
}

/** The `k` training members with the smallest hash of their id under a seed distinct from the held-out one. */
function pickExamples(
  records: readonly InstructionRecord[],
  members: readonly number[],
  heldOut: ReadonlySet<string>,
  k: number,
  seed: number,
): string[] {
  if (k <= 0) return [];
  const exampleSeed = (seed ^ 0x5bd1e995) | 0;
  const best: { key: number; id: string }[] = [];
  for (const i of members) {
    const id = records[i]!.id;
    if (heldOut.has(id)) continue;
    const key = hashUnit(id, exampleSeed);
    if (best.length === k && key >= best[k - 1]!.key) continue;
    let at = best.length;
    while (at > 0 && (best[at - 1]!.key > key || (best[at - 1]!.key === key && best[at - 1]!.id > id))) at--;
    best.splice(at, 0, { key, id });
    if (best.length > k) best.pop();
  }
  return best.map((b) => b.id);
}
