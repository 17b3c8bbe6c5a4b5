import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyHfCheckpoint } from '../src/core/hf/testing/hfFixtures';
import type { RunEvent } from '../src/core/train/events';
import { main } from './train';

/** A dataset of scored records: phases at the default cut-offs 1.5 / 3.5 get records of levels 1, 2–3 and 4–5. */
function records(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    instruction: `add ${i % 7} and ${i % 5}`,
    input: '',
    output: String((i % 7) + (i % 5)),
    level: 1 + (i % 5),
  }));
}

describe('npm run train -- --model <Hugging Face folder>', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'train-hf-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts from a GPT-2 folder (config.json, model.safetensors, tokenizer files), trains a step and reports its loss', async () => {
    const fx = tinyHfCheckpoint({ architecture: 'gpt2', positions: 64 });
    const folder = join(dir, 'tiny-gpt2');
    mkdirSync(folder);
    for (const [name, content] of Object.entries(fx.files)) writeFileSync(join(folder, name), content);
    writeFileSync(join(folder, 'README.md'), 'not part of the model');
    writeFileSync(join(dir, 'data.json'), JSON.stringify(records(40)));
    const config = {
      dataset: 'data.json',
      outDir: 'out',
      backend: 'cpu',
      heldOut: { fraction: 0.1, seed: 0, maxPerPhase: 2 },
      arms: [{ kind: 'one-off' }],
      run: {
        seed: 1,
        logEvery: 1,
        evalEvery: 0,
        template: 'paper',
        contextLength: 48,
        hyper: { lr: 0.001, epochsPerPhase: 1, batchSize: 4 },
      },
    };
    writeFileSync(join(dir, 'run.json'), JSON.stringify(config));

    const logs: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => void logs.push(args.join(' '));
    try {
      await main(['--config', join(dir, 'run.json'), '--model', folder, '--max-steps', '1']);
    } finally {
      console.log = log;
    }

    // The model is the folder's, read by the studio's importer: its sizes and its 277-id BPE, not the preset's.
    expect(logs.join('\n')).toMatch(/model: tiny-gpt2 .*"width":16.*tokenizer bpe \(277 ids\)/);
    expect(logs.join('\n')).toMatch(/Weights from tiny-gpt2 \(gpt2, 2 layers × 16, vocabulary 277\)/);
    const armDir = join(dir, 'out', 'one-off');
    const run = JSON.parse(readFileSync(join(armDir, 'run.json'), 'utf8')) as {
      model: { width: number; vocabSize: number };
      hfModel: string;
    };
    expect(run.model).toMatchObject({ width: 16, vocabSize: 277 });
    expect(run.hfModel).toBe(folder);

    const events = readFileSync(join(armDir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as RunEvent);
    const steps = events.filter((e) => e.type === 'step');
    expect(steps).toHaveLength(1);
    const step = steps[0] as Extract<RunEvent, { type: 'step' }>;
    expect(step.step).toBe(1);
    expect(step.tokensSeen).toBeGreaterThan(0);
    // The fixture's random weights (std 0.3–0.5, not GPT-2's 0.02) give a loss above ln(277) ≈ 5.6 (7.3 here).
    expect(step.loss).toBeGreaterThan(5);
    expect(step.loss).toBeLessThan(10);
    expect(logs.some((l) => /\[one-off\] phase 1 step 1 loss \d+\.\d{4}/.test(l))).toBe(true);
  }, 60_000);

  it('refuses a folder that lacks a part, naming it', async () => {
    const folder = join(dir, 'no-tokenizer');
    mkdirSync(folder);
    const fx = tinyHfCheckpoint({ architecture: 'gpt2', noTokenizer: true });
    for (const [name, content] of Object.entries(fx.files)) writeFileSync(join(folder, name), content);
    await expect(main(['--config', join(dir, 'run.json'), '--model', folder])).rejects.toThrow(
      /lacks tokenizer\.json \(or vocab\.json \+ merges\.txt\)/,
    );
  });
});
