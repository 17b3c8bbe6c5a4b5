/**
 * Which lane each Vitest file runs in, read from what it imports, so a file lands in the right lane wherever it is
 * moved and no list needs keeping:
 *
 * - interop: `*.interop.test.ts`, the checks against the Python reference stack (vitest.interop.config.ts).
 * - gpu: reaches the `webgpu` package (Dawn, through src/core/kernels/webgpu/dawnNode.ts): WebGPU on SwiftShader.
 * - numerics: reaches `@tensorflow/*` (tfjs on its cpu and wasm backends in Node).
 * - pure: everything else (data readers, phases, runs, stores, UI helpers, component tests): seconds per file.
 *
 * "Reaches" follows static and dynamic imports with a literal specifier through relative paths, transitively;
 * `import type` is skipped (erased before it runs). The browser lane (Playwright, e2e/) is not Vitest's.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export const TEST_LANES = ['pure', 'numerics', 'gpu', 'interop'] as const;
export type TestLane = (typeof TEST_LANES)[number];

/** The folders holding Vitest files, and how a test file's name ends. */
const TEST_ROOTS = ['src', 'cli', 'scripts'];
const TEST_FILE = /\.test\.tsx?$/;
const INTEROP_FILE = /\.interop\.test\.ts$/;

/** Module specifiers that put a file in a slow lane, the slowest first. */
const LANE_OF_PACKAGE: [RegExp, TestLane][] = [
  [/^webgpu$/, 'gpu'],
  [/^@tensorflow\//, 'numerics'],
];

/**
 * The specifiers a module loads when it runs: `import … from`, `export … from`, `import '…'` at the start of a line
 * (so import lines quoted inside a test's strings do not count), and `import('…')` anywhere.
 */
const STATIC_IMPORT =
  /^[ \t]*(?:import|export)(?![ \t]+type[ \t{*])[^'";]*?\bfrom[ \t]*['"]([^'"]+)['"]|^[ \t]*import[ \t]*['"]([^'"]+)['"]/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

export function importSpecifiers(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(STATIC_IMPORT)) found.push((m[1] ?? m[2])!);
  for (const m of source.matchAll(DYNAMIC_IMPORT)) found.push(m[1]!);
  return found;
}

const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.mjs', '.js'];

/** The file a relative specifier names, as Vite resolves it (extension optional, `.js` for `.ts`, `index.*`). */
function resolveRelative(fromFile: string, specifier: string): string | undefined {
  const base = resolve(dirname(fromFile), specifier);
  const candidates = [
    base,
    ...SOURCE_EXTENSIONS.map((ext) => base + ext),
    ...(/\.js$/.test(base) ? [base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx')] : []),
    ...SOURCE_EXTENSIONS.map((ext) => join(base, `index${ext}`)),
  ];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

const SLOWNESS: Record<TestLane, number> = { pure: 0, numerics: 1, gpu: 2, interop: 3 };

/** Follows one test file's imports; the lane of the slowest package it reaches. Interop goes by name. */
export function laneOf(
  testFile: string,
  readSource: (file: string) => string = (f) => readFileSync(f, 'utf8'),
): TestLane {
  if (INTEROP_FILE.test(testFile)) return 'interop';
  let lane: TestLane = 'pure';
  const seen = new Set<string>();
  const pending = [resolve(testFile)];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of importSpecifiers(readSource(file))) {
      if (specifier.startsWith('.')) {
        const target = resolveRelative(file, specifier);
        if (target && SOURCE_EXTENSIONS.some((ext) => target.endsWith(ext))) pending.push(target);
        continue;
      }
      const slow = LANE_OF_PACKAGE.find(([pattern]) => pattern.test(specifier))?.[1];
      if (slow && SLOWNESS[slow] > SLOWNESS[lane]) lane = slow;
    }
    if (lane === 'gpu') break;
  }
  return lane;
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) return [];
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : [path];
  });
}

/** Every Vitest file in the project, relative to `root`, in a stable order. */
export function testFiles(root: string = process.cwd()): string[] {
  return TEST_ROOTS.flatMap((dir) => walk(join(root, dir)))
    .filter((f) => TEST_FILE.test(f))
    .map((f) => relative(root, f).split('\\').join('/'))
    .sort();
}

/**
 * Pure files that change what the next file in the same process would see: module mocks, stubbed globals, fake
 * timers, the stores' and storage's singletons, a DOM. They keep a fresh module graph each; the rest of the pure lane
 * shares one per worker (Vitest's `isolate: false`, a quarter of the time), which is safe because they only call.
 */
const CHANGES_SHARED_STATE = /\bvi\.(mock|doMock|stubGlobal|stubEnv|useFakeTimers|spyOn)\b/;
const STATEFUL_FOLDER = /^src\/(state|storage)\//;

export function needsIsolation(file: string, source: string): boolean {
  return file.endsWith('.tsx') || STATEFUL_FOLDER.test(file) || CHANGES_SHARED_STATE.test(source);
}

/** Each lane's test files (relative to `root`): every test file in exactly one lane. */
export function testLanes(root: string = process.cwd()): Record<TestLane, string[]> {
  const sources = new Map<string, string>();
  const read = (file: string) => {
    let text = sources.get(file);
    if (text === undefined) sources.set(file, (text = readFileSync(file, 'utf8')));
    return text;
  };
  const lanes: Record<TestLane, string[]> = { pure: [], numerics: [], gpu: [], interop: [] };
  for (const file of testFiles(root)) lanes[laneOf(join(root, file), read)].push(file);
  return lanes;
}

/** The pure lane in two parts: the files that may share one module graph, and those that each need their own. */
export function splitPure(
  pure: readonly string[],
  root: string = process.cwd(),
): { shared: string[]; isolated: string[] } {
  const isolated = pure.filter((file) => needsIsolation(file, readFileSync(join(root, file), 'utf8')));
  return { shared: pure.filter((file) => !isolated.includes(file)), isolated };
}
