import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain Node script, without type declarations
import { checkBuild } from './check-page-chunk.mjs';

interface Chunk {
  kind: 'page' | 'worker';
  file: string;
  raw: number;
  gzip: number;
  tfjs: string[];
}

/** A minimal Vite-like build: index.html → entry chunk, which lazily imports one chunk and starts one worker. */
function fakeBuild(lazy: string, worker: string): string {
  const dist = mkdtempSync(join(tmpdir(), 'page-chunk-'));
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'index.html'), '<script type="module" crossorigin src="/assets/index-abc.js"></script>');
  writeFileSync(
    join(dist, 'assets', 'index-abc.js'),
    'new Worker(new URL(`/assets/trainWorker-w1.js`,``+import.meta.url),{type:`module`});()=>import(`./lazy-l1.js`);',
  );
  writeFileSync(join(dist, 'assets', 'lazy-l1.js'), lazy);
  writeFileSync(join(dist, 'assets', 'trainWorker-w1.js'), worker);
  return dist;
}

describe('check-page-chunk', () => {
  it('follows the page from index.html through its imports, and lists the workers apart', () => {
    const chunks: Chunk[] = checkBuild(fakeBuild('export const x = 1;', 'self._tfengine = {};'));
    expect(chunks.map((c) => [c.kind, c.file])).toEqual([
      ['page', 'index-abc.js'],
      ['page', 'lazy-l1.js'],
      ['worker', 'trainWorker-w1.js'],
    ]);
    // tfjs in a worker is where it belongs.
    expect(chunks.every((c) => c.tfjs.length === 0)).toBe(true);
    expect(chunks[0]!.raw).toBeGreaterThan(0);
    expect(chunks[0]!.gzip).toBeGreaterThan(0);
  });

  it('finds tfjs in any page chunk, naming the chunk and the marker', () => {
    const chunks: Chunk[] = checkBuild(fakeBuild('globalThis._tfengine ??= new Engine();', ''));
    expect(chunks.filter((c) => c.tfjs.length > 0).map((c) => [c.file, c.tfjs])).toEqual([
      ['lazy-l1.js', ['_tfengine']],
    ]);
  });
});
