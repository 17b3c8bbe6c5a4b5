import { scoredRanges, scoredTokens } from './masks';
import type { EncodedExample, TokenSpan } from './template';

/**
 * Fixed-shape batches for a causal LM with a response-only loss.
 *
 * A row of context length T holds a training string of at most T + 1 tokens `s`: inputs `ids[t] = s[t]`, targets
 * `targets[t] = s[t + 1]`, `mask[t] = 1` exactly when the TARGET `s[t + 1]` is a response token (or the final
 * `<eos>`). Positions past the string hold `padId` with mask 0, so every batch has shape [B, T] and a GPU program
 * compiles once per run.
 *
 * Truncation, when `<bos> prompt response <eos>` (P prompt + R response tokens, `<eos>` counted in R) exceeds T + 1:
 * 1. R ≤ T: the whole response is kept; the prompt is cut FROM THE LEFT to the T + 1 − R tokens that precede the
 *    response, but its first token (`<bos>`) is kept when at least 2 prompt tokens fit, so every row starts alike.
 *    The cut falls on the instruction's start, never on the words just before "Assistant:".
 * 2. R > T: the prompt keeps at most ⌊T / 2⌋ tokens (again `<bos>` + its tail) and the response is cut AT ITS END
 *    to fill the row; that row's final `<eos>` is lost.
 * Truncated rows are counted (`TruncationStats`) so the UI can say how many records the context length cut.
 *
 * A conversation's earlier answers lie inside the prompt (`trainedSpans`): they have mask 1 too, and a cut from the
 * left shifts them with the prompt's tail, clips the one it falls in, and drops the ones before it (counted as
 * `trainedTokensDropped`). The final response is kept first because it is what the record is for.
 *
 * Batches: a stage's data order is cut into consecutive batches of B rows; the last batch of a stage, when short,
 * is padded with all-pad rows whose mask is 0 (they add nothing to the loss). Padding rather than dropping means
 * every record of every phase is seen exactly `epochs` times, which keeps one-off and phased budgets equal.
 */

export type Truncation = 'none' | 'prompt' | 'response';

export interface PackedExample {
  /** The (possibly truncated) training string, at most T + 1 tokens. */
  ids: Int32Array;
  /** Where the final response starts: its tokens and the final `<eos>` have mask 1. */
  promptLength: number;
  /** Earlier trained answers inside the prompt (mask 1 too), as they lie in this row after truncation. */
  trainedSpans?: TokenSpan[];
  truncation: Truncation;
  /** Tokens the truncation removed (0 when whole). */
  dropped: number;
  /** Of those, tokens of earlier trained answers; absent when none. */
  trainedDropped?: number;
}

export interface TruncationStats {
  examples: number;
  /** Rows whose prompt was cut (and whose response was whole). */
  promptTruncated: number;
  /** Rows whose response had to be cut at its end. */
  responseTruncated: number;
  /** Tokens removed over all rows. */
  tokensDropped: number;
  /** Of those, tokens of earlier trained answers of conversations (cut with the prompt's start). */
  trainedTokensDropped: number;
}

/** Fits one encoded example into a row of context length T (at most T + 1 tokens), by the rule above. */
export function fitToContext(e: EncodedExample, T: number): PackedExample {
  if (!Number.isInteger(T) || T < 2) throw new RangeError(`context length must be an integer ≥ 2, got ${T}`);
  const P = e.promptLength;
  const R = e.ids.length - P;
  if (P < 1 || R < 1)
    throw new Error(`an encoded example needs at least one prompt and one response token (got P=${P}, R=${R})`);
  const cap = T + 1;
  if (P + R <= cap)
    return withSpans({ ids: Int32Array.from(e.ids), promptLength: P, truncation: 'none', dropped: 0 }, e.trainedSpans);
  const keepPrompt = R <= T ? cap - R : Math.min(P, Math.max(1, Math.floor(T / 2)));
  const keepsBos = keepPrompt >= 2;
  // The prompt's tail kept: old positions [from, P) move to [from - shift, P - shift).
  const from = P - (keepsBos ? keepPrompt - 1 : keepPrompt);
  const shift = from - (keepsBos ? 1 : 0);
  const prompt = keepsBos ? [e.ids[0], ...e.ids.slice(from, P)] : e.ids.slice(from, P);
  const response = e.ids.slice(P, P + Math.min(R, cap - keepPrompt));
  const spans: TokenSpan[] = [];
  for (const s of e.trainedSpans ?? []) {
    const start = Math.max(s.start, from);
    if (start < s.end) spans.push({ start: start - shift, end: s.end - shift });
  }
  return withSpans(
    {
      ids: Int32Array.from([...prompt, ...response]),
      promptLength: prompt.length,
      truncation: R <= T ? 'prompt' : 'response',
      dropped: P + R - prompt.length - response.length,
    },
    spans,
    spanTokens(e.trainedSpans) - spanTokens(spans),
  );
}

