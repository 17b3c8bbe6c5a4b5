import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  aggregate,
  main,
  mergeExperiments,
  parseArmList,
  renderMarkdown,
  type ExperimentResult,
  type RunResult,
} from './experiment';
import { makeBaseModel, MICRO_DEFAULTS } from '../src/core/demo/baseModel';
import { setNodeBackend } from '../src/core/kernels/nodeBackends';

describe('parseArmList', () => {
  it('reads the four arms and custom orders, and refuses anything else', () => {
    expect(parseArmList('one-off, easy-to-hard,hard-to-easy,random-stages')).toEqual([
      { kind: 'one-off' },
      { kind: 'easy-to-hard' },
      { kind: 'hard-to-easy' },
      { kind: 'random-stages' },
    ]);
    expect(parseArmList('2-1-3,custom-3-1')).toEqual([
      { kind: 'custom', order: [2, 1, 3] },
      { kind: 'custom', order: [3, 1] },
    ]);
    expect(() => parseArmList('phased')).toThrow(/Unknown arm "phased"/);
  });
});

describe('aggregate', () => {
  const run = (arm: string, seed: number, em1: number, loss: number): RunResult =>
    ({
      arm,
      seed,
      exactMatch: {
        buckets: [
          { bucket: '1', n: 10, correct: em1 * 10, rate: em1, correctNormalized: em1 * 10, rateNormalized: em1 },
        ],
        overall: {
          bucket: 'all',
          n: 10,
          correct: em1 * 10,
          rate: em1,
          correctNormalized: em1 * 10,
          rateNormalized: em1,
        },
      },
      ood: {
        buckets: [],
        overall: { bucket: 'all', n: 0, correct: 0, rate: NaN, correctNormalized: 0, rateNormalized: NaN },
      },
      heldOutLoss: { buckets: [{ bucket: '1', loss, records: 10, tokens: 30 }], overall: loss, tokens: 30 },
    }) as unknown as RunResult;

  it('summarises each metric over seeds and pairs each arm with one-off by seed', () => {
    const runs = [
      run('one-off', 1, 0.1, 2),
      run('one-off', 2, 0.2, 1.5),
      run('one-off', 3, 0.3, 1),
      run('easy-to-hard', 1, 0.3, 1.9),
      run('easy-to-hard', 2, 0.5, 1.3),
      run('easy-to-hard', 3, 0.4, 0.95),
    ];
    const { summary, paired } = aggregate(runs);
    expect(summary['em.1']!['one-off']!.mean).toBeCloseTo(0.2, 12);
    expect(summary['em.1']!['one-off']!.halfWidth).toBeCloseTo(0.2484138, 6); // s = 0.1, t(2) · 0.1/√3
    // Differences 0.2, 0.3, 0.1 → mean 0.2 ± 0.2484.
    expect(paired['em.1']!['easy-to-hard']!.diffs.map((d) => +d.toFixed(12))).toEqual([0.2, 0.3, 0.1]);
    expect(paired['em.1']!['easy-to-hard']!.halfWidth).toBeCloseTo(0.2484138, 6);
    expect(paired['loss.all']!['easy-to-hard']!.mean).toBeCloseTo(-0.1166667, 6);
    expect(paired['em.1']!['one-off']).toBeUndefined();
    // The OOD rate of an empty set is NaN and is left out, not averaged in.
    expect(summary['ood.all']!['one-off']!.n).toBe(0);
  });
});

describe('npm run experiment -- --quick', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'experiment-'));
    await setNodeBackend('wasm');
    const base = await makeBaseModel({ ...MICRO_DEFAULTS, steps: 4 }, () => {});
    writeFileSync(join(dir, 'base.safetensors'), base.bytes);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('trains every arm from the same base at an equal budget and writes the table and the JSON', async () => {
    const out = join(dir, 'experiment.json');
    const logs: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => void logs.push(args.join(' '));
    let result: ExperimentResult;
    try {
      result = await main(['--quick', '--base', join(dir, 'base.safetensors'), '--out', out]);
    } finally {
      console.log = log;
    }
    const saved = JSON.parse(readFileSync(out, 'utf8')) as ExperimentResult;
    expect(saved.runs.map((r) => r.arm)).toEqual(['one-off', 'easy-to-hard', 'hard-to-easy', 'random-stages']);
    expect(saved.options.seeds).toEqual([1]);
    expect(saved.wallMs).toBeGreaterThan(0);
    // Equal budgets: the same records × epochs and the same tokens in every arm.
    expect(new Set(saved.runs.map((r) => r.budget)).size).toBe(1);
    expect(new Set(saved.runs.map((r) => r.tokensSeen)).size).toBe(1);
    for (const r of saved.runs) {
      expect(r.exactMatch.overall.n).toBe(saved.runs[0]!.exactMatch.overall.n);
      expect(r.ood.overall.n).toBe(5);
      expect(Number.isFinite(r.heldOutLoss.overall)).toBe(true);
      // Samples at every phase end: one for one-off, three for the phased arms.
      expect(r.samples.length).toBe(r.arm === 'one-off' ? 1 : 3);
    }
    expect(saved.base.heldOutLoss.buckets.map((b) => b.bucket)).toEqual(['1', '2', '3']);
    expect(result!.markdown).toBe(saved.markdown);
    expect(saved.markdown).toContain('### Exact match per level, held-out split (%)');
    expect(saved.markdown).toContain('Easy → hard − One-off');
    expect(logs.join('\n')).toContain('| base model (no IFT) |');
    expect(renderMarkdown(saved)).toBe(saved.markdown);

    // Another process's seed merges into one table; another experiment, or the same seed twice, is refused.
    const other: ExperimentResult = structuredClone(saved);
    other.options.seeds = [2];
    other.wallMs = saved.wallMs + 1000;
    for (const r of other.runs) {
      r.seed = 2;
      r.exactMatch.overall.rate = saved.runs.find((x) => x.arm === r.arm)!.exactMatch.overall.rate + 0.1;
    }
    const merged = mergeExperiments([saved, other]);
    expect(merged.options.seeds).toEqual([1, 2]);
    expect(merged.runs.map((r) => `${r.arm}/${r.seed}`).slice(0, 5)).toEqual([
      'one-off/1',
      'easy-to-hard/1',
      'hard-to-easy/1',
      'random-stages/1',
      'one-off/2',
    ]);
    expect(merged.wallMs).toBe(other.wallMs);
    const oneOff = saved.runs[0]!.exactMatch.overall.rate;
    expect(merged.summary['em.all']!['one-off']!.mean).toBeCloseTo(oneOff + 0.05, 12);
    expect(merged.summary['em.all']!['one-off']!.n).toBe(2);
    expect(merged.markdown).toContain('2 seeds: 1, 2');
    expect(() => mergeExperiments([saved, saved])).toThrow(/one-off seed 1/);
    const elsewhere: ExperimentResult = structuredClone(other);
    elsewhere.options.hyper.lr *= 2;
    expect(() => mergeExperiments([saved, elsewhere])).toThrow(/Part 2 ran another experiment/);
  }, 60_000);
});
