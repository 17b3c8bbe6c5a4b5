/**
 * Judge replies, cached so that a reload or a second run never pays for the same question twice.
 *
 * The key is a hash of everything that decides the answer: the record's instruction, input and output, the prompt
 * (system message, user template, field clip length), the model and the endpoint URL. The value is the judge's raw
 * reply, not the parsed score: a reply is parsed again on every read, so a better parser improves old runs, and an
 * unparseable reply is listed again (for free) rather than asked again.
 *
 * Only replies are cached; failed requests (timeouts, 5xx after retries) are not, so a later run asks again.
 * The core keeps an in-memory cache; the page backs {@link JudgeCache} with IndexedDB (one object store, the key
 * as its key), which makes a run resumable after a reload: records with a cached reply are skipped.
 */
import type { InstructionRecord } from '../../data/record';
import { cyrb53 } from '../../util/hash';
import { chatCompletionsUrl, DEFAULT_MAX_TOKENS, DEFAULT_TEMPERATURE, type ChatUsage } from './client';
import type { JudgePrompt } from './prompt';

/** Bumped when the key's recipe changes, so old entries are never read under a new meaning. */
// 2: temperature and max_tokens are part of the key (a reply at temperature 1 is not the reply at 0).
export const JUDGE_CACHE_VERSION = 2;

export interface CachedJudgement {
  /** The judge's reply as received. */
  reply: string;
  model: string;
  /** When it was received (ms since the epoch). */
  at: number;
  /** What the request cost, when the server said. */
  usage?: ChatUsage;
}

/** Storage for judge replies. Both methods may be synchronous or return a promise (IndexedDB). */
export interface JudgeCache {
  get(key: string): Promise<CachedJudgement | undefined> | CachedJudgement | undefined;
  set(key: string, value: CachedJudgement): Promise<void> | void;
}

/** A Map-backed cache for tests, Node and a page that does not persist. */
export class MemoryJudgeCache implements JudgeCache {
  private readonly map = new Map<string, CachedJudgement>();

  get(key: string): CachedJudgement | undefined {
    return this.map.get(key);
  }

  set(key: string, value: CachedJudgement): void {
    this.map.set(key, value);
  }

  get size(): number {
    return this.map.size;
  }

  clear(): void {
    this.map.clear();
  }
}

export interface JudgeKeyParts {
  baseUrl: string;
  model: string;
  prompt: JudgePrompt;
  /** As in the judge settings: undefined = the client's default, null = left to the server. */
  temperature?: number | null;
  maxTokens?: number | null;
}

/**
 * The cache key of one record under one judge set-up: `judge1-` + 28 hex digits (two independent 53-bit cyrb53
 * hashes of the same canonical JSON). Not a cryptographic hash — it only has to be stable and, in practice,
 * collision-free (about 2^-100 for a pair). The API key is not part of it: the same question to the same model
 * gets the same answer whoever pays.
 */
export function judgeCacheKey(
  record: Pick<InstructionRecord, 'instruction' | 'input' | 'output'>,
  parts: JudgeKeyParts,
): string {
  return judgeKeyFor(judgeKeyPrefix(parts), record);
}

/** The part of the key shared by every record of a run, computed once. */
export function judgeKeyPrefix(parts: JudgeKeyParts): string {
  const p = parts.prompt;
  const temperature = parts.temperature === undefined ? DEFAULT_TEMPERATURE : parts.temperature;
  const maxTokens = parts.maxTokens === undefined ? DEFAULT_MAX_TOKENS : parts.maxTokens;
  return JSON.stringify([
    JUDGE_CACHE_VERSION,
    chatCompletionsUrl(parts.baseUrl),
    parts.model.trim(),
    p.system,
    p.user,
    p.maxFieldChars,
    temperature,
    maxTokens,
  ]);
}

export function judgeKeyFor(
  prefix: string,
  record: Pick<InstructionRecord, 'instruction' | 'input' | 'output'>,
): string {
  const text = `${prefix}\u0000${JSON.stringify([record.instruction, record.input, record.output])}`;
  const a = cyrb53(text, 0x9e3779b1).toString(16).padStart(14, '0');
  const b = cyrb53(text, 0x85ebca77).toString(16).padStart(14, '0');
  return `judge${JUDGE_CACHE_VERSION}-${a}${b}`;
}
