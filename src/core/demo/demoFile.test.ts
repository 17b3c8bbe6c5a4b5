import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDataset } from '../data/parseDataset';
import { DEFAULT_DEMO_SEED, demoSuiteToJson, generateDemoSuite } from './suite';

const publicFile = (name: string): string => fileURLToPath(new URL(`../../../public/demo/${name}`, import.meta.url));

describe('the shipped demo files', () => {
  it('are exactly what `npm run make:demo` writes (regenerate them after changing the generator)', () => {
    expect(readFileSync(publicFile('demo-suite.json'), 'utf8')).toBe(
      demoSuiteToJson(generateDemoSuite({ seed: DEFAULT_DEMO_SEED, perLevel: 600 })),
    );
    expect(readFileSync(publicFile('demo-length-ood.json'), 'utf8')).toBe(
      demoSuiteToJson(generateDemoSuite({ seed: DEFAULT_DEMO_SEED, perLevel: 100, variant: 'length-ood' })),
    );
  });

  it('read through the dataset reader with the level as score and the task in meta', async () => {
    const bytes = new Uint8Array(readFileSync(publicFile('demo-suite.json')));
    const parsed = await parseDataset(bytes, 'demo-suite.json');
    expect(parsed.report.accepted).toBe(3000);
    expect(parsed.report.rejected).toEqual([]);
    const items = generateDemoSuite({ seed: DEFAULT_DEMO_SEED, perLevel: 600 });
    expect(parsed.records.map((r) => r.score)).toEqual(items.map((it) => it.level));
    expect(parsed.records[0]).toMatchObject({
      instruction: items[0]!.instruction,
      input: items[0]!.input,
      output: items[0]!.output,
      meta: { task: items[0]!.task },
    });
  });
});
