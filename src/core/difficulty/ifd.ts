/**
 * Model-based difficulty on the loaded GPT: IFD (Li et al., "From Quantity to Quality", NAACL 2024) and the plain
 * response loss.
 *
 *   s(A | Q) = mean cross-entropy of the response tokens (and the final <eos>) after the templated prompt
 *   s(A)     = mean cross-entropy of the same tokens after <bos> alone (the empty prompt)
 *   IFD      = s(A | Q) / s(A)
 *
 * Higher IFD = the instruction helps the model less = harder to follow; IFD > 1 means the instruction makes the
 * answer *less* likely (Li et al. treat such pairs as misaligned). Both losses cover exactly the same target tokens:
 * when the context length truncates a record, the response tokens kept in the prompted row are the ones scored
 * without the prompt too.
 *
 * Records go through in batches of a few fixed shapes: rows are sorted by length and each batch takes the shortest
 * of at most `lengthBuckets` (default 3) row lengths — the longest row rounded up to 8, then about a half and a
 * quarter of it — so short records do not pay for the longest one (attention costs T²), while a GPU still compiles
 * only a handful of programs, each once. `lengthBuckets: 1` gives one shape for the whole run. Padding sits at the
 * end of a row behind a causal mask, so it changes no value (tested). One synchronous tidy per batch, and one
 * GPU → CPU read per batch (both passes of a batch come back in one tensor). Progress after every batch; the
 * AbortSignal is checked before every batch and after every read.
 *
 * Raw values map to 1–5 by rank ({@link MODEL_SCORE_MAPPING}, {@link percentileScale}).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { InstructionRecord } from '../data/record';
import { rowLossSums } from '../eval/rowLoss';
import type { GptConfig } from '../model/config';
import type { GptParams } from '../model/gpt';
import { BatchBuilder, fitToContext, type PackedExample } from '../text/batches';
import { finalResponseOnly } from '../text/masks';
import { encodeRecord, type RecordFormat } from '../text/recordFormat';
import type { TokenizerLike } from '../text/tokenizerLike';
import {
  IFD_SCORER_DESCRIPTION,
  IFD_SCORER_ID,
  IFD_SCORER_NAME,
  RESPONSE_LOSS_SCORER_DESCRIPTION,
  RESPONSE_LOSS_SCORER_ID,
  RESPONSE_LOSS_SCORER_NAME,
} from './ifdEntry';
import type { Scorer, ScoreOptions, ScoreResult } from './scorer';
import { averageRanks } from './spearman';

export { MODEL_SCORE_MAPPING } from './ifdEntry';

/** A loaded model: what `loadCheckpoint` or `initGptParams` + a tokenizer give. */
export interface ScoringModel {
  config: GptConfig;
  params: GptParams;
  tokenizer: TokenizerLike;
}

export interface ModelScoreOptions extends ScoreOptions {
  /** The prompt template the model is (or will be) tuned with; default `'paper'`. */
  template?: RecordFormat;
  /** Rows per batch (default 16); lowered automatically so one batch's logits stay under ~128 MB. */
  batchSize?: number;
  /** How many row lengths (batch shapes) a run may use, 1–4; default 3. */
  lengthBuckets?: number;
}

export interface ResponseLosses {
  /** s(A | Q) per record; NaN where the record could not be scored. */
  conditional: Float64Array;
  /** s(A) per record (only when the unprompted pass ran). */
  unconditional?: Float64Array;
  /** s(A | Q) / s(A) (only with the unprompted pass). */
  ifd?: Float64Array;
  /** Target tokens scored per record (response + final <eos>, as kept by the context length). */
  tokens: Int32Array;
  /** Records the context length cut (their prompt, or their response's end). */
  truncated: number;
  problems: ScoreResult['problems'];
  /** The batch shapes used, [B, T], shortest first (each one compiled once on a GPU). */
  batchShapes: [number, number][];
  /** GPU → CPU reads made: one per batch. */
  readbacks: number;
}

export interface ModelScoreResult extends ScoreResult {
  /** The raw value behind each score (IFD, or s(A|Q) for response loss), before the rank mapping. */
  raw: Float64Array;
  details: ResponseLosses;
}

