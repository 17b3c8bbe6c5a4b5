/**
 * A local stand-in for the Hugging Face Hub, for the download tests (Node, src/state/hfDownload.test.ts) and the
 * browser test (e2e/hub-download.spec.ts). It serves repositories in the Hub's own URL layout and answers the way
 * the Hub does where the studio depends on it:
 *
 * - `GET /{id}/resolve/{rev}/{file}`, `/datasets/{id}/resolve/{rev}/{file}`: small files directly; LFS files
 *   (`.safetensors`, `.parquet`) with a 302 to `/cdn/…` (the Hub sends them to its CDN host), which serves them with
 *   an ETag and `Range` support (206 + Content-Range).
 * - `GET /api/{models|datasets}/{id}/tree/{rev}`: the file list, `[{ type, path, size }]`.
 * - A gated repository answers 401 `X-Error-Code: GatedRepo` without the right `Authorization: Bearer`; an unknown
 *   one 401 `RepoNotFound` (the Hub does not say whether a private repository exists); a missing file 404
 *   `EntryNotFound`; CORS headers as the Hub sends them, so a page on another origin can read everything.
 * - Faults on demand: `dropAfter` closes the connection after N bytes of a file (the next request resumes with
 *   Range); `stallAt` sends the first N bytes of a file and then holds the connection until `release()`.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeParquet } from '../core/data/testing/writeParquet';
import { tinyHfCheckpoint } from '../core/hf/testing/hfFixtures';

export interface HubTestRepo {
  kind: 'model' | 'dataset';
  id: string;
  /** Default main. */
  revision?: string;
  files: Record<string, Uint8Array | string>;
  /** Needs `Authorization: Bearer {token}` (a gated repository whose terms the token's owner accepted). */
  gatedToken?: string;
}

export interface HubRequestLog {
  method: string;
  path: string;
  range?: string;
  authorization?: string;
  status: number;
}

export interface HubTestServer {
  /** The origin, e.g. http://127.0.0.1:41234. */
  url: string;
  requests: HubRequestLog[];
  /** Close the connection after this many bytes of the file's next download (once per setting). */
  dropAfter: Map<string, number>;
  /** Send this many bytes of the file, then hold the connection until `release()`. */
  stallAt: Map<string, number>;
  /** Bytes per write and the pause between writes for LFS files (0: all at once). */
  throttle: { chunkBytes: number; delayMs: number };
  release(): void;
  close(): Promise<void>;
}

const LFS = /\.(safetensors|parquet)$/;
const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'Authorization, Range, Content-Type',
  'Access-Control-Expose-Headers':
    'Content-Range, Content-Length, ETag, X-Error-Code, X-Error-Message, X-Repo-Commit, Accept-Ranges',
  // The studio's page is cross-origin isolated (COEP require-corp); a CORS fetch needs nothing more, this is for
  // a test that loads a file without CORS.
  'Cross-Origin-Resource-Policy': 'cross-origin',
};

const bytesOf = (content: Uint8Array | string) =>
  typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);

const contentType = (file: string) =>
  file.endsWith('.json') ? 'application/json' : LFS.test(file) ? 'application/octet-stream' : 'text/plain';

