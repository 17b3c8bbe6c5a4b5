/**
 * A small OpenAI-compatible chat-completions client over `fetch`: OpenAI itself, or a local llama.cpp, vLLM or
 * Ollama server. Only `fetch`, `AbortController` and `setTimeout`, so it runs in the page, a worker and Node.
 *
 * - One request = one POST to `{baseUrl}/chat/completions`; `Authorization: Bearer …` only when a key is given.
 * - Each attempt has its own timeout (an AbortController); the caller's AbortSignal cancels everything at once.
 * - 429, 5xx, 408, network errors and timeouts are retried with exponential backoff and jitter; a `Retry-After`
 *   header (seconds or an HTTP date) is honoured as a lower bound on the wait.
 * - 401 / 403 (the key) and 404 (the URL or the model) are fatal: every other request would fail the same way.
 * - The key never appears in an error message, a returned object or a URL; error texts from the server are
 *   scrubbed of it too.
 */
import type { ChatMessage } from './prompt';

export interface ChatEndpoint {
  /** e.g. `https://api.openai.com/v1` or `http://localhost:11434/v1`; `/chat/completions` is appended. */
  baseUrl: string;
  model: string;
  /** Sent as `Authorization: Bearer <key>` when given; nowhere else. */
  apiKey?: string;
}

export interface RetryPolicy {
  /** Retries after the first attempt (so at most maxRetries + 1 attempts). */
  maxRetries: number;
  /** Wait before the first retry; doubled for each further one, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A server asking (Retry-After) to wait longer than this fails the request instead of stalling the run. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: Readonly<RetryPolicy> = Object.freeze({
  maxRetries: 4,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
});

export const DEFAULT_TIMEOUT_MS = 60_000;
/** Sent when the settings leave them unset: the same record should get the same score, and a score is short. */
export const DEFAULT_TEMPERATURE = 0;
export const DEFAULT_MAX_TOKENS = 16;
/** A chat completion that scores one record is a few hundred bytes; a reply past this is not one, and is not read whole. */
export const MAX_REPLY_BYTES = 1 << 20;

/** What can be swapped in tests (and in a page that wants its own fetch). */
export interface Transport {
  fetch: typeof fetch;
  /** Resolves after `ms`, rejects with the signal's reason when it aborts first. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** [0, 1), for the backoff jitter. */
  random: () => number;
  now: () => number;
}

export interface ChatClientOptions {
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Sent as `temperature` (default 0: the same record should get the same score); null leaves it out. */
  temperature?: number | null;
  /** Sent as `max_tokens` (default 16: a score needs a few tokens); null leaves it out (reasoning models). */
  maxTokens?: number | null;
  transport?: Partial<Transport>;
}

export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface ChatReply {
  content: string;
  /** From the reply's `usage`, when the server sent one. */
  usage?: ChatUsage;
  /** Attempts made (1 = no retry). */
  attempts: number;
}

export type ChatErrorKind = 'http' | 'network' | 'timeout' | 'protocol' | 'config';

/** A request that failed for good (after its retries, or at once when retrying cannot help). */
export class ChatRequestError extends Error {
  constructor(
    message: string,
    readonly kind: ChatErrorKind,
    /** True when every other request would fail the same way (bad key, URL or model): the run should stop. */
    readonly fatal: boolean,
    readonly attempts: number,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ChatRequestError';
  }
}

export const emptyUsage = (): ChatUsage => ({ promptTokens: 0, completionTokens: 0, totalTokens: 0 });

export function addUsage(into: ChatUsage, u: ChatUsage | undefined): void {
  if (u === undefined) return;
  into.promptTokens += u.promptTokens;
  into.completionTokens += u.completionTokens;
  into.totalTokens += u.totalTokens;
}

/**
 * The chat-completions URL for a base URL: trailing slashes dropped, `/chat/completions` appended unless already
 * there. Throws a {@link ChatRequestError} (kind `config`) for anything but an http(s) URL, or one carrying
 * credentials (`user:pass@`), which would leak into logs.
 */
export function chatCompletionsUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl.trim());
  } catch {
    throw new ChatRequestError(
      `"${baseUrl}" is not a URL. Give the endpoint's base URL, e.g. https://api.openai.com/v1 or http://localhost:11434/v1.`,
      'config',
      true,
      0,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ChatRequestError(
      `The endpoint must be an http:// or https:// URL, got ${url.protocol}//….`,
      'config',
      true,
      0,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new ChatRequestError(
      'Put the API key in the key field, not in the URL (user:password@ is not allowed).',
      'config',
      true,
      0,
    );
  }
  url.hash = '';
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = path.endsWith('/chat/completions') ? path : `${path}/chat/completions`;
  return url.toString();
}

/** The body as text, or undefined once it passes `maxBytes` (the rest is not read, and the stream is cancelled). */
export async function readCapped(response: Response, maxBytes: number): Promise<string | undefined> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    return undefined;
  }
  if (!response.body) {
    const text = await response.text();
    return new TextEncoder().encode(text).length > maxBytes ? undefined : text;
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return new TextDecoder().decode(all);
}

