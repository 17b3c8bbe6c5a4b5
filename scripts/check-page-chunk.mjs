#!/usr/bin/env node
// tfjs runs in the workers only: the page's own chunks (the entry in dist/index.html and every chunk it imports, but
// not the workers it starts) must not contain it. Prints each chunk of a build, page and workers, raw and gzip, and
// fails naming the page chunk and the tfjs marker found in it. Run after `vite build`: `node scripts/check-page-chunk.mjs [dist]`.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

/**
 * Strings only tfjs carries, even minified: the global key tfjs-core keeps its engine under, two of the engine's
 * own error messages, and a flag every WebGL backend registers.
 */
export const TFJS_MARKERS = [
  '_tfengine',
  'Values passed to engine.makeTensor()',
  'not registered for backend',
  'WEBGL_PACK',
];

/** Chunk file names (under assets/) a chunk refers to, split into workers it starts and modules it imports. */
export function chunkReferences(code) {
  const workers = new Set();
  const imports = new Set();
  const reference = /(new Worker\(new URL\()?[`'"](?:\.\/|\/?(?:[^`'"\s]*\/)?assets\/)([\w.-]+\.js)[`'"]/g;
  for (const [, worker, file] of code.matchAll(reference)) (worker ? workers : imports).add(file);
  return { workers: [...workers], imports: [...imports] };
}

/** The page's chunks and the workers' entry chunks of the build in `dist`, found from dist/index.html. */
export function buildChunks(dist) {
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const entries = [...html.matchAll(/<(?:script|link)\b[^>]*?(?:src|href)="[^"]*?assets\/([\w.-]+\.js)"/g)].map(
    (m) => m[1],
  );
  if (entries.length === 0)
    throw new Error(`${join(dist, 'index.html')} names no script under assets/: is this a Vite build?`);
  const page = new Set();
  const workers = new Set();
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.shift();
    if (page.has(file)) continue;
    page.add(file);
    const refs = chunkReferences(readFileSync(join(dist, 'assets', file), 'utf8'));
    refs.workers.forEach((w) => workers.add(w));
    queue.push(...refs.imports.filter((f) => existsSync(join(dist, 'assets', f))));
  }
  return { page: [...page], workers: [...workers].sort() };
}

/** Every chunk of the build with its size, and the tfjs markers found in each page chunk. */
export function checkBuild(dist) {
  const { page, workers } = buildChunks(dist);
  const chunks = [
    ...page.map((file) => ({ kind: 'page', file })),
    ...workers.map((file) => ({ kind: 'worker', file })),
  ].map(({ kind, file }) => {
    const bytes = readFileSync(join(dist, 'assets', file));
    const text = kind === 'page' ? bytes.toString('utf8') : '';
    // gzip at zlib's default level; Vite's own gzip column differs by about 1 %.
    return {
      kind,
      file,
      raw: bytes.length,
      gzip: gzipSync(bytes).length,
      tfjs: TFJS_MARKERS.filter((m) => text.includes(m)),
    };
  });
  return chunks;
}

const kB = (n) => `${(n / 1000).toFixed(2)} kB`;

function main() {
  const dist = process.argv[2] ?? 'dist';
  const chunks = checkBuild(dist);
  console.log(`${'chunk'.padEnd(44)} ${'raw'.padStart(12)} ${'gzip'.padStart(12)}`);
  for (const c of chunks)
    console.log(`${`${c.kind.padEnd(7)} ${c.file}`.padEnd(44)} ${kB(c.raw).padStart(12)} ${kB(c.gzip).padStart(12)}`);
  const bad = chunks.filter((c) => c.tfjs.length > 0);
  if (bad.length > 0) {
    const lines = bad.map(
      (c) => `${join(dist, 'assets', c.file)} contains tfjs (${c.tfjs.map((m) => JSON.stringify(m)).join(', ')})`,
    );
    console.error(
      `\nThe page chunk must not contain tfjs:\n  ${lines.join('\n  ')}\nSomething the page imports (ui/ or state/, directly or through core/) pulls in @tensorflow/*: move that work into a worker, or import types only.`,
    );
    process.exit(1);
  }
  const pages = chunks.filter((c) => c.kind === 'page').length;
  console.log(`\nNo tfjs in the page (${pages} chunk${pages === 1 ? '' : 's'}); ${chunks.length - pages} workers.`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
