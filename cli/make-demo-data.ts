/**
 * Writes the built-in demo suite the studio ships:
 *   public/demo/demo-suite.json       600 records per level × 5 levels (Alpaca JSON array + `level` + `task`)
 *   public/demo/demo-length-ood.json  100 per level, every input longer than any in the suite (for evaluation)
 *
 * Both files are generated, deterministic by seed, and committed; regenerate them with `npm run make:demo`
 * (= `npx tsx cli/make-demo-data.ts`) after changing src/core/demo/. The generator lives in src/core/demo/suite.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_DEMO_SEED, demoSuiteToJson, generateDemoSuite } from '../src/core/demo/suite';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'public', 'demo');
mkdirSync(outDir, { recursive: true });

const files = [
  { name: 'demo-suite.json', items: generateDemoSuite({ seed: DEFAULT_DEMO_SEED, perLevel: 600 }) },
  {
    name: 'demo-length-ood.json',
    items: generateDemoSuite({ seed: DEFAULT_DEMO_SEED, perLevel: 100, variant: 'length-ood' }),
  },
];

for (const { name, items } of files) {
  const text = demoSuiteToJson(items);
  const path = join(outDir, name);
  writeFileSync(path, text);
  const bytes = Buffer.byteLength(text);
  if (bytes >= 1_000_000) throw new Error(`${name} is ${bytes} bytes; the shipped demo must stay under 1 MB`);
  console.log(`wrote ${path}: ${items.length} records, ${(bytes / 1024).toFixed(0)} KiB`);
}
