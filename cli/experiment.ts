/**
 * Phased vs one-off instruction tuning on the built-in demo suite, measured over seeds.
 *
 *   npm run experiment -- --arms one-off,easy-to-hard,hard-to-easy,random-stages --seeds 3
 *   npm run experiment -- --quick                      # 1 seed, a few steps: the smoke test
 *   npm run experiment -- --merge a.json,b.json        # one table from processes that ran other seeds
 *   options: --base FILE (default public/models/base/base.safetensors) --steps-budget N | --train-fraction F
 *            --epochs E --lr X --batch B --held-out-fraction F --ood-per-level N --out FILE --seed-list 1,2,3
 *
 * Node, tfjs wasm backend. Every arm of every seed starts from the same base checkpoint and trains on the same
 * records (phases at the paper's cut-offs 1.5 / 3.5 on the demo's level; a fixed held-out split), the same number of
 * passes over each record — so the same tokens; this is asserted. A seed fixes the data order (and the random
 * stages' membership); the base weights, the held-out split and the training subset stay fixed.
 *
 * Evaluation, after training: held-out loss per phase bucket; exact match per level on the held-out split (greedy,
 * KV cache) and on the length-OOD file (inputs longer than any in training), reported separately — both by the
 * studio's own exact-match policy (core/eval/heldOutExactMatch.ts), so a browser run and this table agree.
 * Generations for a fixed set of held-out prompts are taken at every phase end. Results: mean ± 95% t-interval over
 * seeds, and paired differences against one-off, as markdown on stdout and JSON in bench-results/experiment.json.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parseDataset } from '../src/core/data/parseDataset';
import type { InstructionRecord } from '../src/core/data/record';
import type { ExactMatchReport } from '../src/core/eval/exactMatch';
import { heldOutExactMatch } from '../src/core/eval/heldOutExactMatch';
import type { GenerationModel } from '../src/core/eval/generate';
import { heldOutLossByBucket, type HeldOutLossReport, type HeldOutRecord } from '../src/core/eval/heldOutLoss';
import { phaseSampler, type PhaseEnd } from '../src/core/eval/phaseSampler';
import type { SampleSnapshot } from '../src/core/eval/samples';
import { formatSummary, pairedDifference, summarize, type Summary } from '../src/core/eval/stats';
import { loadCheckpoint, readCheckpointInfo } from '../src/core/model/checkpoint';
import { disposeGptParams } from '../src/core/model/gpt';
import { DEFAULT_CUTOFFS } from '../src/core/phases/plan';
import type { Tokenizer } from '../src/core/tokenizer/tokenizer';
import { assertEqualBudgets, buildArm, armLabel, shareOfEachPhase, type ArmSpec } from '../src/core/train/arms';
import { DEMO_HYPER } from '../src/core/runs/settings';
import type { Hyper } from '../src/core/train/hyper';
import type { RunEvent } from '../src/core/train/events';
import { runTraining } from '../src/core/train/runner';
import { armSlug, phasesFromScores } from '../src/core/runs/runFile';
import { encodeExample, fittingContextLength } from '../src/core/text/template';
import { hashUnit } from '../src/core/util/hash';
import { setNodeBackend } from '../src/core/kernels/nodeBackends';

// ───────────────────────────── options ─────────────────────────────

export interface ExperimentOptions {
  arms: ArmSpec[];
  seeds: number[];
  basePath: string;
  suitePath: string;
  oodPath: string;
  cutoffs: number[];
  heldOut: { fraction: number; seed: number; maxPerPhase: number };
  /** Share of each phase's training records used (the first ones in file order, which the generator shuffled). */
  trainFraction: number;
  /** When set: pick trainFraction so an arm takes about this many optimizer steps. */
  stepsBudget?: number;
  hyper: Hyper;
  /** Training row length; default: the longest training example, so nothing is cut (at most the model's context). */
  contextLength?: number;
  oodPerLevel: number;
  samplesPerBucket: number;
  evalBatch: number;
  out: string;
  quick: boolean;
}

