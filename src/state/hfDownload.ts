/**
 * A model folder from a base URL (e.g. `https://huggingface.co/gpt2/resolve/main/`) or a Hub id: config.json, then
 * model.safetensors or its index and shards, then tokenizer.json or vocab.json + merges.txt, then the optional
 * files (chat template, generation defaults), streamed with progress. Finished files are kept in the browser's Cache
 * Storage so a second import does not download them again; an unfinished one keeps its bytes there in pieces, so a
 * dropped connection or a reload goes on from where it stopped (`Range: bytes=N-`) instead of from zero. The storage
 * and `fetch` are parameters, so Node tests run this against the local Hub server (src/testing/hubServer.node.ts).
 */
import { HF_FILE_CHOICES, HfImportError } from '../core/hf/files';
import {
  classifyHubAnswer,
  continuesPartial,
  DOWNLOAD_ATTEMPTS,
  OPTIONAL_MODEL_FILES,
  parquetFilesOfTree,
  parseContentRange,
  retryDelayMs,
} from '../core/hf/hubFiles';
import { hubFileUrl, hubRepoPage, hubResolveBase, hubTreeUrl, type HubRepo } from '../core/hf/hubId';
import { shardFileNames } from '../core/hf/shards';

export interface DownloadProgress {
  file: string;
  loaded: number;
  /** From Content-Length (or Content-Range); undefined when the server does not say. */
  total?: number;
  /** Bytes of the files finished before this one. */
  doneBytes: number;
  fromCache: boolean;
  /** Bytes of this file kept from an earlier, interrupted download (0 when it started from the first byte). */
  resumedFrom: number;
  /** Bytes of this file safely stored so far: what a reload would resume from. */
  kept: number;
}

/** Where finished files and the pieces of unfinished ones are kept (Cache Storage in the page, a Map in tests). */
export interface DownloadStore {
  getFile(url: string): Promise<ArrayBuffer | undefined>;
  putFile(url: string, bytes: ArrayBuffer): Promise<void>;
  /** The pieces kept of an unfinished download, in order, with the ETag of the answer they came from. */
  getPartial(url: string): Promise<{ pieces: Uint8Array[]; etag?: string } | undefined>;
  addPiece(url: string, index: number, bytes: Uint8Array, etag: string | undefined): Promise<void>;
  clearPartial(url: string): Promise<void>;
}

export interface DownloadOptions {
  signal?: AbortSignal;
  /** A Hub access token, sent as `Authorization: Bearer`. */
  token?: string;
  /** undefined: the browser's Cache Storage when there is one, else nothing is kept. */
  store?: DownloadStore;
  fetch?: typeof fetch;
  /** How long to wait before attempt `n` (1, 2, …) after a dropped connection or a busy server. */
  retryDelayMs?: (attempt: number) => number;
  /** A piece is stored once this many bytes have come since the last one. */
  pieceBytes?: number;
  /** The repository page, for the message of a gated or private repository. */
  repoPage?: string;
}

/** 1 MiB: a reload loses at most this much of a file; a 500 MB model is 500 small writes. */
export const PIECE_BYTES = 2 ** 20;

const CACHE_NAME = 'phased-ift-hf-models-v1';
const pieceKey = (url: string, index: number) => `${url}${url.includes('?') ? '&' : '?'}phased-ift-piece=${index}`;

