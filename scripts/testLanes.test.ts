// Every test file runs in exactly one lane: the Vitest projects of vite.config.ts (pure, numerics, gpu), the interop
// config, or Playwright (e2e/). And the lane rule itself, tried on made-up files.
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import playwrightConfig from '../playwright.config';
import viteConfig from '../vite.config';
import interopConfig from '../vitest.interop.config';
import { importSpecifiers, laneOf, needsIsolation, splitPure, TEST_LANES, testFiles, testLanes } from './testLanes';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Every file in the repository named like a test or a spec, wherever it is (not node_modules, not dot folders). */
function everyTestLikeFile(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return everyTestLikeFile(path);
    return /\.(test|spec)\.[cm]?[jt]sx?$/.test(entry.name) ? [relative(root, path).split('\\').join('/')] : [];
  });
}

describe('test lanes', () => {
  const lanes = testLanes(root);
  const projects = (viteConfig.test?.projects ?? []) as { test: { name: string; include: string[] } }[];

  it('puts every Vitest file in exactly one lane, and every test-like file in Vitest or Playwright', () => {
    const laned = TEST_LANES.flatMap((lane) => lanes[lane]);
    expect(new Set(laned).size).toBe(laned.length);
    expect([...laned].sort()).toEqual(testFiles(root));
    const browser = everyTestLikeFile(root).filter((f) => !laned.includes(f));
    expect(browser.length).toBeGreaterThan(0);
    for (const file of browser) expect(file).toMatch(/^e2e\/[^/]+\.spec\.ts$/);
    expect(playwrightConfig.testDir).toBe('e2e');
    expect(playwrightConfig.testMatch).toBe('**/*.spec.ts');
  });

  it('the configs run exactly those lanes: pure, numerics and gpu in vite.config.ts, interop in its own', () => {
    const include = Object.fromEntries(projects.map((p) => [p.test.name, p.test.include]));
    expect(Object.keys(include)).toEqual(['pure', 'pure-isolated', 'numerics', 'gpu']);
    expect([...include.pure!, ...include['pure-isolated']!].sort()).toEqual(lanes.pure);
    expect(include.numerics).toEqual(lanes.numerics);
    expect(include.gpu).toEqual(lanes.gpu);
    expect(interopConfig.test?.include).toEqual(lanes.interop);
  });

  it('the pure files that mock, stub or hold stores keep their own module graph; only the rest share one', () => {
    const { shared, isolated } = splitPure(lanes.pure, root);
    expect(isolated).toContain('src/state/trainStore.test.ts');
    expect(isolated).toContain('src/state/modelSource.test.ts');
    expect(shared).toContain('src/core/data/parquet.test.ts');
    expect(projects.find((p) => p.test.name === 'pure')?.test).toMatchObject({ isolate: false });
    expect(needsIsolation('src/core/x.test.ts', "vi.mock('./y');")).toBe(true);
    expect(needsIsolation('src/core/x.test.ts', 'vi.useFakeTimers();')).toBe(true);
    expect(needsIsolation('src/ui/X.test.tsx', '')).toBe(true);
    expect(needsIsolation('src/storage/x.test.ts', '')).toBe(true);
    expect(needsIsolation('src/core/x.test.ts', "import { a } from './a';")).toBe(false);
  });

  it('sorts the known slow files where they belong, so a broken rule shows', () => {
    expect(lanes.gpu).toContain('src/core/kernels/webgpu/fusedOps.test.ts');
    expect(lanes.numerics).toContain('src/core/model/golden.test.ts');
    expect(lanes.pure).toContain('src/core/data/parquet.test.ts');
    expect(lanes.interop.every((f) => f.endsWith('.interop.test.ts'))).toBe(true);
  });
});

describe('laneOf', () => {
  // Split, or this very file would read as one that loads Dawn (a dynamic import counts wherever it is written).
  const DYNAMIC_WEBGPU = 'imp' + "ort('webgpu')";

  /** Writes `files` (path → source) under a fresh folder and gives the lane of its `x.test.ts`. */
  function laneOfProject(files: Record<string, string>, test = 'x.test.ts') {
    const dir = mkdtempSync(join(tmpdir(), 'lanes-'));
    for (const [path, source] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), source);
    }
    return laneOf(join(dir, test));
  }

  it('follows relative imports transitively to the slowest package reached', () => {
    expect(
      laneOfProject({
        'x.test.ts': "import { a } from './a';\n",
        'a.ts': "export * from './deep/b';\n",
        'deep/b.ts': "import * as tf from '@tensorflow/tfjs-core';\n",
      }),
    ).toBe('numerics');
    expect(
      laneOfProject({
        'x.test.ts': "import { a } from './a';\nimport { g } from './g';\n",
        'a.ts': "import '@tensorflow/tfjs-backend-cpu';\n",
        'g/index.ts': `export const g = () => ${DYNAMIC_WEBGPU};\n`,
      }),
    ).toBe('gpu');
    expect(
      laneOfProject({
        'x.test.ts': "import {\n  a,\n  b,\n} from './a.js';\n",
        'a.ts': "import { x } from '@tensorflow/tfjs-core';\n",
      }),
    ).toBe('numerics');
  });

  it('skips what does not run: type-only imports, import lines inside strings, other packages', () => {
    expect(
      laneOfProject({
        'x.test.ts': "import type { Tensor } from '@tensorflow/tfjs-core';\nimport { describe } from 'vitest';\n",
      }),
    ).toBe('pure');
    expect(laneOfProject({ 'x.test.ts': 'const code = "import * as tf from \'@tensorflow/tfjs-core\'";\n' })).toBe(
      'pure',
    );
    expect(
      laneOfProject({
        'x.test.ts': "export type { Tensor } from '@tensorflow/tfjs-core';\nimport { a } from './missing';\n",
      }),
    ).toBe('pure');
  });

  it('interop goes by name, whatever the file imports', () => {
    expect(
      laneOfProject({ 'x.interop.test.ts': "import * as tf from '@tensorflow/tfjs-core';\n" }, 'x.interop.test.ts'),
    ).toBe('interop');
  });

  it('reads static, re-export, side-effect and dynamic specifiers', () => {
    const source =
      "import a from './a';\nimport { b, type C } from \"./b\";\nexport { d } from './d';\nimport './e';\nconst f = await import('./f');\n";
    expect(importSpecifiers(source).sort()).toEqual(['./a', './b', './d', './e', './f']);
  });
});
