/**
 * Which tokens a row trains on: every trained answer of a conversation's history, then the final response up to its
 * `<eos>`. The one mask rule, read by training, held-out loss, IFD and the TRL agreement check alike.
 */
import type { EncodedExample, TokenSpan } from './template';

/** What the mask rule reads of a row: its length, where the final response starts, and the earlier trained answers. */
export interface ScoredRow {
  readonly ids: ArrayLike<number>;
  readonly promptLength: number;
  readonly trainedSpans?: readonly TokenSpan[];
}

/** The per-token loss mask of an encoded example: 1 on every trained token (earlier answers, response, final `<eos>`). */
export function responseMask(e: EncodedExample): Uint8Array {
  const m = new Uint8Array(e.ids.length);
  for (const s of e.trainedSpans ?? []) m.fill(1, s.start, s.end);
  m.fill(1, e.promptLength);
  return m;
}

/**
 * The target positions a row's mask is 1 on, as [from, to) ranges: every trained answer of the history, then the
 * final response up to its `<eos>`. Position t predicts token t + 1, so a trained token at p is scored at t = p − 1.
 */
export function scoredRanges(e: ScoredRow): [number, number][] {
  const last = e.ids.length - 1;
  const ranges: [number, number][] = [];
  for (const s of e.trainedSpans ?? []) {
    const from = Math.max(0, s.start - 1);
    const to = Math.min(s.end - 1, last);
    if (to > from) ranges.push([from, to]);
  }
  ranges.push([Math.max(0, e.promptLength - 1), last]);
  return ranges;
}

/** Targets a row of `e` scores: those its mask is 1 for. */
export function scoredTokens(e: ScoredRow): number {
  return scoredRanges(e).reduce((n, [from, to]) => n + (to - from), 0);
}

/** The same row scoring its final response only: earlier answers become context (IFD compares that answer alone). */
export function finalResponseOnly<R extends ScoredRow>(row: R): Omit<R, 'trainedSpans'> {
  const { trainedSpans: _spans, ...rest } = row;
  return rest;
}