export const DEFAULT_OPTIONS: ExperimentOptions = {
  arms: [{ kind: 'one-off' }, { kind: 'easy-to-hard' }, { kind: 'hard-to-easy' }, { kind: 'random-stages' }],
  seeds: [1, 2, 3],
  basePath: 'public/models/base/base.safetensors',
  suitePath: 'public/demo/demo-suite.json',
  oodPath: 'public/demo/demo-length-ood.json',
  cutoffs: [...DEFAULT_CUTOFFS],
  heldOut: { fraction: 0.1, seed: 0, maxPerPhase: 500 },
  trainFraction: 1,
  hyper: DEMO_HYPER,
  oodPerLevel: 50,
  samplesPerBucket: 2,
  evalBatch: 32,
  out: 'bench-results/experiment.json',
  quick: false,
};

/** The smoke test's settings: one seed, a few records, one epoch, tiny evaluation sets. */
export const QUICK_OVERRIDES: Partial<ExperimentOptions> = {
  seeds: [1],
  trainFraction: 0.012,
  heldOut: { fraction: 0.1, seed: 0, maxPerPhase: 4 },
  hyper: { ...DEMO_HYPER, epochsPerPhase: 1, batchSize: 4 },
  oodPerLevel: 1,
  samplesPerBucket: 1,
  quick: true,
};

export function parseArmList(text: string): ArmSpec[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s): ArmSpec => {
      if (s === 'one-off' || s === 'easy-to-hard' || s === 'hard-to-easy' || s === 'random-stages') return { kind: s };
      const m = /^(?:custom-)?(\d+(?:-\d+)+)$/.exec(s);
      if (m) return { kind: 'custom', order: m[1]!.split('-').map(Number) };
      throw new Error(
        `Unknown arm "${s}": use one-off, easy-to-hard, hard-to-easy, random-stages or an order such as 2-1-3.`,
      );
    });
}

// ───────────────────────────── results ─────────────────────────────

export interface RunResult {
  arm: string;
  label: string;
  seed: number;
  steps: number;
  tokensSeen: number;
  budget: number;
  trainMs: number;
  wallMs: number;
  /** Mean training loss per logged window, in step order, with the tokens seen at that step. */
  lossCurve: { step: number; loss: number; tokens?: number }[];
  heldOutLoss: HeldOutLossReport;
  exactMatch: ExactMatchReport;
  ood: ExactMatchReport;
  samples: SampleSnapshot[];
}

export interface ExperimentResult {
  command: string;
  startedAt: string;
  wallMs: number;
  machine: {
    cpus: number;
    cpu: string;
    node: string;
    backend: string;
    loadAverageAtStart: number[];
    loadAverageAtEnd: number[];
  };
  options: ExperimentOptions;
  base: {
    path: string;
    config: unknown;
    meta: Record<string, string>;
    heldOutLoss: HeldOutLossReport;
    exactMatch: ExactMatchReport;
    ood: ExactMatchReport;
  };
  data: {
    phases: { phase: number; range: [number, number]; train: number; heldOut: number }[];
    heldOutPerLevel: Record<string, number>;
    oodPerLevel: Record<string, number>;
    trainFraction: number;
    contextLength: number;
  };
  runs: RunResult[];
  /** metric → arm slug → mean ± CI over seeds. */
  summary: Record<string, Record<string, Summary>>;
  /** metric → arm slug → paired difference vs one-off. */
  paired: Record<string, Record<string, Summary & { seeds: number[]; diffs: number[] }>>;
  markdown: string;
}

/** The numbers each run is summarised by: `em.<level>`, `em.all`, `ood.<level>`, `ood.all`, `loss.<bucket>`, `loss.all`. */
export function runMetrics(r: Pick<RunResult, 'exactMatch' | 'ood' | 'heldOutLoss'>): Record<string, number> {
  const m: Record<string, number> = {};
  for (const b of r.exactMatch.buckets) m[`em.${b.bucket}`] = b.rate;
  m['em.all'] = r.exactMatch.overall.rate;
  m['emNorm.all'] = r.exactMatch.overall.rateNormalized;
  for (const b of r.ood.buckets) m[`ood.${b.bucket}`] = b.rate;
  m['ood.all'] = r.ood.overall.rate;
  for (const b of r.heldOutLoss.buckets) m[`loss.${b.bucket}`] = b.loss;
  m['loss.all'] = r.heldOutLoss.overall;
  return m;
}

