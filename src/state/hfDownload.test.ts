import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HfImportError } from '../core/hf/files';
import { OPTIONAL_MODEL_FILES } from '../core/hf/hubFiles';
import { parseHubId } from '../core/hf/hubId';
import { startHubServer, testHubRepos, type HubTestServer } from '../testing/hubServer.node';
import { hubReadNotes } from './datasetStore';
import { downloadHubDataset, downloadHubModel, memoryDownloadStore, type DownloadProgress } from './hfDownload';

const hub = testHubRepos();
let server: HubTestServer;
beforeAll(async () => {
  server = await startHubServer(hub.repos);
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  server.dropAfter.clear();
  server.stallAt.clear();
});

const asBytes = (c: Uint8Array | string) => (typeof c === 'string' ? new TextEncoder().encode(c) : c);
const noWait = { retryDelayMs: () => 0 };
const cdnRequests = () => server.requests.filter((r) => r.path.startsWith('/cdn/'));

describe('a model from the Hub by id', () => {
  it('follows the LFS redirect, reads the optional files that are there and skips the others', async () => {
    const store = memoryDownloadStore();
    const seen: DownloadProgress[] = [];
    const files = await downloadHubModel(server.url, parseHubId('test-org/tiny-gpt2'), (p) => seen.push(p), {
      store,
      ...noWait,
    });
    // tokenizer.json is there, so vocab.json + merges.txt (the second choice) are not asked for.
    expect(Object.keys(files).sort()).toEqual(
      Object.keys(hub.model)
        .filter((n) => n !== 'merges.txt' && n !== 'vocab.json')
        .sort(),
    );
    expect(files).toHaveProperty('chat_template.jinja');
    for (const [name, bytes] of Object.entries(files))
      expect(new Uint8Array(bytes), name).toEqual(asBytes(hub.model[name]!));
    const weights = server.requests.filter((r) => r.path.endsWith('/model.safetensors'));
    expect(weights.map((r) => r.status)).toEqual([302]);
    expect(cdnRequests().map((r) => r.status)).toEqual([200]);
    // The optional files the repository lacks: asked, 404, skipped.
    expect(server.requests.filter((r) => r.status === 404).map((r) => r.path.split('/').pop())).toEqual(
      OPTIONAL_MODEL_FILES.filter((n) => !(n in hub.model)),
    );
    expect(OPTIONAL_MODEL_FILES.filter((n) => !(n in hub.model)).length).toBeGreaterThan(0);
    expect(seen.some((p) => p.file === 'model.safetensors' && p.loaded === p.total && !p.fromCache)).toBe(true);

    // Again with the same store: nothing is downloaded twice.
    server.requests.length = 0;
    await downloadHubModel(server.url, parseHubId('test-org/tiny-gpt2'), () => {}, { store, ...noWait });
    expect(server.requests.filter((r) => r.status === 200 || r.status === 302)).toEqual([]);
  });

  it('a revision, and sharded weights through their index', async () => {
    const v1 = await downloadHubModel(server.url, parseHubId('test-org/tiny-gpt2@v1'), () => {}, {
      store: memoryDownloadStore(),
    });
    expect(server.requests[0]!.path).toBe('/test-org/tiny-gpt2/resolve/v1/config.json');
    expect(Object.keys(v1)).toContain('model.safetensors');
    const files = await downloadHubModel(server.url, parseHubId('test-org/tiny-sharded'), () => {}, {
      store: memoryDownloadStore(),
    });
    const shards = Object.keys(hub.sharded).filter((n) => n.endsWith('.safetensors'));
    expect(shards).toHaveLength(2);
    for (const s of shards) expect(new Uint8Array(files[s]!)).toEqual(asBytes(hub.sharded[s]!));
  });

  it('a gated repository asks for the terms and a token; the token opens it', async () => {
    const gated = parseHubId('test-org/gated-gpt2');
    const error = await downloadHubModel(server.url, gated, () => {}, { store: memoryDownloadStore() }).catch((e) => e);
    expect(error).toBeInstanceOf(HfImportError);
    expect((error as HfImportError).file).toBe('config.json');
    expect((error as Error).message).toContain(
      `${server.url}/test-org/gated-gpt2 is a gated or private repository (HTTP 401)`,
    );
    expect((error as Error).message).toContain(`accept its terms on ${server.url}/test-org/gated-gpt2`);
    expect((error as Error).message).toContain('access token');

    const wrong = await downloadHubModel(server.url, gated, () => {}, {
      store: memoryDownloadStore(),
      token: 'hf_nope',
    }).catch((e) => e);
    expect((wrong as Error).message).toMatch(/refused the access token/);

    server.requests.length = 0;
    const files = await downloadHubModel(server.url, gated, () => {}, {
      store: memoryDownloadStore(),
      token: hub.gatedToken,
    });
    expect(new Uint8Array(files['model.safetensors']!)).toEqual(asBytes(hub.model['model.safetensors']!));
    expect(server.requests.every((r) => r.authorization === `Bearer ${hub.gatedToken}`)).toBe(true);
  });

  it('an unknown repository, revision and a repository without config.json each say so', async () => {
    const none = await downloadHubModel(server.url, parseHubId('nobody/nothing'), () => {}, {
      store: memoryDownloadStore(),
    }).catch((e) => e);
    expect((none as Error).message).toMatch(/No such repository at .*nobody\/nothing .*HTTP 401.*private/);
    const rev = await downloadHubModel(server.url, parseHubId('test-org/tiny-gpt2@v9'), () => {}, {
      store: memoryDownloadStore(),
    }).catch((e) => e);
    expect((rev as Error).message).toMatch(/No such revision/);
    const dataset = await downloadHubModel(server.url, parseHubId('test-org/tiny-alpaca'), () => {}, {
      store: memoryDownloadStore(),
    }).catch((e) => e);
    expect((dataset as Error).message).toMatch(/No such repository/);
  });

  it('a connection dropped mid-file goes on with a Range request from the bytes that came', async () => {
    const size = asBytes(hub.model['model.safetensors']!).length;
    const cut = Math.floor(size / 3);
    server.dropAfter.set('model.safetensors', cut);
    const files = await downloadHubModel(server.url, parseHubId('test-org/tiny-gpt2'), () => {}, {
      store: memoryDownloadStore(),
      pieceBytes: 1024,
      ...noWait,
    });
    expect(new Uint8Array(files['model.safetensors']!)).toEqual(asBytes(hub.model['model.safetensors']!));
    const cdn = cdnRequests();
    expect(cdn.map((r) => r.status)).toEqual([-1, 206]);
    expect(cdn[1]!.range).toBe(`bytes=${cut}-`);
  });

  it('after a reload (a new download with the same store) only the missing bytes are asked for', async () => {
    const size = asBytes(hub.model['model.safetensors']!).length;
    const stall = Math.floor(size / 2);
    server.stallAt.set('model.safetensors', stall);
    const store = memoryDownloadStore();
    const abort = new AbortController();
    let kept = 0;
    const first = downloadHubModel(
      server.url,
      parseHubId('test-org/tiny-gpt2'),
      (p) => {
        if (p.file !== 'model.safetensors') return;
        kept = p.kept;
        if (p.loaded >= stall) abort.abort(); // the page goes away with the file half there
      },
      { store, pieceBytes: 1024, signal: abort.signal, ...noWait },
    );
    await expect(first).rejects.toMatchObject({ name: 'AbortError' });
    server.release();
    await expect.poll(() => cdnRequests().some((r) => r.status === -1)).toBe(true); // the stalled answer, closed
    const url = `${server.url}/test-org/tiny-gpt2/resolve/main/model.safetensors`;
    const pieces = store.pieces.get(url) ?? [];
    const keptBytes = pieces.reduce((n, p) => n + p.length, 0);
    expect(keptBytes).toBe(stall); // a cancel keeps everything that came, not only whole pieces
    expect(kept).toBeGreaterThanOrEqual(stall - 1024);

    server.requests.length = 0;
    const seen: DownloadProgress[] = [];
    const files = await downloadHubModel(server.url, parseHubId('test-org/tiny-gpt2'), (p) => seen.push(p), {
      store,
      pieceBytes: 1024,
      ...noWait,
    });
    expect(new Uint8Array(files['model.safetensors']!)).toEqual(asBytes(hub.model['model.safetensors']!));
    expect(cdnRequests().map((r) => [r.status, r.range])).toEqual([[206, `bytes=${stall}-`]]);
    expect(seen.find((p) => p.file === 'model.safetensors')?.resumedFrom).toBe(stall);
    expect(store.pieces.has(url)).toBe(false); // finished: the pieces make way for the whole file
  });

  it('kept bytes of another version of the file are dropped and the file comes whole', async () => {
    const store = memoryDownloadStore();
    const url = `${server.url}/test-org/tiny-gpt2/resolve/main/model.safetensors`;
    await store.addPiece(url, 0, new Uint8Array(100).fill(7), '"an-older-etag"');
    const files = await downloadHubModel(server.url, parseHubId('test-org/tiny-gpt2'), () => {}, { store, ...noWait });
    expect(new Uint8Array(files['model.safetensors']!)).toEqual(asBytes(hub.model['model.safetensors']!));
    expect(cdnRequests().map((r) => [r.status, r.range])).toEqual([
      [206, 'bytes=100-'],
      [200, undefined],
    ]);
  });
});

