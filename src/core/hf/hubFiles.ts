/**
 * What a download from the Hub asks for and what its answers mean: the optional files a model repository may have
 * beside the ones the importer needs (HF_FILE_CHOICES), an HTTP answer turned into what to do and what to tell the
 * person (gated, no such repository or file, try again), the `Content-Range` of a resumed download, and the Parquet
 * files of a dataset's tree listing. Pure: the fetching is src/state/hfDownload.ts.
 */

/** Read when there, skipped on a 404: the chat template and generation defaults the studio's text side uses. */
export const OPTIONAL_MODEL_FILES = [
  'tokenizer_config.json',
  'chat_template.jinja',
  'generation_config.json',
  'special_tokens_map.json',
] as const;

/** What the Hub says went wrong, in its `X-Error-Code` header (exposed to pages by its CORS policy). */
export type HubErrorCode = 'GatedRepo' | 'RepoNotFound' | 'RevisionNotFound' | 'EntryNotFound' | (string & {});

export type HubAnswer =
  /** The file is there: read it. */
  | { kind: 'ok' }
  /** This file is not in the repository: an optional one is skipped, a required one is a HubProblem. */
  | { kind: 'missing' }
  /** A passing failure (rate limit, server busy): wait and ask again. */
  | { kind: 'retry' }
  /** Nothing to retry: the message says what happened and what to do. */
  | { kind: 'fatal'; message: string };

export interface HubAnswerContext {
  /** The URL asked for. */
  url: string;
  /** The repository's page (where a gated model's terms are accepted), when the file comes from the Hub. */
  repoPage?: string;
  /** Whether an access token was sent. */
  withToken: boolean;
}

/** What an HTTP status (and the Hub's error code) means for a download. */
export function classifyHubAnswer(status: number, errorCode: HubErrorCode | null, ctx: HubAnswerContext): HubAnswer {
  if (status >= 200 && status < 300) return { kind: 'ok' };
  const where = ctx.repoPage ?? ctx.url;
  if (status === 401 || status === 403) {
    if (errorCode === 'RepoNotFound')
      return {
        kind: 'fatal',
        message: `No such repository at ${where} (HTTP ${status}), or it is private${ctx.withToken ? ' and the access token given cannot read it' : ': give an access token that can read it'}. Check the id.`,
      };
    return {
      kind: 'fatal',
      message: ctx.withToken
        ? `The Hub refused the access token for ${ctx.url} (HTTP ${status}). This is a gated or private repository: accept its terms on ${where} with the account the token belongs to, and give a token with read access.`
        : `${where} is a gated or private repository (HTTP ${status}): accept its terms on ${where} while logged in, then give an access token (huggingface.co/settings/tokens, "read") in the token field and download again.`,
    };
  }
  if (status === 404) {
    if (errorCode === 'RepoNotFound')
      return { kind: 'fatal', message: `No such repository: ${where} (HTTP 404). Check the id.` };
    if (errorCode === 'RevisionNotFound')
      return {
        kind: 'fatal',
        message: `No such revision in ${where} (HTTP 404): check the branch, tag or commit after @.`,
      };
    return { kind: 'missing' };
  }
  if (status === 408 || status === 429 || status >= 500) return { kind: 'retry' };
  return { kind: 'fatal', message: `${ctx.url} answered HTTP ${status}.` };
}

/** How often a download is asked again after a dropped connection or a retry answer, and how long to wait. */
export const DOWNLOAD_ATTEMPTS = 5;
export function retryDelayMs(attempt: number): number {
  return Math.min(8000, 500 * 2 ** attempt);
}

export interface ContentRange {
  start: number;
  end: number;
  /** undefined for `*` (size unknown). */
  total?: number;
}

/** `bytes 100-199/1000` → { start: 100, end: 199, total: 1000 }; undefined when absent or not that shape. */
export function parseContentRange(header: string | null): ContentRange | undefined {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header?.trim() ?? '');
  if (!m) return undefined;
  return { start: Number(m[1]), end: Number(m[2]), total: m[3] === '*' ? undefined : Number(m[3]) };
}

/**
 * Whether a 206 answer to `Range: bytes={have}-` continues the bytes kept: it starts where they end, and comes from
 * the same file (its ETag matches the one the kept bytes came with, when both are known).
 */
export function continuesPartial(
  have: number,
  range: ContentRange | undefined,
  etag: string | null,
  keptEtag: string | undefined,
): boolean {
  if (!range || range.start !== have) return false;
  return !etag || !keptEtag || stripWeak(etag) === stripWeak(keptEtag);
}

const stripWeak = (etag: string) => etag.replace(/^W\//, '');

/** One entry of `GET /api/{models|datasets}/{id}/tree/{revision}?recursive=true`. */
export interface HubTreeEntry {
  type: 'file' | 'directory';
  path: string;
  size?: number;
}

/**
 * The Parquet files of a dataset's tree, train split first (`train-00000-of-00002.parquet`, `data/train/…`), then
 * the others, each group in name order. Throws when the answer is not a tree listing.
 */
export function parquetFilesOfTree(tree: unknown): { path: string; size?: number }[] {
  if (!Array.isArray(tree))
    throw new Error('The Hub answered the file list with something that is not a list; is the Hub address right?');
  const files = (tree as HubTreeEntry[]).filter(
    (e) => e && e.type === 'file' && typeof e.path === 'string' && e.path.endsWith('.parquet'),
  );
  const isTrain = (p: string) => /(^|[/_.-])train([/_.-]|$)/.test(p);
  return files
    .map((e) => ({ path: e.path, size: typeof e.size === 'number' ? e.size : undefined }))
    .sort((a, b) => Number(isTrain(b.path)) - Number(isTrain(a.path)) || a.path.localeCompare(b.path));
}