/** Cache Storage as a DownloadStore; undefined where there is none (not a secure context, or storage blocked). */
export async function cacheStorageStore(): Promise<DownloadStore | undefined> {
  let cache: Cache;
  try {
    if (typeof caches === 'undefined') return undefined;
    cache = await caches.open(CACHE_NAME);
  } catch {
    return undefined;
  }
  // Storage that fails mid-way (quota) only costs the download its resume, never the download.
  const quiet = <T>(p: Promise<T>) => p.catch(() => undefined);
  return {
    async getFile(url) {
      return (await quiet(cache.match(url)))?.arrayBuffer();
    },
    async putFile(url, bytes) {
      await quiet(cache.put(url, new Response(bytes, { headers: { 'content-type': 'application/octet-stream' } })));
    },
    async getPartial(url) {
      const pieces: Uint8Array[] = [];
      let etag: string | undefined;
      for (let i = 0; ; i++) {
        const hit = await quiet(cache.match(pieceKey(url, i)));
        if (!hit) break;
        const pieceEtag = hit.headers.get('x-etag') ?? undefined;
        if (i === 0) etag = pieceEtag;
        else if (pieceEtag !== etag) break; // pieces of two versions of the file: keep the first run only
        pieces.push(new Uint8Array(await hit.arrayBuffer()));
      }
      return pieces.length > 0 ? { pieces, etag } : undefined;
    },
    async addPiece(url, index, bytes, etag) {
      const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
      if (etag) headers['x-etag'] = etag;
      await quiet(cache.put(pieceKey(url, index), new Response(bytes.slice(), { headers })));
    },
    async clearPartial(url) {
      for (let i = 0; await quiet(cache.delete(pieceKey(url, i))); i++);
    },
  };
}

/** A DownloadStore in memory: what the Node tests inject, and what they inspect (the pieces kept mid-file). */
export function memoryDownloadStore(): DownloadStore & {
  files: Map<string, ArrayBuffer>;
  pieces: Map<string, Uint8Array[]>;
} {
  const files = new Map<string, ArrayBuffer>();
  const pieces = new Map<string, Uint8Array[]>();
  const etags = new Map<string, string | undefined>();
  return {
    files,
    pieces,
    getFile: async (url) => files.get(url)?.slice(0),
    putFile: async (url, bytes) => void files.set(url, bytes.slice(0)),
    getPartial: async (url) => {
      const kept = pieces.get(url);
      return kept?.length ? { pieces: kept.map((p) => p.slice()), etag: etags.get(url) } : undefined;
    },
    addPiece: async (url, index, bytes, etag) => {
      const kept = pieces.get(url) ?? [];
      kept[index] = bytes.slice();
      pieces.set(url, kept);
      etags.set(url, etag);
    },
    clearPartial: async (url) => {
      pieces.delete(url);
      etags.delete(url);
    },
  };
}

/** The file is not at this address (404): the next choice is tried, an optional file is skipped. */
class NotFound extends Error {}

const abortError = () => new DOMException('Download cancelled.', 'AbortError');
const isAbort = (error: unknown) => (error as Error | undefined)?.name === 'AbortError';

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(abortError());
      },
      { once: true },
    );
  });
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

interface FileContext extends DownloadOptions {
  store?: DownloadStore;
  fetch: typeof fetch;
}

/**
 * One file, resumed from the pieces kept of an earlier try and retried (from where it stopped) when the connection
 * drops or the server is busy. Throws NotFound on a 404, HfImportError naming the file for anything to tell the user.
 */
