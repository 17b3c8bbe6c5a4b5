/**
 * The LLM-judge scorer: every record goes to a chat-completions endpoint with our prompt, and the reply is read as a
 * 1–5 score, as the paper did with GPT-4.
 *
 * - Cached replies are used first (resumable; a second run makes no request). New replies are cached as they come.
 * - A reply that cannot be read as a score leaves the record NaN and is listed with the reply and why.
 * - A request that fails after its retries leaves the record NaN and is listed; it is not cached, so a later run
 *   asks again. `maxConsecutiveFailures` failed records in a row stop the run (the endpoint is down or refusing),
 *   and so does a fatal answer (401/403: the key; 404: URL or model) — with what is cached kept.
 * - Cancel with the AbortSignal: in-flight requests are aborted and the promise rejects with the signal's reason.
 *
 * The API key lives only in the settings object the caller holds and in the request header. It is in no returned
 * object, progress event, problem or error message; {@link publicJudgeSettings} is what may be saved or exported.
 */
import type { InstructionRecord } from '../../data/record';
import type { Scorer, ScoreOptions, ScoreResult } from '../scorer';
import { judgeKeyFor, judgeKeyPrefix, type CachedJudgement, type JudgeCache } from './cache';
import {
  addUsage,
  ChatClient,
  ChatRequestError,
  DEFAULT_RETRY,
  DEFAULT_TIMEOUT_MS,
  displayUrl,
  emptyUsage,
  runPool,
  chatCompletionsUrl,
  type ChatUsage,
  type RetryPolicy,
  type Transport,
} from './client';
import { parseJudgeReply, replyExcerpt } from './parseReply';
import { DEFAULT_JUDGE_PROMPT, judgePromptProblems, renderJudgeMessages, type JudgePrompt } from './prompt';

export const JUDGE_SCORER_ID = 'judge';
export const JUDGE_SCORER_NAME = 'LLM judge';
export const JUDGE_SCORER_DESCRIPTION =
  'A language model you choose rates each record 1–5, as the paper did with GPT-4: how hard the instruction is and how hard it is to produce the expected output. As good as the model; replies that are not a clear score stay unscored and are listed.';

export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_MAX_CONSECUTIVE_FAILURES = 8;

export interface JudgeSettings {
  /** e.g. https://api.openai.com/v1, http://localhost:8080/v1 (llama.cpp), http://localhost:11434/v1 (Ollama). */
  baseUrl: string;
  model: string;
  /** Optional: local servers need none. Kept in memory only by the core. */
  apiKey?: string;
  /** Default {@link DEFAULT_JUDGE_PROMPT}. */
  prompt?: JudgePrompt;
  /** Requests in flight at once; default 4. */
  concurrency?: number;
  /** Per-attempt timeout; default 60 s. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Default 0; null to leave it out of the request. */
  temperature?: number | null;
  /** Default 16; null to leave it out (reasoning models that reject max_tokens). */
  maxTokens?: number | null;
  /** Failed records in a row that stop the run; default 8. */
  maxConsecutiveFailures?: number;
}

/** Settings as they may be shown, saved and exported: the key replaced by whether there is one. */
export type PublicJudgeSettings = Omit<JudgeSettings, 'apiKey'> & { hasApiKey: boolean };

export function publicJudgeSettings(settings: JudgeSettings): PublicJudgeSettings {
  const { apiKey, ...rest } = settings;
  return {
    ...rest,
    baseUrl: displayUrl(safeUrl(rest.baseUrl)),
    hasApiKey: apiKey !== undefined && apiKey.trim() !== '',
  };
}

function safeUrl(baseUrl: string): string {
  try {
    return chatCompletionsUrl(baseUrl).replace(/\/chat\/completions$/, '');
  } catch {
    return baseUrl;
  }
}

/** Every problem with the settings, as sentences; [] when a run can start. */
export function judgeSettingsProblems(settings: JudgeSettings): string[] {
  const problems: string[] = [];
  try {
    chatCompletionsUrl(settings.baseUrl);
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (typeof settings.model !== 'string' || settings.model.trim() === '')
    problems.push('Give the model name the endpoint serves.');
  const c = settings.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(c) || c < 1 || c > 64)
    problems.push(`Concurrency must be a whole number from 1 to 64, got ${c}.`);
  const t = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(t > 0)) problems.push(`The timeout must be positive, got ${t} ms.`);
  problems.push(...judgePromptProblems(settings.prompt ?? DEFAULT_JUDGE_PROMPT));
  return problems;
}