export function aggregate(
  runs: readonly RunResult[],
  baseline = 'one-off',
): Pick<ExperimentResult, 'summary' | 'paired'> {
  const arms = [...new Set(runs.map((r) => r.arm))];
  const metrics = [...new Set(runs.flatMap((r) => Object.keys(runMetrics(r))))];
  const summary: ExperimentResult['summary'] = {};
  const paired: ExperimentResult['paired'] = {};
  for (const metric of metrics) {
    summary[metric] = {};
    paired[metric] = {};
    const bySeed = (arm: string) =>
      new Map(
        runs
          .filter((r) => r.arm === arm)
          .map((r) => [r.seed, runMetrics(r)[metric]] as [number, number | undefined])
          .filter((e): e is [number, number] => Number.isFinite(e[1])),
      );
    const base = bySeed(baseline);
    for (const arm of arms) {
      const values = bySeed(arm);
      summary[metric]![arm] = summarize([...values.values()]);
      if (arm !== baseline && base.size > 0) paired[metric]![arm] = pairedDifference(values, base);
    }
  }
  return { summary, paired };
}

// ───────────────────────────── markdown ─────────────────────────────

function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

export function renderMarkdown(r: Omit<ExperimentResult, 'markdown'>): string {
  const arms = [...new Set(r.runs.map((x) => x.arm))];
  const label = (arm: string) => r.runs.find((x) => x.arm === arm)?.label ?? arm;
  const levels = ['1', '2', '3', '4', '5'];
  const buckets = r.base.heldOutLoss.buckets.map((b) => b.bucket);
  const pct = (s: Summary | undefined, signed = false) =>
    s ? formatSummary(s, { scale: 100, digits: 1, signed }) : '–';
  const num = (s: Summary | undefined, signed = false) => (s ? formatSummary(s, { digits: 3, signed }) : '–');
  const baseRow = (prefix: string, keys: string[], fmt: (v: number) => string) => {
    const m = runMetrics(r.base);
    return [
      'base model (no IFT)',
      ...keys.map((k) => (Number.isFinite(m[`${prefix}.${k}`]) ? fmt(m[`${prefix}.${k}`]!) : '–')),
    ];
  };
  const section = (title: string, prefix: string, keys: string[], head: string[], asPct: boolean): string => {
    const f = asPct ? pct : num;
    const rows = arms.map((a) => [label(a), ...keys.map((k) => f(r.summary[`${prefix}.${k}`]?.[a]))]);
    rows.push(baseRow(prefix, keys, (v) => (asPct ? (100 * v).toFixed(1) : v.toFixed(3))));
    const pairedRows = arms
      .filter((a) => a !== 'one-off')
      .map((a) => [`${label(a)} − One-off`, ...keys.map((k) => f(r.paired[`${prefix}.${k}`]?.[a], true))]);
    let out = `### ${title}\n\n${table(['arm', ...head], rows)}\n`;
    if (pairedRows.length > 0 && arms.includes('one-off'))
      out += `\nPaired difference vs one-off (same seed; ${asPct ? 'percentage points' : 'nats'}):\n\n${table(['arm', ...head], pairedRows)}\n`;
    return out;
  };
  const n = new Set(r.runs.map((x) => x.seed)).size;
  const perArm = arms.map((a) => {
    const rs = r.runs.filter((x) => x.arm === a);
    const steps = rs[0]?.steps ?? 0;
    const tokens = rs.reduce((s, x) => s + x.tokensSeen, 0) / Math.max(1, rs.length);
    const minutes = rs.reduce((s, x) => s + x.wallMs, 0) / Math.max(1, rs.length) / 60000;
    return `${label(a)} ${steps} steps, ${Math.round(tokens).toLocaleString('en-US')} tokens, ${minutes.toFixed(1)} min/run`;
  });
  return [
    `## Phased vs one-off on the demo suite (${n} seed${n === 1 ? '' : 's'}: ${[...new Set(r.runs.map((x) => x.seed))].join(', ')})`,
    '',
    `Mean ± 95% t-interval over seeds. Exact match = greedy answer equals the expected output character for character. ` +
      `Held-out: ${Object.entries(r.data.heldOutPerLevel)
        .map(([l, c]) => `L${l} ${c}`)
        .join(', ')} records; ` +
      `length-OOD: ${Object.entries(r.data.oodPerLevel)
        .map(([l, c]) => `L${l} ${c}`)
        .join(', ')}. ` +
      `Training: ${r.data.phases.map((p) => `phase ${p.phase} ${p.train}`).join(', ')} records × ${r.options.hyper.epochsPerPhase} epochs, ` +
      `LR ${r.options.hyper.lr}, batch ${r.options.hyper.batchSize}, rows of ${r.data.contextLength} tokens.`,
    '',
    `Budget per arm: ${perArm.join('; ')}. Wall time ${(r.wallMs / 60000).toFixed(1)} min.`,
    '',
    section(
      'Exact match per level, held-out split (%)',
      'em',
      [...levels, 'all'],
      [...levels.map((l) => `L${l}`), 'all'],
      true,
    ),
    section(
      'Exact match per level, length-OOD file (%)',
      'ood',
      [...levels, 'all'],
      [...levels.map((l) => `L${l}`), 'all'],
      true,
    ),
    section(
      'Held-out loss per phase bucket (nats per response token)',
      'loss',
      [...buckets, 'all'],
      [...buckets.map((b) => `phase ${b}`), 'all'],
      false,
    ),
  ].join('\n');
}