async function downloadFile(
  name: string,
  url: string,
  ctx: FileContext,
  onProgress: (loaded: number, total: number | undefined, resumedFrom: number, kept: number) => void,
): Promise<ArrayBuffer> {
  const { store, signal } = ctx;
  const kept = await store?.getPartial(url);
  let pieces = kept?.pieces ?? [];
  let etag = kept?.etag;
  let have = pieces.reduce((n, p) => n + p.length, 0);
  const resumedFrom = have;
  let total: number | undefined;
  let lastError = '';

  const restart = async () => {
    pieces = [];
    have = 0;
    etag = undefined;
    await store?.clearPartial(url);
  };

  for (let attempt = 0; attempt < DOWNLOAD_ATTEMPTS; attempt++) {
    if (attempt > 0) await sleep((ctx.retryDelayMs ?? retryDelayMs)(attempt), signal);
    const headers: Record<string, string> = {};
    if (ctx.token) headers.Authorization = `Bearer ${ctx.token}`;
    if (have > 0) headers.Range = `bytes=${have}-`;
    let response: Response;
    try {
      response = await ctx.fetch(url, { headers, signal, redirect: 'follow' });
    } catch (error) {
      if (isAbort(error)) throw error;
      lastError = `could not be downloaded from ${url} (${(error as Error).message}): offline, or the server does not allow this page to read it (CORS).`;
      continue;
    }
    if (response.status === 416 && have > 0) {
      await restart(); // the kept bytes are longer than the file now is: it changed
      continue;
    }
    const answer = classifyHubAnswer(response.status, response.headers.get('x-error-code'), {
      url,
      repoPage: ctx.repoPage,
      withToken: Boolean(ctx.token),
    });
    if (answer.kind !== 'ok') await response.body?.cancel();
    if (answer.kind === 'fatal') throw new HfImportError(name, answer.message);
    // A single-page app's fallback (or a login page) answers 200 with HTML for a file that is not there.
    if (answer.kind === 'missing') throw new NotFound(name);
    if ((response.headers.get('content-type') ?? '').includes('text/html')) {
      await response.body?.cancel();
      throw new NotFound(name);
    }
    if (answer.kind === 'retry') {
      lastError = `could not be downloaded from ${url}: the server answered HTTP ${response.status} ${DOWNLOAD_ATTEMPTS} times; try again later.`;
      continue;
    }
    const answerEtag = response.headers.get('etag');
    if (response.status === 206) {
      const range = parseContentRange(response.headers.get('content-range'));
      if (!continuesPartial(have, range, answerEtag, etag)) {
        await response.body?.cancel();
        await restart(); // another version of the file, or a range we did not ask for: from the first byte
        continue;
      }
      total = range?.total;
    } else {
      if (have > 0) await restart(); // the server ignored the Range: it sends the whole file
      const length = Number(response.headers.get('content-length'));
      total = Number.isFinite(length) && length > 0 ? length : undefined;
    }
    etag = answerEtag ?? etag;

    let storedBytes = have;
    let unsaved: Uint8Array[] = [];
    let unsavedBytes = 0;
    const pieceBytes = ctx.pieceBytes ?? PIECE_BYTES;
    /** Stores the bytes not yet stored: whole pieces only, or everything (`all`, when the download stops). */
    const keep = async (all: boolean) => {
      while (unsavedBytes > 0 && (all || unsavedBytes >= pieceBytes)) {
        const joined = concat(unsaved);
        const piece = all ? joined : joined.subarray(0, pieceBytes);
        const rest = joined.subarray(piece.length);
        unsaved = rest.length > 0 ? [rest] : [];
        unsavedBytes = rest.length;
        pieces.push(piece);
        await store?.addPiece(url, pieces.length - 1, piece, etag ?? undefined);
        storedBytes += piece.length;
      }
    };
    const reader = response.body?.getReader();
    if (!reader) throw new HfImportError(name, `${url} answered with no body.`);
    try {
      for (;;) {
        if (signal?.aborted) {
          await reader.cancel();
          throw abortError();
        }
        const { done, value } = await reader.read();
        if (done) break;
        unsaved.push(value);
        unsavedBytes += value.length;
        have += value.length;
        await keep(false);
        onProgress(have, total, resumedFrom, store ? storedBytes : 0);
      }
    } catch (error) {
      if (isAbort(error) || signal?.aborted) {
        await keep(true); // a cancel keeps what came, so downloading again goes on from here
        throw isAbort(error) ? error : abortError();
      }
      await keep(true);
      lastError = `the connection dropped after ${have}${total ? ` of ${total}` : ''} bytes of ${url} (${(error as Error).message}), ${DOWNLOAD_ATTEMPTS} times; try again (the bytes so far are kept).`;
      continue;
    }
    await keep(true);
    if (total !== undefined && have < total) {
      lastError = `the download stopped after ${have} of ${total} bytes, ${DOWNLOAD_ATTEMPTS} times; try again (the bytes so far are kept).`;
      continue;
    }
    if (total !== undefined && have > total) {
      await restart();
      lastError = `the server sent ${have} bytes for a ${total}-byte file.`;
      continue;
    }
    const bytes = concat(pieces).buffer as ArrayBuffer;
    await store?.putFile(url, bytes);
    await store?.clearPartial(url);
    return bytes;
  }
  throw new HfImportError(name, lastError);
}