/** Logits of one batch are [B, T, V] floats; keep them below this many (2^25 floats = 128 MB). */
const MAX_LOGIT_FLOATS = 2 ** 25;
const ROW_MULTIPLE = 8;

interface Job {
  index: number;
  prompted: PackedExample;
  /** `<bos>` + exactly the response tokens the prompted row scores. */
  bare: PackedExample;
}

/**
 * s(A|Q) for every record, and s(A) and IFD too when `withoutPrompt`. The model is only read (no gradient, no
 * weight change).
 */
export async function measureResponseLosses(
  records: readonly Pick<InstructionRecord, 'id' | 'instruction' | 'input' | 'output' | 'history'>[],
  model: ScoringModel,
  options: ModelScoreOptions & { withoutPrompt: boolean },
): Promise<ResponseLosses> {
  const { config, tokenizer: tok } = model;
  const { signal, onProgress, withoutPrompt } = options;
  const template = options.template ?? 'paper';
  const ctx = config.contextLength;
  const n = records.length;
  const conditional = new Float64Array(n).fill(Number.NaN);
  const unconditional = withoutPrompt ? new Float64Array(n).fill(Number.NaN) : undefined;
  const tokens = new Int32Array(n);
  const problems: ScoreResult['problems'] = [];
  signal?.throwIfAborted();

  const jobs: Job[] = [];
  let truncated = 0;
  let longest = 2;
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    if (r.output.trim() === '') {
      problems.push({ index: i, id: r.id, message: 'the record has no response to score' });
      continue;
    }
    // s(A|Q) scores the final answer alone; a conversation's earlier answers are part of Q.
    const prompted = finalResponseOnly(fitToContext(encodeRecord(template, tok, r), ctx));
    if (prompted.truncation !== 'none') truncated++;
    const response = prompted.ids.subarray(prompted.promptLength);
    const bareIds = new Int32Array(response.length + 1);
    bareIds[0] = tok.bosId;
    bareIds.set(response, 1);
    const bare: PackedExample = { ids: bareIds, promptLength: 1, truncation: prompted.truncation, dropped: 0 };
    tokens[i] = response.length;
    longest = Math.max(longest, prompted.ids.length);
    jobs.push({ index: i, prompted, bare });
  }

  const roundUp = (t: number) => Math.min(ctx, Math.max(ROW_MULTIPLE, Math.ceil(t / ROW_MULTIPLE) * ROW_MULTIPLE));
  const longestT = roundUp(longest - 1);
  const buckets = Math.max(1, Math.min(4, Math.floor(options.lengthBuckets ?? 3)));
  const ladder = [...new Set(Array.from({ length: buckets }, (_, k) => roundUp(longestT / 2 ** k)))].sort(
    (a, b) => a - b,
  );
  const fit = Math.max(1, Math.floor(MAX_LOGIT_FLOATS / (longestT * config.vocabSize)));
  const B = Math.max(1, Math.min(options.batchSize ?? 16, fit));
  const builders = new Map<number, [BatchBuilder, BatchBuilder]>();
  const shapesUsed = new Set<number>();
  // Shortest first, so each batch holds rows of similar length (stable: ties keep dataset order).
  jobs.sort((a, b) => a.prompted.ids.length - b.prompted.ids.length);
  let readbacks = 0;
  let done = 0;

  for (let start = 0; start < jobs.length; start += B) {
    signal?.throwIfAborted();
    const chunk = jobs.slice(start, start + B);
    const need = chunk[chunk.length - 1]!.prompted.ids.length - 1;
    const T = ladder.find((t) => t >= need)!;
    shapesUsed.add(T);
    let pair = builders.get(T);
    if (pair === undefined) {
      pair = [new BatchBuilder(B, T, tok.padId), new BatchBuilder(B, T, tok.padId)];
      builders.set(T, pair);
    }
    const [promptedRows, bareRows] = pair;
    const sums = tf.tidy(() => {
      const p = promptedRows.build(chunk.map((j) => j.prompted));
      const parts = [rowLossSums(model, p, B, T)];
      if (withoutPrompt) {
        const b = bareRows.build(chunk.map((j) => j.bare));
        parts.push(rowLossSums(model, b, B, T));
      }
      return parts.length === 1 ? parts[0]! : tf.concat(parts);
    });
    let values: Float32Array;
    try {
      values = (await sums.data()) as Float32Array;
      readbacks++;
    } finally {
      sums.dispose();
    }
    signal?.throwIfAborted();
    chunk.forEach((job, r) => {
      const count = tokens[job.index]!;
      conditional[job.index] = values[r]! / count;
      if (unconditional !== undefined) unconditional[job.index] = values[B + r]! / count;
    });
    done += chunk.length;
    if (done < jobs.length) onProgress?.(done / jobs.length);
  }

  let ifd: Float64Array | undefined;
  if (unconditional !== undefined) {
    ifd = new Float64Array(n);
    for (let i = 0; i < n; i++) ifd[i] = conditional[i]! / unconditional[i]!;
  }
  for (let i = 0; i < n; i++) {
    const bad = !Number.isFinite(conditional[i]!) || (ifd !== undefined && !Number.isFinite(ifd[i]!));
    if (bad && tokens[i]! > 0) {
      problems.push({
        index: i,
        id: records[i]!.id,
        message: 'the model gave a non-finite loss for this record; left unscored',
      });
      conditional[i] = Number.NaN;
      if (ifd !== undefined) ifd[i] = Number.NaN;
    }
  }
  problems.sort((a, b) => a.index - b.index);
  onProgress?.(1);
  return {
    conditional,
    unconditional,
    ifd,
    tokens,
    truncated,
    problems,
    batchShapes: [...shapesUsed].sort((a, b) => a - b).map((t) => [B, t] as [number, number]),
    readbacks,
  };
}