// ───────────────────────────── the experiment ─────────────────────────────

async function readRecords(path: string): Promise<InstructionRecord[]> {
  const parsed = await parseDataset(new Uint8Array(readFileSync(path)), basename(path));
  if (parsed.report.rejected.length > 0)
    throw new Error(
      `${path}: ${parsed.report.rejected.length} records rejected (${parsed.report.rejected[0]!.reason}).`,
    );
  return parsed.records;
}

const levelOf = (r: InstructionRecord): string => String(r.score);

function countBy<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const it of items) out[key(it)] = (out[key(it)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true })));
}

async function evaluate(
  model: GenerationModel,
  tokenizer: Tokenizer,
  sets: { lossSet: HeldOutRecord[]; oodSet: { record: InstructionRecord; bucket: string }[] },
  o: ExperimentOptions,
  contextLength: number,
): Promise<{ heldOutLoss: HeldOutLossReport; exactMatch: ExactMatchReport; ood: ExactMatchReport }> {
  const heldOutLoss = await heldOutLossByBucket(model, tokenizer, sets.lossSet, { contextLength });
  const exactMatch = await exactMatchPerLevel(model, tokenizer, sets.lossSet, o.evalBatch, 'held-out split');
  const ood = await exactMatchPerLevel(model, tokenizer, sets.oodSet, o.evalBatch, 'length-OOD file');
  return { heldOutLoss, exactMatch, ood };
}

/** Exact match by the studio's own policy (core/eval/heldOutExactMatch.ts), per level: the experiment's figures. */
async function exactMatchPerLevel(
  model: GenerationModel,
  tokenizer: Tokenizer,
  records: readonly { record: InstructionRecord; bucket: string }[],
  batchSize: number,
  what: string,
): Promise<ExactMatchReport> {
  const outcome = await heldOutExactMatch(model, tokenizer, records, { batchSize });
  const report = outcome.byLevel ?? outcome.report;
  if (!report) throw new Error(`Exact match on the ${what} was not computed: ${outcome.skipped ?? 'no report'}.`);
  if (outcome.skipped) console.warn(`exact match on the ${what}: ${outcome.skipped}`);
  return report;
}

