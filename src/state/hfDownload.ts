/**
 * A model folder from a base URL (e.g. `https://huggingface.co/gpt2/resolve/main/`): config.json, then
 * model.safetensors or its index and shards, then tokenizer.json or vocab.json + merges.txt, streamed with
 * progress and kept in the browser's Cache Storage so a second import (or a reload mid-way) does not download
 * the same bytes again.
 */
import { HF_FILE_CHOICES, HfImportError } from '../core/hf/files';
import { shardFileNames } from '../core/hf/shards';

export interface DownloadProgress {
  file: string;
  loaded: number;
  /** From Content-Length; undefined when the server does not say. */
  total?: number;
  /** Bytes of the files finished before this one. */
  doneBytes: number;
  fromCache: boolean;
}

const CACHE_NAME = 'phased-ift-hf-models-v1';

async function openCache(): Promise<Cache | undefined> {
  try {
    return typeof caches === 'undefined' ? undefined : await caches.open(CACHE_NAME);
  } catch {
    return undefined; // not a secure context, or storage blocked: download without a cache
  }
}

class NotFound extends Error {}

async function readBody(
  response: Response,
  onChunk: (loaded: number) => void,
  signal?: AbortSignal,
): Promise<ArrayBuffer> {
  const reader = response.body?.getReader();
  if (!reader) return response.arrayBuffer();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    if (signal?.aborted) {
      await reader.cancel();
      throw new DOMException('Download cancelled.', 'AbortError');
    }
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onChunk(loaded);
  }
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out.buffer;
}

/**
 * Every file a model needs from `baseUrl` (ending in `/`). A file that is not there (404) moves on to the next
 * choice; any other failure is an HfImportError naming the file and the URL.
 */
export async function downloadHfFolder(
  baseUrl: string,
  onProgress: (p: DownloadProgress) => void,
  signal?: AbortSignal,
): Promise<Record<string, ArrayBuffer>> {
  const cache = await openCache();
  const files: Record<string, ArrayBuffer> = {};
  let doneBytes = 0;

  const get = async (name: string): Promise<ArrayBuffer> => {
    const url = new URL(name, baseUrl).href;
    const cached = await cache?.match(url).catch(() => undefined);
    if (cached) {
      const buf = await cached.arrayBuffer();
      onProgress({ file: name, loaded: buf.byteLength, total: buf.byteLength, doneBytes, fromCache: true });
      doneBytes += buf.byteLength;
      return buf;
    }
    let response: Response;
    try {
      response = await fetch(url, { signal });
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      throw new HfImportError(
        name,
        `could not be downloaded from ${url} (${(error as Error).message}): offline, or the server does not allow this page to read it (CORS).`,
      );
    }
    // A single-page app's fallback (or a login page) answers 200 with HTML for a file that is not there.
    if (response.status === 404 || (response.headers.get('content-type') ?? '').includes('text/html'))
      throw new NotFound(name);
    if (!response.ok)
      throw new HfImportError(
        name,
        `could not be downloaded from ${url}: HTTP ${response.status}${response.status === 401 || response.status === 403 ? ' (a gated or private model needs a download by hand)' : ''}.`,
      );
    const header = Number(response.headers.get('content-length'));
    const total = Number.isFinite(header) && header > 0 ? header : undefined;
    const buf = await readBody(
      response,
      (loaded) => onProgress({ file: name, loaded, total, doneBytes, fromCache: false }),
      signal,
    );
    if (total !== undefined && buf.byteLength !== total) {
      throw new HfImportError(name, `the download stopped after ${buf.byteLength} of ${total} bytes; try again.`);
    }
    doneBytes += buf.byteLength;
    await cache
      ?.put(url, new Response(buf.slice(0), { headers: { 'content-type': 'application/octet-stream' } }))
      .catch(() => undefined);
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
            `not found at ${new URL(error.message, baseUrl).href}, but ${choice[0]} is there; they go together.`,
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
        `not found at ${new URL('config.json', baseUrl).href} (HTTP 404): is this the model folder's address (…/resolve/main/)?`,
      );
    throw error;
  }
  const weights = await firstOf(
    'Only safetensors weights can be read in the browser; for the TinyStories models they are on the branch refs/pr/1 (…/resolve/refs%2Fpr%2F1/).',
    HF_FILE_CHOICES.weights,
  );
  if (weights[0] === 'model.safetensors.index.json') {
    for (const shard of shardFileNames(files['model.safetensors.index.json']!)) {
      try {
        files[shard] = await get(shard);
      } catch (error) {
        if (error instanceof NotFound)
          throw new HfImportError(
            shard,
            `named in model.safetensors.index.json but not found at ${new URL(shard, baseUrl).href}.`,
          );
        throw error;
      }
    }
  }
  await firstOf('The model needs its own tokenizer files.', HF_FILE_CHOICES.tokenizer);
  return files;
}