describe('a dataset from the Hub by id', () => {
  it('lists its Parquet files through the tree API and downloads them', async () => {
    const files = await downloadHubDataset(server.url, parseHubId('datasets/test-org/tiny-alpaca'), () => {}, {
      store: memoryDownloadStore(),
    });
    expect(files.map((f) => f.path)).toEqual(['data/train-00000-of-00001.parquet']);
    let listed: string[] = [];
    await downloadHubDataset(server.url, parseHubId('datasets/test-org/split-alpaca'), () => {}, {
      store: memoryDownloadStore(),
      maxFiles: 1,
      listed: (paths) => (listed = paths),
    });
    // train split first, each group in name order
    expect(listed).toEqual([
      'data/train-00000-of-00002.parquet',
      'data/train-00001-of-00002.parquet',
      'data/test-00000-of-00001.parquet',
    ]);
    expect(new Uint8Array(files[0]!.bytes)).toEqual(hub.parquet);
    expect(server.requests[0]!.path).toBe('/api/datasets/test-org/tiny-alpaca/tree/main?recursive=true');
    const none = await downloadHubDataset(server.url, parseHubId('datasets/test-org/nothing'), () => {}, {
      store: memoryDownloadStore(),
    }).catch((e) => e);
    expect((none as Error).message).toMatch(/No such repository/);
    const model = await downloadHubDataset(server.url, parseHubId('test-org/tiny-gpt2', 'dataset'), () => {}, {
      store: memoryDownloadStore(),
    }).catch((e) => e);
    expect((model as Error).message).toMatch(/No such repository/);
  });
});

describe('what a Hub dataset load read', () => {
  it('names the Parquet files it did not read, and says nothing when it read the only one', () => {
    expect(hubReadNotes('o/d', 'a.parquet', ['a.parquet'])).toEqual([]);
    const [note] = hubReadNotes('o/d', 'train-0.parquet', ['train-0.parquet', 'train-1.parquet', 'test.parquet']);
    expect(note).toContain(
      'Read train-0.parquet of o/d, one of its 3 Parquet files; not read: train-1.parquet, test.parquet.',
    );
    const many = hubReadNotes('o/d', 'p0', ['p0', 'p1', 'p2', 'p3', 'p4', 'p5']);
    expect(many[0]).toContain('p1, p2, p3, … (5 in all)');
  });
});