/** Where the data goes, in words, for the UI to show before anything is sent. */
export function judgeDestination(settings: Pick<JudgeSettings, 'baseUrl' | 'model'>): string {
  const url = displayUrl(chatCompletionsUrl(settings.baseUrl));
  return `Each record's instruction, input and output will be sent to ${url} (model "${settings.model.trim()}"), and nowhere else.`;
}

export interface JudgeProblem {
  index: number;
  id: string;
  message: string;
  kind: 'unparseable' | 'request-failed';
  /** The reply, for unparseable ones. */
  reply?: string;
}

export interface JudgeProgress {
  total: number;
  /** Records finished (scored, unparseable or failed), cached ones included. */
  done: number;
  fromCache: number;
  /** Replies received over the network in this run. */
  requested: number;
  unparseable: number;
  failed: number;
  /** Retries made so far (each one a repeated request). */
  retries: number;
  /** Tokens spent in this run (from the replies' `usage`). */
  usage: ChatUsage;
  elapsedMs: number;
}

export interface JudgeRunResult extends ScoreResult {
  problems: JudgeProblem[];
  /** The reply behind each score (cached or new); null where no reply came. */
  replies: (string | null)[];
  /** The final progress counts. */
  stats: JudgeProgress;
}

export interface JudgeRunOptions extends ScoreOptions {
  cache?: JudgeCache;
  /** Rich progress for the UI (also drives `onProgress`). */
  onJudgeProgress?: (p: JudgeProgress) => void;
  /** Each record as it is decided, for live tables: score NaN with the problem when it has none. */
  onRecord?: (index: number, score: number, problem?: JudgeProblem) => void;
  /** Test seam: fetch, sleep, random, clock. */
  transport?: Partial<Transport>;
}

export class JudgeRunError extends Error {
  constructor(
    message: string,
    /** What had been decided before the run stopped (cached replies stay cached). */
    readonly partial: JudgeProgress,
  ) {
    super(message);
    this.name = 'JudgeRunError';
  }
}