export async function runExperiment(
  o: ExperimentOptions,
  command: string,
  log: (line: string) => void = console.log,
): Promise<ExperimentResult> {
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const loadAverageAtStart = os.loadavg();
  const baseBytes = new Uint8Array(readFileSync(o.basePath));
  const baseInfo = readCheckpointInfo(baseBytes);

  // Data: phases at the cut-offs on the level, a fixed held-out split, the training subset, the OOD subset.
  const records = await readRecords(o.suitePath);
  const plan = phasesFromScores(records, o.cutoffs, o.heldOut);
  const totalTrain = plan.phases.reduce((a, p) => a + p.length, 0);
  let fraction = o.trainFraction;
  if (o.stepsBudget !== undefined) {
    const rows = o.stepsBudget * o.hyper.batchSize * o.hyper.gradAccumulation;
    fraction = Math.min(1, rows / o.hyper.epochsPerPhase / totalTrain);
  }
  const phases = shareOfEachPhase(plan.phases, fraction);
  const lossSet = plan.heldOut;
  const emSet = plan.heldOut.map((h) => ({ record: h.record, bucket: levelOf(h.record) }));
  const oodAll = await readRecords(o.oodPath);
  const oodSet = Object.values(
    oodAll.reduce<Record<string, InstructionRecord[]>>((acc, r) => ((acc[levelOf(r)] ??= []).push(r), acc), {}),
  ).flatMap((list) =>
    list
      .sort((a, b) => hashUnit(a.id, 0) - hashUnit(b.id, 0))
      .slice(0, o.oodPerLevel)
      .map((record) => ({ record, bucket: levelOf(record) })),
  );

  const baseTok = loadCheckpoint(baseBytes);
  const tokenizer = baseTok.tokenizer;
  const longest = Math.max(...phases.flat().map((r) => encodeExample('paper', tokenizer, r).ids.length));
  // As the studio does: rows as long as the longest training or held-out example needs, within the model's context.
  const contextLength = o.contextLength
    ? Math.min(baseInfo.config.contextLength, o.contextLength)
    : fittingContextLength(
        'paper',
        tokenizer,
        [...phases.flat(), ...lossSet.map((h) => h.record)],
        baseInfo.config.contextLength,
      );
  const data: ExperimentResult['data'] = {
    phases: plan.plan.phases.map((p, i) => ({
      phase: p.index,
      range: p.range,
      train: phases[i]!.length,
      heldOut: p.heldOutIds.length,
    })),
    heldOutPerLevel: countBy(emSet, (x) => x.bucket),
    oodPerLevel: countBy(oodSet, (x) => x.bucket),
    trainFraction: fraction,
    contextLength,
  };
  log(
    `data: ${data.phases.map((p) => `phase ${p.phase} [${p.range.join(', ')}) ${p.train} train / ${p.heldOut} held out`).join('; ')}; ` +
      `length-OOD ${oodSet.length}; rows of ${contextLength} tokens (longest training example ${longest})`,
  );
  const built = o.arms.map((a) =>
    buildArm(phases, a, { epochsPerPhase: o.hyper.epochsPerPhase, replayFraction: o.hyper.replayFraction, seed: 1 }),
  );
  assertEqualBudgets(built);
  log(
    `arms: ${built.map((a) => `${a.label} (${a.stages.map((s) => s.records.length).join(' + ')} records × ${o.hyper.epochsPerPhase})`).join(', ')}`,
  );

  // The base model's own scores: the floor every arm starts from.
  log('evaluating the base model …');
  const baseEval = await evaluate(
    { config: baseTok.config, params: baseTok.params },
    tokenizer,
    { lossSet, oodSet },
    o,
    contextLength,
  );
  disposeGptParams(baseTok.params);
  log(
    `  base: held-out loss ${baseEval.heldOutLoss.overall.toFixed(3)}, exact match ${(100 * baseEval.exactMatch.overall.rate).toFixed(1)}%, OOD ${(100 * baseEval.ood.overall.rate).toFixed(1)}%`,
  );

  const runs: RunResult[] = [];
  const partial = (): ExperimentResult => {
    const agg = aggregate(runs);
    const res: Omit<ExperimentResult, 'markdown'> = {
      command,
      startedAt,
      wallMs: performance.now() - t0,
      machine: {
        cpus: os.cpus().length,
        cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
        node: process.version,
        backend: tf.getBackend(),
        loadAverageAtStart,
        loadAverageAtEnd: os.loadavg(),
      },
      options: o,
      base: { path: o.basePath, config: baseInfo.config, meta: baseInfo.meta, ...baseEval },
      data,
      runs,
      ...agg,
    };
    return { ...res, markdown: renderMarkdown(res) };
  };
  const save = (res: ExperimentResult) => {
    mkdirSync(dirname(o.out), { recursive: true });
    writeFileSync(o.out, JSON.stringify(res, null, 1));
  };

  for (const seed of o.seeds) {
    for (const arm of o.arms) {
      const slug = armSlug(arm);
      const r0 = performance.now();
      const ck = loadCheckpoint(baseBytes);
      const lossCurve: RunResult['lossCurve'] = [];
      const samples: SampleSnapshot[] = [];
      const label = armLabel(arm);
      const onEvent = (e: RunEvent) => {
        if (e.type === 'step') lossCurve.push({ step: e.step, loss: e.loss, tokens: e.tokensSeen });
        else if (e.type === 'error') log(`  [${slug} seed ${seed}] ERROR ${e.message}`);
      };
      // The studio's phase-end samples, on the weights each stage leaves (the runner waits for them).
      const sample = phaseSampler({ config: ck.config, params: ck.params }, tokenizer, emSet, {
        perBucket: o.samplesPerBucket,
      });
      const afterPhase = async (stage: number, at: PhaseEnd) => {
        const snapshot = await sample(stage, at);
        if (snapshot) samples.push(snapshot);
      };
      let summary;
      try {
        summary = await runTraining({
          config: { arm, hyper: o.hyper, seed, logEvery: 10, evalEvery: 0, template: 'paper', contextLength },
          model: { config: ck.config, params: ck.params },
          tokenizer: ck.tokenizer,
          phases,
          onEvent,
          afterPhase,
          checkpoints: false,
        });
        if (summary.status !== 'done')
          throw new Error(`${slug} seed ${seed} ended ${summary.status}: ${summary.error ?? ''}`);
        const ev = await evaluate(
          { config: ck.config, params: ck.params },
          tokenizer,
          { lossSet, oodSet },
          o,
          contextLength,
        );
        const run: RunResult = {
          arm: slug,
          label,
          seed,
          steps: summary.steps,
          tokensSeen: summary.tokensSeen,
          budget: built[o.arms.indexOf(arm)]!.budget,
          trainMs: summary.elapsedMs,
          wallMs: performance.now() - r0,
          lossCurve,
          ...ev,
          samples,
        };
        runs.push(run);
        log(
          `[${slug} seed ${seed}] ${run.steps} steps, ${run.tokensSeen} tokens, ${(run.wallMs / 1000).toFixed(0)} s: ` +
            `held-out loss ${ev.heldOutLoss.overall.toFixed(3)}, EM ${ev.exactMatch.buckets.map((b) => `L${b.bucket} ${(100 * b.rate).toFixed(0)}`).join(' ')} ` +
            `(all ${(100 * ev.exactMatch.overall.rate).toFixed(1)}%), OOD ${(100 * ev.ood.overall.rate).toFixed(1)}%`,
        );
      } finally {
        disposeGptParams(ck.params);
      }
      save(partial());
    }
    // Equal budgets in tokens, not only in records × epochs.
    const seen = runs.filter((r) => r.seed === seed).map((r) => r.tokensSeen);
    const spread = (Math.max(...seen) - Math.min(...seen)) / (seen.reduce((a, b) => a + b, 0) / seen.length);
    if (spread > 0.02)
      throw new Error(
        `seed ${seed}: arms saw different numbers of tokens (${seen.join(', ')}); the comparison would not be at an equal budget.`,
      );
  }
  const result = partial();
  save(result);
  return result;
}