const LOCAL_HOSTS = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\]|[^.]+\.localhost)$/i;

/**
 * A warning to show before anything is sent when an API key would travel unencrypted: http:// to a host that is not
 * this machine. undefined when there is no key, the URL is https, or the host is local.
 */
export function insecureKeyWarning(baseUrl: string, apiKey: string | undefined): string | undefined {
  if (!apiKey?.trim()) return undefined;
  let url: URL;
  try {
    url = new URL(baseUrl.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' || LOCAL_HOSTS.test(url.hostname)) return undefined;
  return `The API key would travel unencrypted (http://) to ${url.host}: anyone on the network path could read it. Use https://, or leave the key empty for a server that needs none.`;
}

/** Origin and path only: what error messages and the UI show of an endpoint (a query string may hold a token). */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/** Retry-After as milliseconds from now: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(v)) return Number(v) * 1000;
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Backoff before retry `retry` (1-based): base·2^(retry−1) capped at max, with "equal jitter" (half fixed, half random). */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number): number {
  const d = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return d / 2 + random() * (d / 2);
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}

export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const DEFAULT_TRANSPORT: Transport = {
  fetch: (...args) => globalThis.fetch(...args),
  sleep: defaultSleep,
  random: Math.random,
  now: () => Date.now(),
};

/** One attempt's outcome when it did not produce a reply. */
interface AttemptFailure {
  message: string;
  kind: ChatErrorKind;
  retryable: boolean;
  fatal: boolean;
  status?: number;
  retryAfterMs?: number;
}

const TIMEOUT = Symbol('timeout');

export class ChatClient {
  readonly url: string;
  readonly model: string;
  private readonly apiKey: string | undefined;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly temperature: number | null;
  private readonly maxTokens: number | null;
  private readonly transport: Transport;

  constructor(endpoint: ChatEndpoint, options: ChatClientOptions = {}) {
    this.url = chatCompletionsUrl(endpoint.baseUrl);
    if (typeof endpoint.model !== 'string' || endpoint.model.trim() === '') {
      throw new ChatRequestError(
        'No model name: give the model the endpoint serves (e.g. gpt-4o-mini, llama3.1:8b).',
        'config',
        true,
        0,
      );
    }
    this.model = endpoint.model.trim();
    this.apiKey = endpoint.apiKey?.trim() || undefined;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.temperature = options.temperature === undefined ? DEFAULT_TEMPERATURE : options.temperature;
    this.maxTokens = options.maxTokens === undefined ? DEFAULT_MAX_TOKENS : options.maxTokens;
    this.transport = { ...DEFAULT_TRANSPORT, ...options.transport };
  }

  /** What may be shown or saved about this client: never the key, only whether there is one. */
  toJSON(): { url: string; model: string; hasApiKey: boolean } {
    return { url: displayUrl(this.url), model: this.model, hasApiKey: this.apiKey !== undefined };
  }

  /** One chat completion, retried as the policy allows. Rejects with a ChatRequestError, or the signal's reason. */
  async complete(
    messages: readonly ChatMessage[],
    signal?: AbortSignal,
    onRetry?: (failure: string) => void,
  ): Promise<ChatReply> {
    const body = JSON.stringify({
      model: this.model,
      messages,
      ...(this.temperature === null ? {} : { temperature: this.temperature }),
      ...(this.maxTokens === null ? {} : { max_tokens: this.maxTokens }),
      stream: false,
    });
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      const outcome = await this.attempt(body, signal);
      if ('content' in outcome) return { ...outcome, attempts: attempt };
      const retriesLeft = attempt <= this.retry.maxRetries;
      if (!outcome.retryable || !retriesLeft) {
        const tail = outcome.retryable ? ` (gave up after ${attempt} attempts)` : '';
        throw new ChatRequestError(outcome.message + tail, outcome.kind, outcome.fatal, attempt, outcome.status);
      }
      if (outcome.retryAfterMs !== undefined && outcome.retryAfterMs > this.retry.maxRetryAfterMs) {
        throw new ChatRequestError(
          `${outcome.message}; the server asks to wait ${Math.round(outcome.retryAfterMs / 1000)} s (Retry-After), more than the ${Math.round(this.retry.maxRetryAfterMs / 1000)} s allowed — try again later or lower the concurrency`,
          outcome.kind,
          false,
          attempt,
          outcome.status,
        );
      }
      onRetry?.(outcome.message);
      const wait = Math.max(backoffDelay(attempt, this.retry, this.transport.random), outcome.retryAfterMs ?? 0);
      await this.transport.sleep(wait, signal);
    }
  }

  private headers(): Record<string, string> {
    const h: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' };
    if (this.apiKey !== undefined) h.Authorization = `Bearer ${this.apiKey}`;
    return h;
  }

  /** Removes the key from text that came back from the server (some echo a part of it, all of it would be worse). */
  private scrub(text: string): string {
    return this.apiKey === undefined ? text : text.split(this.apiKey).join('[API key]');
  }

  private async attempt(
    body: string,
    signal: AbortSignal | undefined,
  ): Promise<Omit<ChatReply, 'attempts'> | AttemptFailure> {
    const ctl = new AbortController();
    const onAbort = () => ctl.abort(abortReason(signal!));
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => ctl.abort(TIMEOUT), this.timeoutMs);
    const where = displayUrl(this.url);
    try {
      const response = await this.transport.fetch(this.url, {
        method: 'POST',
        headers: this.headers(),
        body,
        signal: ctl.signal,
      });
      const text = await readCapped(response, MAX_REPLY_BYTES);
      if (text === undefined) {
        return {
          message: `${where} answered with more than ${MAX_REPLY_BYTES / 2 ** 20} MiB, which no score needs; the rest was not read`,
          kind: 'protocol',
          retryable: false,
          fatal: true,
        };
      }
      if (!response.ok) return this.httpFailure(response, text, where);
      return this.readReply(text, where);
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal);
      if (ctl.signal.aborted && ctl.signal.reason === TIMEOUT) {
        return {
          message: `no reply from ${where} within ${this.timeoutMs} ms`,
          kind: 'timeout',
          retryable: true,
          fatal: false,
        };
      }
      const detail = error instanceof Error ? error.message : String(error);
      return {
        message: `could not reach ${where} (${this.scrub(detail)}); is the server running, and does it allow requests from this page (CORS)?`,
        kind: 'network',
        retryable: true,
        fatal: false,
      };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private httpFailure(response: Response, text: string, where: string): AttemptFailure {
    const status = response.status;
    const detail = this.scrub(serverMessage(text));
    const base = `${where} answered HTTP ${status}${detail ? `: ${detail}` : ''}`;
    if (status === 401 || status === 403) {
      return { message: `${base} — check the API key`, kind: 'http', retryable: false, fatal: true, status };
    }
    if (status === 404) {
      return {
        message: `${base} — check the base URL and that the model "${this.model}" exists there`,
        kind: 'http',
        retryable: false,
        fatal: true,
        status,
      };
    }
    if (status === 429 || status === 408 || status >= 500) {
      return {
        message: base,
        kind: 'http',
        retryable: true,
        fatal: false,
        status,
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), this.transport.now()),
      };
    }
    return { message: base, kind: 'http', retryable: false, fatal: false, status };
  }

  private readReply(text: string, where: string): Omit<ChatReply, 'attempts'> | AttemptFailure {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return {
        message: `${where} did not answer with JSON (starts ${JSON.stringify(text.slice(0, 60))}); is this a chat-completions endpoint?`,
        kind: 'protocol',
        retryable: false,
        fatal: false,
      };
    }
    const content = messageContent(json);
    if (content === undefined) {
      return {
        message: `${where} answered without choices[0].message.content (${this.scrub(text.slice(0, 120))})`,
        kind: 'protocol',
        retryable: false,
        fatal: false,
      };
    }
    return { content, usage: readUsage(json) };
  }
}