/**
 * Raw values → 1–5 by rank: 1 + 4 · (rank − 1) / (n − 1) with average ranks for ties; NaN stays NaN; a single
 * value maps to 3. See {@link MODEL_SCORE_MAPPING} for why rank and not the raw size.
 */
export function percentileScale(values: ArrayLike<number>): Float64Array {
  const ranks = averageRanks(values);
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) n++;
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const r = ranks[i]!;
    out[i] = Number.isNaN(r) ? Number.NaN : n === 1 ? 3 : 1 + (4 * (r - 1)) / (n - 1);
  }
  return out;
}

/** IFD per record, ranked onto 1–5; `raw` holds the IFD values themselves. */
export async function scoreIfd(
  records: readonly InstructionRecord[],
  model: ScoringModel,
  options: ModelScoreOptions = {},
): Promise<ModelScoreResult> {
  const details = await measureResponseLosses(records, model, { ...options, withoutPrompt: true });
  const raw = details.ifd!;
  return { scores: percentileScale(raw), problems: details.problems, raw, details };
}

/** s(A|Q) per record, ranked onto 1–5; `raw` holds the mean losses (nats per token). */
export async function scoreResponseLoss(
  records: readonly InstructionRecord[],
  model: ScoringModel,
  options: ModelScoreOptions = {},
): Promise<ModelScoreResult> {
  const details = await measureResponseLosses(records, model, { ...options, withoutPrompt: false });
  const raw = details.conditional;
  return { scores: percentileScale(raw), problems: details.problems, raw, details };
}

/** IFD as a {@link Scorer} on a loaded model (the model is read, never changed or disposed). */
export function createIfdScorer(
  model: ScoringModel,
  defaults: Omit<ModelScoreOptions, 'signal' | 'onProgress'> = {},
): Scorer {
  return {
    id: IFD_SCORER_ID,
    name: IFD_SCORER_NAME,
    description: IFD_SCORER_DESCRIPTION,
    score: (records, options) => scoreIfd(records, model, { ...defaults, ...options }),
  };
}

/** Response loss as a {@link Scorer} on a loaded model. */
export function createResponseLossScorer(
  model: ScoringModel,
  defaults: Omit<ModelScoreOptions, 'signal' | 'onProgress'> = {},
): Scorer {
  return {
    id: RESPONSE_LOSS_SCORER_ID,
    name: RESPONSE_LOSS_SCORER_NAME,
    description: RESPONSE_LOSS_SCORER_DESCRIPTION,
    score: (records, options) => scoreResponseLoss(records, model, { ...defaults, ...options }),
  };
}