/**
 * One result from several processes that ran the same experiment on different seeds (one per core: tfjs-wasm in
 * Node uses one thread). Everything but the seeds must agree — base model, data, arms, hyper-parameters — and no
 * (arm, seed) may appear twice. Wall time is the longest process's: they ran side by side.
 */
export function mergeExperiments(parts: readonly ExperimentResult[]): ExperimentResult {
  if (parts.length === 0) throw new Error('Nothing to merge.');
  const setup = (r: ExperimentResult) =>
    JSON.stringify({ options: { ...r.options, seeds: [], out: '' }, base: r.base.meta, data: r.data });
  const first = parts[0]!;
  parts.forEach((r, i) => {
    if (setup(r) !== setup(first))
      throw new Error(
        `Part ${i + 1} ran another experiment (base model, data, arms or hyper-parameters differ from part 1); only seeds may differ.`,
      );
  });
  const runs = parts.flatMap((r) => r.runs);
  const keys = runs.map((r) => `${r.arm} seed ${r.seed}`);
  const twice = keys.filter((k, i) => keys.indexOf(k) !== i);
  if (twice.length > 0) throw new Error(`Runs appear in more than one part: ${[...new Set(twice)].join(', ')}.`);
  runs.sort(
    (a, b) =>
      a.seed - b.seed ||
      first.options.arms.findIndex((x) => armSlug(x) === a.arm) -
        first.options.arms.findIndex((x) => armSlug(x) === b.arm),
  );
  const merged: Omit<ExperimentResult, 'markdown'> = {
    ...first,
    command: parts.map((r) => r.command).join(' & '),
    wallMs: Math.max(...parts.map((r) => r.wallMs)),
    options: { ...first.options, seeds: [...new Set(runs.map((r) => r.seed))].sort((a, b) => a - b) },
    runs,
    ...aggregate(runs),
  };
  return { ...merged, markdown: renderMarkdown(merged) };
}

