/**
 * The judge form's state, kept apart from React so it can be tested: what the form holds, how it becomes the core's
 * `JudgeSettings`, what survives a reload (never the API key unless the user asks), and the sentences the panel
 * shows (destination, estimate). No DOM here: storage is passed in.
 */
import {
  chatCompletionsUrl,
  DEFAULT_CONCURRENCY,
  DEFAULT_JUDGE_PROMPT,
  judgeKeyFor,
  judgeKeyPrefix,
  JUDGE_SCORER_ID,
  type JudgeEstimate,
  type JudgePrompt,
  type JudgeRunResult,
  type JudgeSettings,
} from '../core/difficulty/judge';
import type { InstructionRecord } from '../core/data/record';
import type { ScoreSet } from '../core/data/scoreSet';

export interface JudgeForm {
  baseUrl: string;
  model: string;
  /** In memory; written to storage only when `rememberKey`. */
  apiKey: string;
  rememberKey: boolean;
  concurrency: number;
  prompt: JudgePrompt;
}

export const DEFAULT_JUDGE_FORM: JudgeForm = {
  baseUrl: 'http://localhost:8080/v1',
  model: '',
  apiKey: '',
  rememberKey: false,
  concurrency: DEFAULT_CONCURRENCY,
  prompt: { ...DEFAULT_JUDGE_PROMPT },
};

/** localStorage keys. The form (no key) and, only when asked, the key on its own. */
export const FORM_STORAGE_KEY = 'phased-ift.judge.form';
export const API_KEY_STORAGE_KEY = 'phased-ift.judge.apiKey';
/** Set while a run is going, cleared when it ends: still there after a reload = the run was interrupted. */
export const RUN_MARKER_STORAGE_KEY = 'phased-ift.judge.running';

export const REMEMBER_KEY_WARNING =
  'The key will be stored unencrypted in this browser (localStorage): anyone using this browser profile, and any script running on this page, can read it. It is still never put into exports, configuration links or URLs.';

type StorageLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export function formToSettings(form: JudgeForm): JudgeSettings {
  const key = form.apiKey.trim();
  return {
    baseUrl: form.baseUrl.trim(),
    model: form.model.trim(),
    ...(key !== '' ? { apiKey: key } : {}),
    prompt: form.prompt,
    concurrency: form.concurrency,
  };
}

/** Saves the form; the key goes to storage only when the user ticked "remember", and is removed otherwise. */
export function saveJudgeForm(storage: StorageLike, form: JudgeForm): void {
  const { apiKey, ...rest } = form;
  storage.setItem(FORM_STORAGE_KEY, JSON.stringify(rest));
  if (form.rememberKey && apiKey !== '') storage.setItem(API_KEY_STORAGE_KEY, apiKey);
  else storage.removeItem(API_KEY_STORAGE_KEY);
}

const isString = (v: unknown): v is string => typeof v === 'string';

/** The saved form, each field checked; anything missing or malformed falls back to the default. */
export function loadJudgeForm(storage: StorageLike): JudgeForm {
  const form: JudgeForm = { ...DEFAULT_JUDGE_FORM, prompt: { ...DEFAULT_JUDGE_FORM.prompt } };
  let saved: Record<string, unknown> = {};
  try {
    const text = storage.getItem(FORM_STORAGE_KEY);
    const parsed: unknown = text === null ? {} : JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object') saved = parsed as Record<string, unknown>;
  } catch {
    saved = {};
  }
  if (isString(saved.baseUrl)) form.baseUrl = saved.baseUrl;
  if (isString(saved.model)) form.model = saved.model;
  if (typeof saved.concurrency === 'number' && Number.isFinite(saved.concurrency)) form.concurrency = saved.concurrency;
  const p = saved.prompt as Partial<JudgePrompt> | undefined;
  if (p && isString(p.system) && isString(p.user) && typeof p.maxFieldChars === 'number') {
    form.prompt = { system: p.system, user: p.user, maxFieldChars: p.maxFieldChars };
  }
  const key = storage.getItem(API_KEY_STORAGE_KEY);
  if (key !== null && key !== '') {
    form.apiKey = key;
    form.rememberKey = true;
  }
  return form;
}

