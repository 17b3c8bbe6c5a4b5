/**
 * What a judge run will cost before it starts: requests, tokens and time, so the UI can say "3 000 requests,
 * ≈ 1.2 M prompt tokens, ≈ 25 min at 4 in parallel" and let the user decide.
 *
 * Tokens are estimated, not counted: ≈ characters / 4 (the usual average for English under GPT-style BPE; code
 * and non-Latin scripts take more tokens per character) plus a few tokens of chat framing per message. Time is
 * ⌈requests / concurrency⌉ × seconds per request — retries, rate limits and slow starts come on top. Records whose
 * reply is already cached cost nothing and are left out.
 */
import type { InstructionRecord } from '../../data/record';
import type { JudgeCache } from './cache';
import { judgeKeyFor, judgeKeyPrefix, type JudgeKeyParts } from './cache';
import { renderJudgeMessages, type JudgePrompt } from './prompt';

/** Characters per token assumed by the estimate. */
export const CHARS_PER_TOKEN = 4;
/** Chat framing per message (role, separators), as OpenAI documents for its chat format. */
export const TOKENS_PER_MESSAGE = 4;

export interface EstimateOptions {
  concurrency: number;
  /** Typical latency of one request; default 2 s (a hosted model). Pass a measured value once a few came back. */
  secondsPerRequest?: number;
  /** Completion tokens per request; default 8 (a score is one to a few tokens; max_tokens caps it anyway). */
  completionTokensPerRequest?: number;
  /** Records already answered (e.g. from {@link findCached}): 1 = cached, skipped. */
  cached?: ArrayLike<number | boolean>;
  /** Prices in any currency per million tokens, to give a cost; omit when unknown or free (a local server). */
  pricePerMillionTokens?: { prompt: number; completion: number };
}

export interface JudgeEstimate {
  records: number;
  cached: number;
  /** Requests still to make. */
  requests: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  seconds: number;
  concurrency: number;
  /** Present when prices were given. */
  cost?: number;
  /** The assumptions, in words, for the UI to show next to the numbers. */
  assumptions: string[];
}

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/** Requests, tokens and time for judging `records` with `prompt`. */
export function estimateJudgeRun(
  records: readonly Pick<InstructionRecord, 'instruction' | 'input' | 'output'>[],
  prompt: JudgePrompt,
  options: EstimateOptions,
): JudgeEstimate {
  const { concurrency } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  const secondsPerRequest = options.secondsPerRequest ?? 2;
  const completionPer = options.completionTokensPerRequest ?? 8;
  let cached = 0;
  let requests = 0;
  let promptTokens = 0;
  for (let i = 0; i < records.length; i++) {
    if (options.cached !== undefined && options.cached[i]) {
      cached++;
      continue;
    }
    requests++;
    for (const m of renderJudgeMessages(prompt, records[i]!))
      promptTokens += estimateTokens(m.content) + TOKENS_PER_MESSAGE;
  }
  const completionTokens = requests * completionPer;
  const seconds = Math.ceil(requests / concurrency) * secondsPerRequest;
  const assumptions = [
    `prompt tokens ≈ characters / ${CHARS_PER_TOKEN} + ${TOKENS_PER_MESSAGE} per message (English text; code and other scripts take more)`,
    `${completionPer} completion tokens per reply`,
    `${secondsPerRequest} s per request, ${concurrency} at a time; retries and rate limits come on top`,
  ];
  if (cached > 0) assumptions.push(`${cached} record${cached === 1 ? '' : 's'} already answered (cached) cost nothing`);
  const estimate: JudgeEstimate = {
    records: records.length,
    cached,
    requests,
    promptTokens,
    completionTokens,
    totalTokens: promptTokens + completionTokens,
    seconds,
    concurrency,
    assumptions,
  };
  const price = options.pricePerMillionTokens;
  if (price !== undefined) {
    estimate.cost = (promptTokens * price.prompt + completionTokens * price.completion) / 1e6;
    assumptions.push(`prices per million tokens: ${price.prompt} prompt, ${price.completion} completion`);
  }
  return estimate;
}

/** Which records already have a cached reply under this set-up (1 = cached), for the estimate and for resuming. */
export async function findCached(
  records: readonly Pick<InstructionRecord, 'instruction' | 'input' | 'output'>[],
  parts: JudgeKeyParts,
  cache: JudgeCache,
): Promise<Uint8Array> {
  const prefix = judgeKeyPrefix(parts);
  const out = new Uint8Array(records.length);
  for (let i = 0; i < records.length; i++) {
    try {
      if ((await cache.get(judgeKeyFor(prefix, records[i]!))) !== undefined) out[i] = 1;
    } catch {
      // an unreadable entry counts as not cached: the run will ask again
    }
  }
  return out;
}