// ───────────────────────────── CLI ─────────────────────────────

export async function main(argv: string[] = process.argv.slice(2)): Promise<ExperimentResult> {
  const { values } = parseArgs({
    args: argv,
    options: {
      arms: { type: 'string' },
      seeds: { type: 'string' },
      'seed-list': { type: 'string' },
      base: { type: 'string' },
      'steps-budget': { type: 'string' },
      'train-fraction': { type: 'string' },
      epochs: { type: 'string' },
      lr: { type: 'string' },
      batch: { type: 'string' },
      'held-out-fraction': { type: 'string' },
      'ood-per-level': { type: 'string' },
      context: { type: 'string' },
      out: { type: 'string' },
      quick: { type: 'boolean' },
      merge: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.merge) {
    const parts = values.merge
      .split(',')
      .map((f) => JSON.parse(readFileSync(resolve(f.trim()), 'utf8')) as ExperimentResult);
    const merged = mergeExperiments(parts);
    const out = resolve(values.out ?? DEFAULT_OPTIONS.out);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify(merged, null, 1));
    console.log(`${merged.markdown}\n\nwrote ${out} from ${parts.length} parts (${merged.runs.length} runs)`);
    return merged;
  }
  if (values.help) {
    console.log(
      'usage: npm run experiment -- [--arms one-off,easy-to-hard,hard-to-easy,random-stages] [--seeds N | --seed-list 1,2,3] [--base FILE]\n' +
        '       [--steps-budget N | --train-fraction F] [--epochs E] [--lr X] [--batch B] [--held-out-fraction F] [--ood-per-level N]\n' +
        '       [--context T] [--out FILE] [--quick]\n' +
        '       npm run experiment -- --merge a.json,b.json [--out FILE]   # one table from processes that ran other seeds',
    );
    process.exit(0);
  }
  const o: ExperimentOptions = { ...DEFAULT_OPTIONS, ...(values.quick ? QUICK_OVERRIDES : {}) };
  o.hyper = { ...o.hyper };
  o.heldOut = { ...o.heldOut };
  const num = (v: string | undefined, what: string, int: boolean): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0 || (int && !Number.isInteger(n)))
      throw new Error(`--${what} must be a positive ${int ? 'integer' : 'number'}, got "${v}".`);
    return n;
  };
  if (values.arms) o.arms = parseArmList(values.arms);
  const seedCount = num(values.seeds, 'seeds', true);
  if (seedCount !== undefined) o.seeds = Array.from({ length: seedCount }, (_, i) => i + 1);
  if (values['seed-list']) o.seeds = values['seed-list'].split(',').map((s) => num(s, 'seed-list', true)!);
  if (values.base) o.basePath = values.base;
  o.stepsBudget = num(values['steps-budget'], 'steps-budget', true) ?? o.stepsBudget;
  o.trainFraction = num(values['train-fraction'], 'train-fraction', false) ?? o.trainFraction;
  o.hyper.epochsPerPhase = num(values.epochs, 'epochs', true) ?? o.hyper.epochsPerPhase;
  o.hyper.lr = num(values.lr, 'lr', false) ?? o.hyper.lr;
  o.hyper.batchSize = num(values.batch, 'batch', true) ?? o.hyper.batchSize;
  o.heldOut.fraction = num(values['held-out-fraction'], 'held-out-fraction', false) ?? o.heldOut.fraction;
  o.oodPerLevel = num(values['ood-per-level'], 'ood-per-level', true) ?? o.oodPerLevel;
  o.contextLength = num(values.context, 'context', true) ?? o.contextLength;
  if (values.out) o.out = values.out;
  if (o.trainFraction > 1) throw new Error('--train-fraction must be at most 1.');
  o.basePath = resolve(o.basePath);
  o.out = resolve(o.out);

  await setNodeBackend('wasm');
  const command = `npm run experiment${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`;
  const result = await runExperiment(o, command);
  console.log(`\n${result.markdown}\n`);
  console.log(`wrote ${o.out} (${(result.wallMs / 60000).toFixed(1)} min)`);
  return result;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exit(1);
  });
}