/** `choices[0].message.content` as text: a string, or the text parts of a content array. */
function messageContent(json: unknown): string | undefined {
  const choice = (json as { choices?: { message?: { content?: unknown } }[] } | null)?.choices?.[0];
  const content = choice?.message?.content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    const parts = content.flatMap((p: unknown) =>
      typeof (p as { text?: unknown })?.text === 'string' ? [(p as { text: string }).text] : [],
    );
    return parts.length > 0 ? parts.join('') : undefined;
  }
  return undefined;
}

function readUsage(json: unknown): ChatUsage | undefined {
  const u = (json as { usage?: Record<string, unknown> } | null)?.usage;
  if (typeof u !== 'object' || u === null) return undefined;
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const promptTokens = n(u.prompt_tokens);
  const completionTokens = n(u.completion_tokens);
  const totalTokens = typeof u.total_tokens === 'number' ? n(u.total_tokens) : promptTokens + completionTokens;
  return { promptTokens, completionTokens, totalTokens };
}

/** The server's own error message (`{error: {message}}` or `{error: "…"}`, else the text's start), one line. */
function serverMessage(text: string): string {
  let msg = text;
  try {
    const json = JSON.parse(text) as { error?: unknown; message?: unknown };
    if (typeof json.error === 'string') msg = json.error;
    else if (typeof (json.error as { message?: unknown })?.message === 'string')
      msg = (json.error as { message: string }).message;
    else if (typeof json.message === 'string') msg = json.message;
  } catch {
    // not JSON: show the start of the text
  }
  const one = msg.replace(/\s+/g, ' ').trim();
  return one.length > 200 ? `${one.slice(0, 199)}…` : one;
}

/**
 * Runs `task(i)` for i in [0, count) with at most `concurrency` in flight. The first task to throw stops the
 * others from starting, aborts the signal handed to those in flight, and its error is thrown once all settled.
 */
export async function runPool(
  count: number,
  concurrency: number,
  task: (index: number, signal: AbortSignal) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  signal?.throwIfAborted();
  const inner = new AbortController();
  const onAbort = () => inner.abort(abortReason(signal!));
  signal?.addEventListener('abort', onAbort, { once: true });
  let next = 0;
  let failed = false;
  let firstError: unknown;
  const worker = async () => {
    while (!failed && !inner.signal.aborted && next < count) {
      const i = next++;
      try {
        await task(i, inner.signal);
      } catch (error) {
        if (!failed) {
          failed = true;
          firstError = error;
          inner.abort(error);
        }
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (failed) throw firstError;
  signal?.throwIfAborted();
}