/**
 * Every file a model needs from `baseUrl` (ending in `/`), and the optional ones that are there. A file that is not
 * there (404) moves on to the next choice; any other failure is an HfImportError naming the file and the URL.
 */
export async function downloadHfFolder(
  baseUrl: string,
  onProgress: (p: DownloadProgress) => void,
  options: DownloadOptions = {},
): Promise<Record<string, ArrayBuffer>> {
  const store = 'store' in options ? options.store : await cacheStorageStore();
  const ctx: FileContext = { ...options, store, fetch: options.fetch ?? globalThis.fetch.bind(globalThis) };
  const files: Record<string, ArrayBuffer> = {};
  let doneBytes = 0;
  const urlOf = (name: string) => new URL(name.split('/').map(encodeURIComponent).join('/'), baseUrl).href;

  const get = async (name: string): Promise<ArrayBuffer> => {
    const url = urlOf(name);
    const cached = await store?.getFile(url);
    if (cached) {
      const n = cached.byteLength;
      onProgress({ file: name, loaded: n, total: n, doneBytes, fromCache: true, resumedFrom: 0, kept: n });
      doneBytes += n;
      return cached;
    }
    const buf = await downloadFile(name, url, ctx, (loaded, total, resumedFrom, kept) =>
      onProgress({ file: name, loaded, total, doneBytes, fromCache: false, resumedFrom, kept }),
    );
    doneBytes += buf.byteLength;
    return buf;
  };

  /** The first choice whose files all exist; a 404 on its first file tries the next. */
  const firstOf = async (hint: string, choices: readonly (readonly string[])[]): Promise<string[]> => {
    for (const choice of choices) {
      try {
        const got: Record<string, ArrayBuffer> = {};
        for (const name of choice) got[name] = await get(name);
        Object.assign(files, got);
        return [...choice];
      } catch (error) {
        if (!(error instanceof NotFound)) throw error;
        if (choice.length > 1 && error.message !== choice[0]) {
          throw new HfImportError(
            error.message,
            `not found at ${urlOf(error.message)}, but ${choice[0]} is there; they go together.`,
          );
        }
      }
    }
    throw new HfImportError(
      choices[0]![0]!,
      `not found at ${baseUrl} (HTTP 404), nor ${choices
        .slice(1)
        .map((c) => c.join(' + '))
        .join(' or ')}. ${hint}`,
    );
  };

  try {
    files['config.json'] = await get(HF_FILE_CHOICES.config[0]);
  } catch (error) {
    if (error instanceof NotFound)
      throw new HfImportError(
        'config.json',
        options.repoPage
          ? `not found at ${urlOf('config.json')} (HTTP 404): ${options.repoPage} has no config.json at this revision; is it a model repository (not a dataset or a GGUF/ONNX-only one)?`
          : `not found at ${urlOf('config.json')} (HTTP 404): is this the model folder's address (…/resolve/main/)?`,
      );
    throw error;
  }
  const weights = await firstOf(
    'Only safetensors weights can be read in the browser; for the TinyStories models they are on the branch refs/pr/1 (…/resolve/refs%2Fpr%2F1/, or the id followed by @refs/pr/1).',
    HF_FILE_CHOICES.weights,
  );
  if (weights[0] === 'model.safetensors.index.json') {
    for (const shard of shardFileNames(files['model.safetensors.index.json']!)) {
      try {
        files[shard] = await get(shard);
      } catch (error) {
        if (error instanceof NotFound)
          throw new HfImportError(shard, `named in model.safetensors.index.json but not found at ${urlOf(shard)}.`);
        throw error;
      }
    }
  }
  await firstOf('The model needs its own tokenizer files.', HF_FILE_CHOICES.tokenizer);
  for (const name of OPTIONAL_MODEL_FILES) {
    try {
      files[name] = await get(name);
    } catch (error) {
      if (!(error instanceof NotFound)) throw error;
    }
  }
  return files;
}

