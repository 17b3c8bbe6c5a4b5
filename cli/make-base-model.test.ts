import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBaseTokenizer } from '../src/core/demo/pretrainCorpus';
import { loadCheckpoint } from '../src/core/model/checkpoint';
import { GPT_PRESETS } from '../src/core/model/config';
import { disposeGptParams } from '../src/core/model/gpt';
import { main } from './make-base-model';

describe('npm run make:base -- --micro', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'base-model-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('pretrains a micro model and writes a loadable checkpoint with the base tokenizer and a README', async () => {
    const logs: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => void logs.push(args.join(' '));
    try {
      await main(['--micro', '--out', dir, '--steps', '8']);
    } finally {
      console.log = log;
    }
    const bytes = new Uint8Array(readFileSync(join(dir, 'base.safetensors')));
    const ck = loadCheckpoint(bytes);
    try {
      expect(ck.config).toMatchObject({ ...GPT_PRESETS.micro, vocabSize: createBaseTokenizer().vocabSize });
      expect(ck.tokenizer.toJSON()).toEqual(createBaseTokenizer().toJSON());
      expect(ck.optimizerState).toBeUndefined();
      expect(ck.meta['base.steps']).toBe('8');
      expect(Number(ck.meta['base.heldOutLoss'])).toBeGreaterThan(0);
    } finally {
      disposeGptParams(ck.params);
    }
    expect(statSync(join(dir, 'base.safetensors')).size).toBeLessThan(8e6);
    // The loss curve is printed and goes down from ln(vocab) ≈ 4.1.
    const curve = logs.filter((l) => /^step +\d/.test(l)).map((l) => Number(/loss (\S+)/.exec(l)![1]));
    expect(curve.length).toBe(4);
    expect(curve[curve.length - 1]!).toBeLessThan(curve[0]!);
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(readme).toContain('npm run make:base -- --micro --out');
    expect(readme).toMatch(/\| time \| \*\*\d+ s\*\*/);
  }, 30_000);

  it('trains on another corpus mix when asked, and probes the operations of a written checkpoint', async () => {
    const logs: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => void logs.push(args.join(' '));
    const out = join(dir, 'ops');
    try {
      await main([
        '--micro',
        '--mix',
        'ops',
        '--out',
        out,
        '--steps',
        '4',
        '--layers',
        '1',
        '--width',
        '16',
        '--heads',
        '2',
      ]);
      await main(['--evaluate', join(out, 'base.safetensors'), '--probes', '3']);
    } finally {
      console.log = log;
    }
    const ck = loadCheckpoint(new Uint8Array(readFileSync(join(out, 'base.safetensors'))));
    try {
      expect(ck.meta['base.mix']).toBe('ops');
      expect(ck.config).toMatchObject({ layers: 1, width: 16, heads: 2 });
    } finally {
      disposeGptParams(ck.params);
    }
    const readme = readFileSync(join(out, 'README.md'), 'utf8');
    expect(readme).toContain('mix `ops`');
    expect(readme).toMatch(/\| reverse 5-6 \[L2\] \| \d+\/2 \|/);
    // --evaluate prints one line of scores: every operation, out of the asked number of probes.
    const line = logs.find((l) => l.startsWith(join(out, 'base.safetensors')))!;
    expect(line.match(/ \d\/3/g)?.length).toBe(8);
    await expect(main(['--micro', '--mix', 'nope', '--out', out])).rejects.toThrow(
      /--mix must be one of v1, ops, focus/,
    );
    // A second stage continues from those weights; a checkpoint of another shape is refused.
    logs.length = 0;
    console.log = (...args: unknown[]) => void logs.push(args.join(' '));
    try {
      // A learning rate of ~0: the written weights must be the ones continued from, not a fresh init.
      await main([
        '--micro',
        '--init',
        join(out, 'base.safetensors'),
        '--out',
        join(dir, 'stage2'),
        '--steps',
        '2',
        '--lr',
        '1e-12',
        '--layers',
        '1',
        '--width',
        '16',
        '--heads',
        '2',
      ]);
      await expect(
        main(['--micro', '--init', join(out, 'base.safetensors'), '--out', join(dir, 'stage3'), '--steps', '2']),
      ).rejects.toThrow(/shape or tokenizer differs/);
    } finally {
      console.log = log;
    }
    expect(
      logs.some((l) =>
        l.startsWith(`continuing from ${join(out, 'base.safetensors')} (npm run make:base -- --micro --mix ops`),
      ),
    ).toBe(true);
    const stage1 = loadCheckpoint(new Uint8Array(readFileSync(join(out, 'base.safetensors'))));
    const stage2 = loadCheckpoint(new Uint8Array(readFileSync(join(dir, 'stage2', 'base.safetensors'))));
    try {
      const a = stage1.params['wte']!.dataSync();
      const b = stage2.params['wte']!.dataSync();
      let maxDiff = 0;
      for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
      expect(maxDiff).toBeLessThan(1e-6);
    } finally {
      disposeGptParams(stage1.params);
      disposeGptParams(stage2.params);
    }
    expect(stage2.meta['base.init']).toBe(join(out, 'base.safetensors'));
  }, 30_000);

  it("runs the recipe's two stages in one command, the same weights as the two stages run one by one", async () => {
    const quiet = console.log;
    console.log = () => undefined;
    const whole = join(dir, 'recipe');
    const one = join(dir, 'one');
    const two = join(dir, 'two');
    try {
      await main(['--micro', '--out', whole]);
      await main(['--micro', '--steps', '6', '--out', one]);
      await main(['--micro', '--init', join(one, 'base.safetensors'), '--mix', 'ops', '--lr', '2e-3', '--out', two]);
    } finally {
      console.log = quiet;
    }
    const a = loadCheckpoint(new Uint8Array(readFileSync(join(whole, 'base.safetensors'))));
    const b = loadCheckpoint(new Uint8Array(readFileSync(join(two, 'base.safetensors'))));
    const s1 = loadCheckpoint(new Uint8Array(readFileSync(join(one, 'base.safetensors'))));
    try {
      expect(Object.keys(a.params).sort()).toEqual(Object.keys(b.params).sort());
      for (const name of Object.keys(a.params))
        expect(Array.from(a.params[name]!.dataSync()), name).toEqual(Array.from(b.params[name]!.dataSync()));
      // Stage 2 moved the weights (it is not stage 1 written twice).
      expect(Array.from(a.params['wte']!.dataSync())).not.toEqual(Array.from(s1.params['wte']!.dataSync()));
      expect(a.meta['base.mix']).toBe('ops');
      expect(a.meta['base.stages']).toBe('1: mix v1, 6 steps, peak LR 0.003; 2: mix ops, 6 steps, peak LR 0.002');
      expect(a.meta['base.command']).toBe(`npm run make:base -- --micro --out ${whole}`);
    } finally {
      for (const ck of [a, b, s1]) disposeGptParams(ck.params);
    }
    const readme = readFileSync(join(whole, 'README.md'), 'utf8');
    expect(readme).toMatch(/\| stage 1 \| mix `v1`, 6 steps of 4 rows/);
    expect(readme).toMatch(
      /\| stage 2 \| mix `ops`, 6 steps of 4 rows.*peak LR 0\.002, continuing from the previous stage/,
    );
    expect(readme).toContain('| stage | step | train loss | held-out loss |');
  }, 60_000);
});