function spanTokens(spans: readonly TokenSpan[] | undefined): number {
  let n = 0;
  for (const s of spans ?? []) n += s.end - s.start;
  return n;
}

/** The row with its trained spans, when it has any; single exchanges stay exactly `{ids, promptLength, …}`. */
function withSpans(row: PackedExample, spans: readonly TokenSpan[] | undefined, trainedDropped = 0): PackedExample {
  if (spans && spans.length > 0) row.trainedSpans = spans.map((s) => ({ ...s }));
  if (trainedDropped > 0) row.trainedDropped = trainedDropped;
  return row;
}

export function truncationStats(examples: readonly PackedExample[]): TruncationStats {
  const stats: TruncationStats = {
    examples: 0,
    promptTruncated: 0,
    responseTruncated: 0,
    tokensDropped: 0,
    trainedTokensDropped: 0,
  };
  for (const e of examples) {
    stats.examples++;
    if (e.truncation === 'prompt') stats.promptTruncated++;
    if (e.truncation === 'response') stats.responseTruncated++;
    stats.tokensDropped += e.dropped;
    stats.trainedTokensDropped += e.trainedDropped ?? 0;
  }
  return stats;
}

/** One [B, T] batch in flat row-major host arrays, ready for `tf.tensor2d`. */
export interface HostBatch {
  ids: Int32Array;
  targets: Int32Array;
  mask: Float32Array;
  /** Rows holding a real example (the rest are padding). */
  rows: number;
  /** Non-padding input tokens. */
  tokens: number;
  /** Positions with mask 1 (response tokens predicted). */
  maskTokens: number;
}

/**
 * Assembles batches of fixed shape [B, T] into reused buffers. The returned `HostBatch` is valid until the next call.
 */
export class BatchBuilder {
  private readonly buf: HostBatch;

  constructor(
    readonly batchSize: number,
    readonly contextLength: number,
    readonly padId: number,
  ) {
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
    const n = batchSize * contextLength;
    this.buf = {
      ids: new Int32Array(n),
      targets: new Int32Array(n),
      mask: new Float32Array(n),
      rows: 0,
      tokens: 0,
      maskTokens: 0,
    };
  }

  /** Fills the batch with `rows` (at most B examples, in order); missing rows are all-pad with mask 0. */
  build(rows: readonly PackedExample[]): HostBatch {
    const { batchSize: B, contextLength: T, padId } = this;
    if (rows.length > B) throw new RangeError(`a batch holds at most ${B} rows, got ${rows.length}`);
    const b = this.buf;
    b.ids.fill(padId);
    b.targets.fill(padId);
    b.mask.fill(0);
    b.rows = rows.length;
    b.tokens = 0;
    b.maskTokens = 0;
    for (const [r, row] of rows.entries()) {
      const { ids } = row;
      if (ids.length > T + 1) throw new RangeError(`row ${r} has ${ids.length} tokens; fitToContext(…, ${T}) first`);
      const base = r * T;
      const inputs = Math.min(ids.length, T);
      b.ids.set(ids.subarray(0, inputs), base);
      b.targets.set(ids.subarray(1), base);
      for (const [from, to] of scoredRanges(row)) b.mask.fill(1, base + from, base + to);
      b.tokens += inputs;
      b.maskTokens += scoredTokens(row);
    }
    return b;
  }
}
