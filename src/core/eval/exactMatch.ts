/**
 * Exact match on held-out records, per difficulty bucket (the demo's level): the model is given the prompt under the
 * training template, generates greedily, and its answer — the text generated after "Assistant: " up to `<eos>` — is
 * compared with the record's output, character for character; a second, laxer variant compares after collapsing
 * every run of whitespace to one space and trimming both ends.
 *
 * Generation is capped per record at the expected answer's length + `slack` tokens: an answer that has not ended by
 * then cannot equal the expected output (strictly), so generating further would only cost time. Under whitespace
 * normalisation such a cut-off answer is compared as it stands.
 */
import type { InstructionRecord } from '../data/record';
import type { Tokenizer } from '../tokenizer/tokenizer';
import { recordPrompt, stopIds, type FormatTokenizer, type RecordFormat } from '../text/recordFormat';
import type { GenerationPrompt } from '../text/template';
import { greedyGenerate, type GenerationModel, type StopReason } from './generate';

export interface BucketExactMatch {
  bucket: string;
  n: number;
  correct: number;
  /** correct / n (NaN when n = 0). */
  rate: number;
  /** Correct after whitespace normalisation (≥ correct). */
  correctNormalized: number;
  rateNormalized: number;
}

export interface ExactMatchReport {
  /** Buckets in numeric-aware order ("1", "2", …, "10"). */
  buckets: BucketExactMatch[];
  overall: BucketExactMatch;
}

export interface ScoredAnswer {
  bucket: string;
  expected: string;
  answer: string;
}

/** Every run of whitespace becomes one space; leading and trailing whitespace go. */
export function normalizeWhitespace(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/**
 * The answer inside a whole rendered completion: the text after the last "Assistant: " (or the whole text when there
 * is none) up to the first "<eos>" (or the end).
 */
export function answerFromCompletion(text: string, marker = 'Assistant: '): string {
  const at = text.lastIndexOf(marker);
  const after = at < 0 ? text : text.slice(at + marker.length);
  const end = after.indexOf('<eos>');
  return end < 0 ? after : after.slice(0, end);
}

function bucketOrder(a: string, b: string): number {
  return a.localeCompare(b, undefined, { numeric: true });
}

function tally(bucket: string, items: readonly ScoredAnswer[]): BucketExactMatch {
  let correct = 0;
  let correctNormalized = 0;
  for (const it of items) {
    if (it.answer === it.expected) correct++;
    if (normalizeWhitespace(it.answer) === normalizeWhitespace(it.expected)) correctNormalized++;
  }
  const n = items.length;
  return {
    bucket,
    n,
    correct,
    rate: n > 0 ? correct / n : NaN,
    correctNormalized,
    rateNormalized: n > 0 ? correctNormalized / n : NaN,
  };
}

/** Exact match per bucket and overall, strict and whitespace-normalised. */
export function scoreExactMatch(items: readonly ScoredAnswer[]): ExactMatchReport {
  const byBucket = new Map<string, ScoredAnswer[]>();
  for (const it of items) {
    const list = byBucket.get(it.bucket) ?? [];
    list.push(it);
    byBucket.set(it.bucket, list);
  }
  const buckets = [...byBucket.keys()].sort(bucketOrder).map((b) => tally(b, byBucket.get(b)!));
  return { buckets, overall: tally('all', items) };
}

export interface AnswerOptions {
  /** The run's template (default the studio's `paper`): the prompt, the stop tokens and the answer's start. */
  template?: RecordFormat;
  /** Extra tokens allowed beyond the expected answer's length (default 4; the `<eos>` itself needs one). */
  slack?: number;
  /** Fixed cap for every record instead of expected length + slack (e.g. for sample viewers). */
  maxNewTokens?: number;
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface Answer {
  id: string;
  answer: string;
  stop: StopReason;
  /** Prompt tokens cut because the prompt did not fit the model's context. */
  promptTruncated: number;
}

/** Greedy answers to `records` under the template, in order. */
export async function generateAnswers(
  model: GenerationModel,
  tokenizer: Tokenizer,
  records: readonly Pick<InstructionRecord, 'id' | 'instruction' | 'input' | 'output' | 'history'>[],
  options: AnswerOptions = {},
): Promise<Answer[]> {
  const template = options.template ?? 'paper';
  const slack = options.slack ?? 4;
  const prompts = records.map((r) => recordPrompt(template, tokenizer, r));
  // The answer's own tokens and the slack, after whatever the template writes before every answer.
  const prefixTokens = (p: GenerationPrompt) => {
    if (!p.answerPrefix) return 0;
    const withSpecials = (tokenizer as FormatTokenizer).encodeWithSpecialTokens;
    return (withSpecials ? withSpecials.call(tokenizer, p.answerPrefix) : tokenizer.encode(p.answerPrefix)).length;
  };
  const caps = records.map(
    (r, i) => options.maxNewTokens ?? tokenizer.encode(r.output).length + slack + prefixTokens(prompts[i]!),
  );
  const gens = await greedyGenerate(
    model,
    prompts.map((p) => p.ids),
    {
      maxNewTokens: caps,
      eosId: tokenizer.eosId,
      stopIds: stopIds(template, tokenizer),
      batchSize: options.batchSize,
      onProgress: options.onProgress,
    },
  );
  // The answer starts after the prompt's text: a prompt end the model generates again (GPT-2's space before the
  // first word) is not part of it, nor what a chat template writes before every answer (Qwen3's empty thinking).
  const answer = (ids: number[], prompt: GenerationPrompt) => {
    const text = tokenizer.decode(ids);
    const held = prompt.heldBack.length > 0 ? tokenizer.decode(prompt.heldBack) : '';
    const after = held && text.startsWith(held) ? text.slice(held.length) : text;
    const prefix = prompt.answerPrefix;
    return prefix && after.startsWith(prefix) ? after.slice(prefix.length) : after;
  };
  return gens.map((g, i) => ({
    id: records[i]!.id,
    answer: answer(g.ids, prompts[i]!),
    stop: g.stop,
    promptTruncated: g.promptTruncated,
  }));
}

export interface ExactMatchResult {
  report: ExactMatchReport;
  /** Per record: what it expected and what came out. */
  items: (ScoredAnswer & Answer)[];
}

/** Generates for every record and scores exact match per bucket. */
export async function evaluateExactMatch(
  model: GenerationModel,
  tokenizer: Tokenizer,
  records: readonly { record: InstructionRecord; bucket: string }[],
  options: AnswerOptions = {},
): Promise<ExactMatchResult> {
  const answers = await generateAnswers(
    model,
    tokenizer,
    records.map((r) => r.record),
    options,
  );
  const items = answers.map((a, i) => ({ ...a, bucket: records[i]!.bucket, expected: records[i]!.record.output }));
  return { report: scoreExactMatch(items), items };
}