export function promptIsDefault(prompt: JudgePrompt): boolean {
  return (
    prompt.system === DEFAULT_JUDGE_PROMPT.system &&
    prompt.user === DEFAULT_JUDGE_PROMPT.user &&
    prompt.maxFieldChars === DEFAULT_JUDGE_PROMPT.maxFieldChars
  );
}

/** "host:port" of the endpoint, or undefined when the URL is not usable. */
export function endpointHost(baseUrl: string): string | undefined {
  try {
    return new URL(chatCompletionsUrl(baseUrl)).host;
  } catch {
    return undefined;
  }
}

/** The line shown next to Start: how many records go where. */
export function destinationSummary(records: number, requests: number, baseUrl: string): string {
  const host = endpointHost(baseUrl) ?? '(no valid endpoint yet)';
  const n = `${formatCount(records)} record${records === 1 ? '' : 's'}`;
  if (requests === records) return `${n} will be sent to ${host}.`;
  if (requests === 0) return `All ${n} are already answered (cached): nothing will be sent to ${host}.`;
  return `${formatCount(requests)} of ${n} will be sent to ${host} (the other ${formatCount(records - requests)} are cached and are not sent again).`;
}

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** 1.2 K, 3.4 M: token counts at a glance. */
export function formatTokens(n: number): string {
  if (n < 1000) return String(Math.round(n));
  if (n < 1e6) return `${(n / 1e3).toFixed(n < 1e4 ? 1 : 0)} K`;
  return `${(n / 1e6).toFixed(n < 1e7 ? 2 : 1)} M`;
}

/** 45 s, 3 min 20 s, 2 h 5 min. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) {
    const m = Math.floor(s / 60);
    const r = s % 60;
    return r === 0 ? `${m} min` : `${m} min ${r} s`;
  }
  const h = Math.floor(s / 3600);
  const m = Math.round((s % 3600) / 60);
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** The estimate in one sentence. */
export function estimateSummary(e: JudgeEstimate): string {
  if (e.requests === 0) return `${formatCount(e.records)} records, all cached: no request, no tokens, no cost.`;
  const cached = e.cached > 0 ? ` (${formatCount(e.cached)} cached, skipped)` : '';
  const cost = e.cost !== undefined ? `, ≈ ${e.cost.toFixed(2)} in cost` : '';
  return (
    `${formatCount(e.requests)} request${e.requests === 1 ? '' : 's'}${cached}, ≈ ${formatTokens(e.totalTokens)} tokens ` +
    `(${formatTokens(e.promptTokens)} prompt + ${formatTokens(e.completionTokens)} completion)${cost}, ≈ ${formatDuration(e.seconds)} at ${e.concurrency} in parallel.`
  );
}

/** Cache keys of every record under these settings, in record order (what the IndexedDB cache is asked about). */
export function judgeCacheKeys(
  records: readonly Pick<InstructionRecord, 'instruction' | 'input' | 'output'>[],
  settings: JudgeSettings,
): string[] {
  const prefix = judgeKeyPrefix({
    baseUrl: settings.baseUrl,
    model: settings.model,
    prompt: settings.prompt ?? DEFAULT_JUDGE_PROMPT,
    temperature: settings.temperature,
    maxTokens: settings.maxTokens,
  });
  return records.map((r) => judgeKeyFor(prefix, r));
}

/** A finished judge run as the dataset's score set: NaN for unscored records, each problem kept with its reason. */
export function judgeScoreSet(result: Pick<JudgeRunResult, 'scores' | 'problems'>): ScoreSet {
  return {
    scorerId: JUDGE_SCORER_ID,
    scores: result.scores,
    problems: result.problems.map((p) => ({ index: p.index, id: p.id, message: p.message })),
  };
}

/** Records with a score (not NaN). */
export function scoredCount(scores: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < scores.length; i++) if (!Number.isNaN(scores[i]!)) n++;
  return n;
}