export async function startHubServer(repos: readonly HubTestRepo[]): Promise<HubTestServer> {
  const requests: HubRequestLog[] = [];
  const dropAfter = new Map<string, number>();
  const stallAt = new Map<string, number>();
  const throttle = { chunkBytes: 0, delayMs: 0 };
  let waiting: (() => void)[] = [];
  const byKey = new Map(repos.map((r) => [`${r.kind}:${r.id}@${r.revision ?? 'main'}`, r]));
  /** CDN key → [file name, bytes]; the key is the content's hash, as the Hub's CDN names LFS objects. */
  const cdn = new Map<string, [string, Buffer]>();
  for (const repo of repos)
    for (const [name, content] of Object.entries(repo.files))
      if (LFS.test(name))
        cdn.set(createHash('sha256').update(bytesOf(content)).digest('hex'), [name, bytesOf(content)]);

  const sendError = (res: ServerResponse, status: number, code: string, message: string) => {
    res.writeHead(status, {
      ...CORS_HEADERS,
      'Content-Type': 'application/json',
      'X-Error-Code': code,
      'X-Error-Message': message,
    });
    res.end(JSON.stringify({ error: message }));
  };

  const serveBytes = async (req: IncomingMessage, res: ServerResponse, name: string, bytes: Buffer) => {
    const etag = `"${createHash('sha256').update(bytes).digest('hex')}"`;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    if (start > 0 && start >= bytes.length) {
      res.writeHead(416, { ...CORS_HEADERS, 'Content-Range': `bytes */${bytes.length}` });
      res.end();
      return;
    }
    const body = bytes.subarray(start);
    res.writeHead(range ? 206 : 200, {
      ...CORS_HEADERS,
      'Content-Type': contentType(name),
      'Content-Length': String(body.length),
      'Accept-Ranges': 'bytes',
      ETag: etag,
      ...(range ? { 'Content-Range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` } : {}),
    });
    const drop = dropAfter.get(name);
    if (drop !== undefined) dropAfter.delete(name);
    const stall = stallAt.get(name);
    if (stall !== undefined) stallAt.delete(name);
    const step = throttle.chunkBytes > 0 ? throttle.chunkBytes : body.length;
    for (let at = 0; at < body.length;) {
      let end = Math.min(body.length, at + step);
      const cut = drop ?? stall;
      if (cut !== undefined && at < cut - start && end > cut - start) end = cut - start;
      res.write(body.subarray(at, end));
      at = end;
      if (drop !== undefined && start + at >= drop) {
        // Flushed, then cut: the client has the bytes so far and a connection that ends without the rest.
        await new Promise((r) => setTimeout(r, 50));
        res.socket?.destroy();
        return;
      }
      if (stall !== undefined && start + at >= stall) {
        await new Promise<void>((r) => waiting.push(r));
        if (res.destroyed) return;
      }
      if (throttle.delayMs > 0 && at < body.length) await new Promise((r) => setTimeout(r, throttle.delayMs));
      if (res.destroyed) return;
    }
    res.end();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        ...CORS_HEADERS,
        'Access-Control-Allow-Methods': 'GET, HEAD',
        'Access-Control-Max-Age': '600',
      });
      res.end();
      return;
    }
    const cdnHit = /^\/cdn\/([0-9a-f]{64})$/.exec(path);
    if (cdnHit) {
      const object = cdn.get(cdnHit[1]!);
      if (!object) return sendError(res, 404, 'EntryNotFound', 'No such object.');
      return serveBytes(req, res, object[0], object[1]);
    }
    const tree = /^\/api\/(models|datasets)\/(.+?)\/tree\/([^/]+)$/.exec(path);
    const resolve = /^\/(datasets\/)?(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    const kind = tree ? (tree[1] === 'datasets' ? 'dataset' : 'model') : resolve?.[1] ? 'dataset' : 'model';
    const id = tree?.[2] ?? resolve?.[2];
    const revision = tree?.[3] ?? resolve?.[3];
    if (!id || !revision) return sendError(res, 404, 'NotFound', 'Not a Hub address.');
    const repo = byKey.get(`${kind}:${id}@${revision}`);
    if (!repo) {
      const anyRevision = repos.some((r) => r.kind === kind && r.id === id);
      return anyRevision
        ? sendError(res, 404, 'RevisionNotFound', `Invalid rev id: ${revision}`)
        : sendError(res, 401, 'RepoNotFound', 'Repository not found');
    }
    if (repo.gatedToken && req.headers.authorization !== `Bearer ${repo.gatedToken}`)
      return sendError(
        res,
        401,
        'GatedRepo',
        `Access to model ${id} is restricted. You must have access to it and be authenticated to access it. Please log in.`,
      );
    if (tree) {
      res.writeHead(200, { ...CORS_HEADERS, 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify(
          Object.entries(repo.files).map(([p, c]) => ({ type: 'file', oid: '0', path: p, size: bytesOf(c).length })),
        ),
      );
      return;
    }
    const file = resolve![4]!;
    const content = repo.files[file];
    if (content === undefined) return sendError(res, 404, 'EntryNotFound', `${file} does not exist on "${revision}"`);
    const bytes = bytesOf(content);
    if (LFS.test(file)) {
      res.writeHead(302, { ...CORS_HEADERS, Location: `/cdn/${createHash('sha256').update(bytes).digest('hex')}` });
      res.end();
      return;
    }
    return serveBytes(req, res, file, bytes);
  };

  const server: Server = createServer((req, res) => {
    res.on('finish', () =>
      requests.push({
        method: req.method ?? 'GET',
        path: req.url ?? '',
        range: req.headers.range,
        authorization: req.headers.authorization,
        status: res.statusCode,
      }),
    );
    res.on('close', () => {
      if (!res.writableFinished)
        requests.push({ method: req.method ?? 'GET', path: req.url ?? '', range: req.headers.range, status: -1 });
    });
    handle(req, res).catch(() => res.socket?.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const release = () => {
    const go = waiting;
    waiting = [];
    for (const r of go) r();
  };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    dropAfter,
    stallAt,
    throttle,
    release,
    close() {
      release();
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** The repositories both download tests use: a tiny GPT-2, the same gated, a sharded one, an Alpaca-shaped dataset. */
export function testHubRepos(options: { width?: number; layers?: number } = {}): {
  repos: HubTestRepo[];
  model: Record<string, Uint8Array | string>;
  sharded: Record<string, Uint8Array | string>;
  parquet: Uint8Array;
  gatedToken: string;
} {
  const model = {
    ...tinyHfCheckpoint({ architecture: 'gpt2', positions: 32, seed: 5, width: options.width, layers: options.layers })
      .files,
    'chat_template.jinja': '{% for m in messages %}{{ m.content }}{% endfor %}',
  };
  const sharded = tinyHfCheckpoint({ architecture: 'gpt2', positions: 32, shards: 2, seed: 6 }).files;
  const parquet = writeParquet([
    { name: 'instruction', type: 'string', values: ['Name a colour.', 'Add 2 and 3.', 'Say hello.'] },
    { name: 'input', type: 'string', values: ['', '', ''] },
    { name: 'output', type: 'string', values: ['Blue.', '5', 'Hello!'] },
  ]);
  const gatedToken = 'hf_testtoken_accepted';
  return {
    model,
    sharded,
    parquet,
    gatedToken,
    repos: [
      { kind: 'model', id: 'test-org/tiny-gpt2', files: model },
      { kind: 'model', id: 'test-org/tiny-gpt2', revision: 'v1', files: model },
      { kind: 'model', id: 'test-org/tiny-sharded', files: sharded },
      { kind: 'model', id: 'test-org/gated-gpt2', files: model, gatedToken },
      {
        kind: 'dataset',
        id: 'test-org/tiny-alpaca',
        files: { 'README.md': '# tiny alpaca', 'data/train-00000-of-00001.parquet': parquet },
      },
      {
        kind: 'dataset',
        id: 'test-org/split-alpaca',
        files: {
          'data/train-00000-of-00002.parquet': parquet,
          'data/train-00001-of-00002.parquet': parquet,
          'data/test-00000-of-00001.parquet': parquet,
        },
      },
    ],
  };
}