/** Scores records with the judge. See the module comment for what happens to failures. */
export async function runJudge(
  records: readonly InstructionRecord[],
  settings: JudgeSettings,
  options: JudgeRunOptions = {},
): Promise<JudgeRunResult> {
  const problemsInSettings = judgeSettingsProblems(settings);
  if (problemsInSettings.length > 0)
    throw new JudgeRunError(`The judge cannot start: ${problemsInSettings.join(' ')}`, emptyProgress(records.length));
  const prompt = settings.prompt ?? DEFAULT_JUDGE_PROMPT;
  const client = new ChatClient(
    { baseUrl: settings.baseUrl, model: settings.model, apiKey: settings.apiKey },
    {
      timeoutMs: settings.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      retry: { ...DEFAULT_RETRY, ...settings.retry },
      temperature: settings.temperature,
      maxTokens: settings.maxTokens,
      transport: options.transport,
    },
  );
  const now = options.transport?.now ?? (() => Date.now());
  const started = now();
  const cache = options.cache;
  const prefix = judgeKeyPrefix({
    baseUrl: settings.baseUrl,
    model: settings.model,
    prompt,
    temperature: settings.temperature,
    maxTokens: settings.maxTokens,
  });
  const maxFailures = settings.maxConsecutiveFailures ?? DEFAULT_MAX_CONSECUTIVE_FAILURES;

  const n = records.length;
  const scores = new Float64Array(n).fill(Number.NaN);
  const replies: (string | null)[] = new Array<string | null>(n).fill(null);
  const problems: JudgeProblem[] = [];
  const stats = emptyProgress(n);
  const usage: ChatUsage = stats.usage;
  // Identical records in one run share one request.
  const inFlight = new Map<string, Promise<CachedJudgement>>();
  let failuresInRow = 0;

  const report = () => {
    stats.elapsedMs = now() - started;
    options.onJudgeProgress?.({ ...stats, usage: { ...usage } });
    options.onProgress?.(n === 0 ? 1 : stats.done / n);
  };

  const decide = (i: number, reply: string) => {
    replies[i] = reply;
    const parsed = parseJudgeReply(reply);
    if (parsed.ok) {
      scores[i] = parsed.score;
      options.onRecord?.(i, parsed.score);
    } else {
      stats.unparseable++;
      const problem: JudgeProblem = {
        index: i,
        id: records[i]!.id,
        kind: 'unparseable',
        reply,
        message: `the judge replied "${replyExcerpt(reply)}": ${parsed.reason}`,
      };
      problems.push(problem);
      options.onRecord?.(i, Number.NaN, problem);
    }
  };

  const ask = async (key: string, record: InstructionRecord, signal: AbortSignal): Promise<CachedJudgement> => {
    const reply = await client.complete(renderJudgeMessages(prompt, record), signal, () => {
      stats.retries++;
    });
    stats.requested++;
    addUsage(usage, reply.usage);
    const value: CachedJudgement = {
      reply: reply.content,
      model: client.model,
      at: now(),
      ...(reply.usage ? { usage: reply.usage } : {}),
    };
    try {
      await cache?.set(key, value);
    } catch {
      // A full or broken cache costs resumability, not the score.
    }
    return value;
  };

  const task = async (i: number, signal: AbortSignal) => {
    const record = records[i]!;
    const key = judgeKeyFor(prefix, record);
    let cached: CachedJudgement | undefined;
    try {
      cached = await cache?.get(key);
    } catch {
      cached = undefined;
    }
    if (cached !== undefined && typeof cached.reply === 'string') {
      stats.fromCache++;
      decide(i, cached.reply);
    } else {
      let pending = inFlight.get(key);
      if (pending === undefined) {
        pending = ask(key, record, signal);
        inFlight.set(key, pending);
      }
      try {
        const value = await pending;
        failuresInRow = 0;
        decide(i, value.reply);
      } catch (error) {
        if (!(error instanceof ChatRequestError)) throw error;
        if (error.fatal)
          throw new JudgeRunError(`The judge stopped at record "${record.id}": ${error.message}.`, {
            ...stats,
            usage: { ...usage },
          });
        stats.failed++;
        const problem: JudgeProblem = {
          index: i,
          id: record.id,
          kind: 'request-failed',
          message: `no score: ${error.message}`,
        };
        problems.push(problem);
        options.onRecord?.(i, Number.NaN, problem);
        if (++failuresInRow >= maxFailures) {
          throw new JudgeRunError(
            `The judge stopped after ${failuresInRow} records in a row failed; the last: ${error.message}. Replies received so far are cached; run again to resume.`,
            { ...stats, usage: { ...usage } },
          );
        }
      } finally {
        inFlight.delete(key);
      }
    }
    stats.done++;
    report();
  };

  await runPool(n, settings.concurrency ?? DEFAULT_CONCURRENCY, task, options.signal);
  problems.sort((a, b) => a.index - b.index);
  report();
  return { scores, problems, replies, stats: { ...stats, usage: { ...usage } } };
}

function emptyProgress(total: number): JudgeProgress {
  return {
    total,
    done: 0,
    fromCache: 0,
    requested: 0,
    unparseable: 0,
    failed: 0,
    retries: 0,
    usage: emptyUsage(),
    elapsedMs: 0,
  };
}

/**
 * The judge as a {@link Scorer}. The settings (and the key in them) stay in this closure; the returned object has
 * only `id`, `name`, `description` and `score`.
 */
export function createJudgeScorer(
  settings: JudgeSettings,
  runOptions: Omit<JudgeRunOptions, 'signal' | 'onProgress'> = {},
): Scorer {
  const frozen: JudgeSettings = { ...settings };
  return {
    id: JUDGE_SCORER_ID,
    name: JUDGE_SCORER_NAME,
    description: JUDGE_SCORER_DESCRIPTION,
    score: (records, options) => runJudge(records, frozen, { ...runOptions, ...options }),
  };
}