/** A model repository of the Hub (`hub` is its origin), by id and revision. */
export function downloadHubModel(
  hub: string,
  repo: HubRepo,
  onProgress: (p: DownloadProgress) => void,
  options: DownloadOptions = {},
): Promise<Record<string, ArrayBuffer>> {
  return downloadHfFolder(hubResolveBase(hub, repo), onProgress, { ...options, repoPage: hubRepoPage(hub, repo) });
}

/**
 * The Parquet files of a dataset repository, train split first, listed by the Hub's tree API and downloaded (with the
 * same resume and cache) from `…/datasets/{id}/resolve/{revision}/`.
 */
export async function downloadHubDataset(
  hub: string,
  repo: HubRepo,
  onProgress: (p: DownloadProgress) => void,
  options: DownloadOptions & { maxFiles?: number; listed?: (paths: string[]) => void } = {},
): Promise<{ path: string; bytes: ArrayBuffer }[]> {
  const store = 'store' in options ? options.store : await cacheStorageStore();
  const ctx: FileContext = {
    ...options,
    store,
    fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
    repoPage: hubRepoPage(hub, repo),
  };
  const listUrl = hubTreeUrl(hub, repo);
  const headers: Record<string, string> = ctx.token ? { Authorization: `Bearer ${ctx.token}` } : {};
  let response: Response;
  try {
    response = await ctx.fetch(listUrl, { headers, signal: options.signal });
  } catch (error) {
    if (isAbort(error)) throw error;
    throw new HfImportError(
      repo.id,
      `the file list could not be read from ${listUrl} (${(error as Error).message}): offline, or the Hub address is wrong.`,
    );
  }
  const answer = classifyHubAnswer(response.status, response.headers.get('x-error-code'), {
    url: listUrl,
    repoPage: ctx.repoPage,
    withToken: Boolean(ctx.token),
  });
  if (answer.kind === 'fatal') throw new HfImportError(repo.id, answer.message);
  if (answer.kind !== 'ok')
    throw new HfImportError(
      repo.id,
      answer.kind === 'missing'
        ? `No such dataset: ${ctx.repoPage} (HTTP 404). Check the id.`
        : `${listUrl} answered HTTP ${response.status}; try again later.`,
    );
  const parquet = parquetFilesOfTree(await response.json());
  if (parquet.length === 0)
    throw new HfImportError(
      repo.id,
      `${ctx.repoPage} has no Parquet files at this revision. Download its files by hand and drop them, or use its Parquet conversion (@refs/convert/parquet).`,
    );
  options.listed?.(parquet.map((p) => p.path));
  const out: { path: string; bytes: ArrayBuffer }[] = [];
  let doneBytes = 0;
  for (const { path } of parquet.slice(0, options.maxFiles)) {
    const url = hubFileUrl(hub, repo, path);
    let bytes = await store?.getFile(url);
    if (bytes) {
      const n = bytes.byteLength;
      onProgress({ file: path, loaded: n, total: n, doneBytes, fromCache: true, resumedFrom: 0, kept: n });
    } else {
      try {
        bytes = await downloadFile(path, url, ctx, (loaded, total, resumedFrom, kept) =>
          onProgress({ file: path, loaded, total, doneBytes, fromCache: false, resumedFrom, kept }),
        );
      } catch (error) {
        if (error instanceof NotFound)
          throw new HfImportError(path, `listed by the Hub but not found at ${url} (HTTP 404); try again.`);
        throw error;
      }
    }
    doneBytes += bytes.byteLength;
    out.push({ path, bytes });
  }
  return out;
}
