/**
 * Training benchmarks: `npm run bench [-- --node-only | --browser-only] [--matmul-only] [--steps N] [--matmul-rounds N]
 * [--runner-steps N] [--url URL]`
 *
 * Node (wasm backend, 1 thread): ms/step (median of N timed steps after a warm-up), tokens/s (B·T positions), kernels
 * per step (tf.profile of a warm-up step) for the reference char GPT (4 layers, width 128 and 256, 4 heads, context
 * 128, batch 16); readbacks per step and tensors after step 10 vs the last through PhasedRunner; and ours-vs-stock
 * ratios: sparse cross-entropy vs softmaxCrossEntropy on one-hot labels, our embedding gradient vs tf.gather's (cpu),
 * and wasm's stock BatchMatMul vs ours on a linear layer's backward and attention's batched products.
 * Browser (headless Chromium, as the e2e tests launch it): the small config on webgpu and on wasm through the
 * diagnostics worker.
 * Both: the reference step on wasm with tfjs's stock BatchMatMul and with ours (src/core/kernels/wasm/batchMatMul.ts),
 * alternated round by round in one process (`--matmul-rounds`, default 3); `--matmul-only` runs just that.
 * Browser, also with `--matmul-only`: the reference step as the browser ran it (stock BatchMatMul, one thread), with
 * ours on one thread, and as the studio's worker sets itself up (our BatchMatMul, several threads where the page is
 * cross-origin isolated, as `vite preview` serves it), a fresh worker per variant, alternated over `--threads-rounds` rounds (default 3).
 *
 * Prints tables and writes everything to bench-results/bench.json. The machine's load average is recorded before and
 * after: on a shared machine, figures taken under load are slower than the hardware, and the JSON says so.
 */
import * as tf from '@tensorflow/tfjs-core';
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { countGptParams, type GptConfig } from '../src/core/model/config';
import type { InterleavedBench, OpTiming, SerializableVariant, StepBenchResult } from '../src/core/bench/stepBench';
import type { BrowserBenchRequest, BrowserInterleavedRequest, BrowserWorkersRequest } from '../src/state/browserBench';
import { browserBench, serveApp } from './bench/browser';
import {
  attentionMatmulOps,
  crossEntropyOps,
  embeddingOps,
  interleavedSteps,
  log,
  REFERENCE,
  REFERENCE_WIDE,
  runnerBench,
  SMALL,
  stepBench,
  transposedMatmulOps,
  type RunnerFigures,
  type StepFigures,
} from './bench/node';
import { setNodeBackend } from '../src/core/kernels/nodeBackends';

const USAGE =
  'usage: npm run bench -- [--node-only | --browser-only] [--matmul-only] [--steps N] [--wide-steps N] [--matmul-rounds N] [--threads-rounds N] [--runner-steps N] [--url URL] [--port P] [--out FILE]';

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

function positiveInt(v: string | undefined, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) fail(`${name} must be a positive integer, got ${v}\n${USAGE}`);
  return n;
}

const f0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '—');
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '—');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '—');

function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  return [
    line(head),
    `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...cells.slice(1).map(line),
  ].join('\n');
}

function shape(c: GptConfig, batch: number): string {
  return `L${c.layers} C${c.width} H${c.heads} T${c.contextLength} V${c.vocabSize} B${batch}`;
}

function stepRow(where: string, name: string, r: StepBenchResult): (string | number)[] {
  return [
    `${where} ${r.backend}`,
    `${name} (${shape(r.config, r.batchSize)}, ${(countGptParams(r.config) / 1e6).toFixed(2)}M)`,
    f0(r.msPerStep),
    `${r.runMsPerStep.length}×${r.stepsPerRun}`,
    f0(r.tokensPerSec),
    r.kernelsPerStep ?? '—',
    f2(r.readsPerStep),
    `${r.numTensors.before}→${r.numTensors.afterWarmup}→${r.numTensors.afterTimed}→${r.numTensors.after}`,
    f0(r.warmupMs[0] ?? NaN),
  ];
}

const STEP_HEAD = [
  'where',
  'config',
  'ms/step (median)',
  'runs×steps',
  'tokens/s',
  'kernels/step',
  'reads/step (bench loop)',
  'tensors before→warm→timed→freed',
  'first step ms',
];

const MATMUL_HEAD = [
  'where',
  'config',
  'stock ms/step (median)',
  'ours ms/step (median)',
  'stock / ours (median of rounds)',
  'rounds',
  'tensors left',
];

function matmulRow(
  where: string,
  name: string,
  config: GptConfig,
  batch: number,
  r: InterleavedBench,
): (string | number)[] {
  const [ours, stock] = r.variants;
  if (!ours || !stock)
    throw new Error(`${name}: the matmul bench needs both variants (ours, stock), got ${r.variants.length}`);
  return [
    where,
    `${name} (${shape(config, batch)})`,
    f0(stock.msPerStep),
    f0(ours.msPerStep),
    `${f2(r.ratioToFirst[1] ?? NaN)}×`,
    ours.runMsPerStep.length,
    r.tensorsLeft,
  ];
}

/** Ours first, so the ratio to the first variant is the speed-up. */
const MATMUL_VARIANTS: SerializableVariant[] = [
  { label: 'ours', options: { wasmMatMul: 'fast' } },
  { label: 'stock', options: { wasmMatMul: 'stock' } },
];

/**
 * The browser's wasm step as it was (stock BatchMatMul, one thread) first, so each ratio is the speed-up over it.
 * `wasmThreads` 1 is the single-threaded binary a page that is not isolated gets; unset is the studio's default.
 */
const WASM_THREAD_VARIANTS: BrowserWorkersRequest['variants'] = [
  { label: 'stock BatchMatMul, 1 thread', variant: { backend: 'wasm', wasmMatMul: 'stock', wasmThreads: 1 } },
  { label: 'ours, 1 thread', variant: { backend: 'wasm', wasmMatMul: 'fast', wasmThreads: 1 } },
  // Nothing forced: the worker's own BatchMatMul and thread count, as the training worker gets them (backends.ts).
  { label: 'studio default', variant: { backend: 'wasm' } },
];

function ratioRow(label: string, ours: OpTiming, stock: OpTiming): (string | number)[] {
  const ratio = stock.error ? `— (${stock.error.slice(0, 60)})` : `${f2(stock.ms / ours.ms)}×`;
  return [label, ours.backend, f1(ours.ms), stock.error ? 'n/a' : f1(stock.ms), ratio];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'node-only': { type: 'boolean' },
      'browser-only': { type: 'boolean' },
      'matmul-only': { type: 'boolean' },
      'matmul-rounds': { type: 'string' },
      'threads-rounds': { type: 'string' },
      steps: { type: 'string' },
      'wide-steps': { type: 'string' },
      'runner-steps': { type: 'string' },
      url: { type: 'string' },
      port: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) fail(USAGE);
  if (values['node-only'] && values['browser-only'])
    fail(`--node-only and --browser-only exclude each other\n${USAGE}`);
  const steps = positiveInt(values.steps, '--steps', 3);
  // Width 256 costs ~10× width 128 per step on 1-thread wasm: fewer timed steps by default keep the bench ~5 min.
  const wideSteps = positiveInt(values['wide-steps'], '--wide-steps', Math.min(steps, 2));
  const runnerSteps = positiveInt(values['runner-steps'], '--runner-steps', 200);
  // A stock reference step takes seconds on wasm here; 3 rounds (+ one warm-up step each) keep both halves ~1 min.
  const matmulRounds = positiveInt(values['matmul-rounds'], '--matmul-rounds', 3);
  const matmulOnly = values['matmul-only'] === true;
  // Each round starts a worker per variant and takes a warm-up step there first; stock's two steps take ~12 s here.
  const threadsRounds = positiveInt(values['threads-rounds'], '--threads-rounds', 3);
  const port = values.port === undefined ? undefined : positiveInt(values.port, '--port', 0);
  const outFile = resolve(values.out ?? 'bench-results/bench.json');

  const started = Date.now();
  let commit = '';
  try {
    commit = execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    // not a git checkout
  }
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? '',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    tfjs: tf.version_core,
    loadAverageBefore: os.loadavg().map((x) => Number(x.toFixed(2))),
    loadAverageAfter: [] as number[],
  };
  log(
    `bench ${commit} · ${machine.cpus} × ${machine.cpuModel} · Node ${machine.node} · tfjs ${machine.tfjs} · load ${machine.loadAverageBefore.join(' ')}`,
  );
  const [load1 = 0] = machine.loadAverageBefore; // os.loadavg(): the 1-, 5- and 15-minute averages
  if (load1 > machine.cpus) {
    log(
      `  note: load average ${load1} exceeds the ${machine.cpus} cores: other work shares the CPU, so times come out slower than the machine is.`,
    );
  }

  const out: Record<string, unknown> = {
    date: new Date().toISOString(),
    commit,
    machine,
    options: { steps, wideSteps, runnerSteps, matmulRounds, threadsRounds, matmulOnly },
  };
  const stepRows: (string | number)[][] = [];
  const matmulRows: (string | number)[][] = [];
  const report: string[] = [];

  if (!values['browser-only']) {
    // wasm's stock BatchMatMul vs ours on the reference step, alternated
    const matmulNode = await interleavedSteps(
      'reference step: wasm BatchMatMul ours vs stock',
      'wasm',
      REFERENCE,
      MATMUL_VARIANTS,
      matmulRounds,
    );
    matmulRows.push(matmulRow('node wasm', REFERENCE.name, REFERENCE.config, REFERENCE.batchSize, matmulNode));
    out.nodeMatMul = matmulNode;
  }

  if (!values['browser-only'] && !matmulOnly) {
    // (a) the reference configs on wasm
    const steps128 = await stepBench(REFERENCE.name, 'wasm', REFERENCE, { warmupSteps: 1, runs: steps });
    const steps256 = await stepBench(REFERENCE_WIDE.name, 'wasm', REFERENCE_WIDE, { warmupSteps: 1, runs: wideSteps });
    const reference: StepFigures[] = [steps128, steps256];
    for (const s of reference) stepRows.push(stepRow('node', s.name, s.result));
    const small = await stepBench(SMALL.name, 'wasm', SMALL, { warmupSteps: 1, runs: 7 });
    stepRows.push(stepRow('node', small.name, small.result));
    reference.push(small);

    // readbacks and tensors through the runner, on the small config (200 steps of the reference would take ~20 min here)
    const runner: RunnerFigures = await runnerBench(SMALL, runnerSteps, 10);

    // ours vs stock, same process. Full steps of the small config, variants alternated round by round.
    const ceSteps = await interleavedSteps(
      'full step: sparse CE vs one-hot softmaxCE',
      'wasm',
      SMALL,
      [
        { label: 'sparse CE', options: { loss: 'sparse' } },
        { label: 'one-hot softmaxCE', options: { loss: 'onehot' } },
      ],
      7,
    );
    const embStepsWasm = await interleavedSteps(
      'full step: embedding gradient scatter vs onehot',
      'wasm',
      SMALL,
      [
        { label: 'scatter', options: { embeddingGrad: 'scatter' } },
        { label: 'onehot', options: { embeddingGrad: 'onehot' } },
      ],
      7,
    );
    const embStepsCpu = await interleavedSteps(
      'full step: embedding gradient scatter vs onehot',
      'cpu',
      SMALL,
      [
        { label: 'scatter', options: { embeddingGrad: 'scatter' } },
        { label: 'onehot', options: { embeddingGrad: 'onehot' } },
      ],
      3,
    );

    // Op level at the reference's shapes (B·T = 2048 rows), ops alternated round by round.
    const N = REFERENCE.batchSize * REFERENCE.config.contextLength;
    log('· op-level ratios on wasm…');
    await setNodeBackend('wasm');
    const ce64 = await crossEntropyOps(N, 64, 7);
    const ce8k = await crossEntropyOps(N, 8192, 3);
    const mm128 = await transposedMatmulOps(N, 128, 384, 3);
    const mm256 = await transposedMatmulOps(N, 256, 768, 3);
    const { batchSize: B, config: ref } = REFERENCE;
    const att128 = await attentionMatmulOps(B, ref.heads, ref.contextLength, ref.width / ref.heads, 3);
    const embWasm = await embeddingOps(N, 64, 128, 5, 1); // tf.gather's gradient: expected to be missing on wasm
    const embWasm8k = await embeddingOps(N, 8192, 128, 3, 0);
    log('· op-level ratios on cpu (tf.gather’s gradient takes seconds here)…');
    await setNodeBackend('cpu');
    const embCpu = await embeddingOps(N, 64, 128, 3, 3);

    const stepRatio = (label: string, r: Awaited<ReturnType<typeof interleavedSteps>>): (string | number)[] => [
      label,
      r.backend,
      f1(r.variants[0]?.msPerStep ?? NaN),
      f1(r.variants[1]?.msPerStep ?? NaN),
      `${f2(r.ratioToFirst[1] ?? NaN)}×`,
    ];
    report.push('Node, wasm backend (1 thread)');
    report.push(table(STEP_HEAD, stepRows));
    report.push('');
    const t10 = runner.tensorsAtStep[10];
    const tLast = runner.tensorsAtStep[runner.steps];
    report.push(
      `Runner (${shape(runner.config, runner.batchSize)}, logEvery ${runner.logEvery}, ${runner.steps} steps): ${f0(runner.msPerStep)} ms/step median over windows, ` +
        `${f0(runner.tokensPerSec)} tokens/s; readbacks ${runner.readbacks} = ${runner.readbacksPerStep.toFixed(3)}/step ` +
        `(host reads counted independently: ${runner.hostReads} = ${runner.hostReadsPerStep.toFixed(3)}/step); ` +
        `tensors after step 10: ${t10}, after step ${runner.steps}: ${tLast}, left after dispose: ${runner.tensorsAfterDispose - runner.tensorsBefore}; loss ${runner.firstLoss.toFixed(3)} → ${runner.lastLoss.toFixed(3)}`,
    );
    report.push('');
    report.push(
      'Ours vs stock (same run; full steps and ops alternated round by round; ratio = median of per-round ratios for steps, ratio of medians for ops)',
    );
    report.push(
      table(
        ['comparison', 'backend', 'ours ms', 'other ms', 'other / ours'],
        [
          stepRatio('full step (small): sparse CE vs one-hot softmaxCE', ceSteps),
          ratioRow('CE fwd+bwd, V=64: sparse vs one-hot softmaxCE', ce64[0], ce64[1]),
          ratioRow('CE fwd+bwd, V=8192: sparse vs one-hot softmaxCE', ce8k[0], ce8k[1]),
          stepRatio('full step (small): embedding scatter vs onehot route', embStepsWasm),
          stepRatio('full step (small): embedding scatter vs onehot route', embStepsCpu),
          // embeddingOps gives [scatter, onehot] and, where gatherRuns > 0 (embCpu, embWasm), tf.gather third.
          ratioRow('embedding fwd+bwd, V=64: scatter vs tf.gather', embCpu[0]!, embCpu[2]!),
          ratioRow('embedding fwd+bwd, V=64: onehot vs tf.gather', embCpu[1]!, embCpu[2]!),
          ratioRow('embedding fwd+bwd, V=64: scatter vs tf.gather', embWasm[0]!, embWasm[2]!),
          ratioRow('embedding fwd+bwd, V=64: scatter vs onehot', embWasm[0]!, embWasm[1]!),
          ratioRow('embedding fwd+bwd, V=8192: scatter vs onehot', embWasm8k[0]!, embWasm8k[1]!),
          ratioRow('linear dW, C=128: our wasm matmul vs stock (transposeA)', mm128[2], mm128[1]),
          ratioRow('linear dX, C=128: our wasm matmul vs stock (transposeB)', mm128[4], mm128[3]),
          ratioRow('linear dW, C=256: our wasm matmul vs stock (transposeA)', mm256[2], mm256[1]),
          ratioRow('linear dX, C=256: our wasm matmul vs stock (transposeB)', mm256[4], mm256[3]),
          ratioRow(`attention q·kᵀ, B=${B} H=${ref.heads} T=${ref.contextLength}: ours vs stock`, att128[1], att128[0]),
          ratioRow(
            `attention att·v, B=${B} H=${ref.heads} T=${ref.contextLength}: ours vs stock`,
            att128[3],
            att128[2],
          ),
        ],
      ),
    );
    report.push(`(forward x·W of the same layer: ${f1(mm128[0].ms)} ms at C=128, ${f1(mm256[0].ms)} ms at C=256)`);
    for (const s of reference) {
      report.push(
        `top kernels, ${s.name} (profiled warm-up step): ${s.result.topKernels.map((k) => `${k.name} ${f0(k.ms)} ms ×${k.count}`).join(', ')}`,
      );
    }
    out.node = {
      reference,
      runner,
      oursVsStock: { ceSteps, embStepsWasm, embStepsCpu, ce64, ce8k, embWasm, embWasm8k, embCpu, mm128, mm256, att128 },
    };
  }

  if (!values['node-only']) {
    const model = { ...SMALL.config };
    const requests: BrowserBenchRequest[] = matmulOnly
      ? []
      : [
          { backend: 'webgpu', model, batchSize: SMALL.batchSize, warmupSteps: 2, runs: 3, stepsPerRun: 2 },
          { backend: 'wasm', model, batchSize: SMALL.batchSize, warmupSteps: 1, runs: 5, stepsPerRun: 2 },
        ];
    const matmulRequest: BrowserInterleavedRequest = {
      backend: 'wasm',
      model: { ...REFERENCE.config },
      batchSize: REFERENCE.batchSize,
      variants: MATMUL_VARIANTS,
      rounds: matmulRounds,
    };
    const threadsRequest: BrowserWorkersRequest = {
      model: { ...REFERENCE.config },
      batchSize: REFERENCE.batchSize,
      variants: WASM_THREAD_VARIANTS,
      rounds: threadsRounds,
    };
    let server: { url: string; stop: () => void } | undefined;
    let browser: Awaited<ReturnType<typeof browserBench>>;
    try {
      const url = values.url ?? (server = await serveApp(port)).url;
      browser = await browserBench(
        url,
        requests,
        [{ title: 'reference step: wasm BatchMatMul ours vs stock', request: matmulRequest }],
        [{ title: 'reference step: wasm threads and BatchMatMul', request: threadsRequest }],
      );
    } finally {
      server?.stop();
    }
    for (const c of browser.interleaved) {
      matmulRows.push(
        c.answer
          ? matmulRow('chromium wasm', REFERENCE.name, REFERENCE.config, REFERENCE.batchSize, c.answer.result)
          : ['chromium wasm', `failed: ${c.error}`, '', '', '', '', ''],
      );
    }
    const rows = browser.runs.map((r) =>
      r.answer
        ? stepRow('chromium', 'small', r.answer.result)
        : [`chromium ${r.backend}`, `failed: ${r.error}`, '', '', '', '', '', '', ''],
    );
    report.push('');
    report.push(
      `Headless Chromium (${browser.userAgent.match(/Chrome\/[\d.]+/)?.[0] ?? browser.userAgent}), diagnostics worker`,
    );
    if (rows.length > 0) report.push(table(STEP_HEAD, rows));
    for (const r of browser.runs) {
      if (!r.answer) continue;
      const a = r.answer.choice.adapter;
      report.push(
        `${r.backend}: ${r.answer.choice.reason}${a ? ` Adapter: ${[a.vendor, a.architecture].filter(Boolean).join(' ')}${a.isFallbackAdapter ? ' (fallback/software)' : ''}.` : ''} Top kernels: ${r.answer.result.topKernels
          .slice(0, 5)
          .map((k) => `${k.name} ${f0(k.ms)} ms ×${k.count}`)
          .join(', ')}`,
      );
    }
    for (const w of browser.perWorker) {
      report.push('');
      if (!w.answer) {
        report.push(`${w.title}: failed: ${w.error}`);
        continue;
      }
      const { result, crossOriginIsolated, hardwareConcurrency } = w.answer;
      report.push(
        `Chromium wasm, ${w.title} (${shape(REFERENCE.config, REFERENCE.batchSize)}), a fresh worker per variant per round, ` +
          `${result.variants[0]?.runMsPerStep.length ?? 0} rounds; page cross-origin isolated: ${crossOriginIsolated}, hardwareConcurrency ${hardwareConcurrency}`,
      );
      report.push(
        table(
          [
            'variant',
            'threads that ran',
            'BatchMatMul',
            'ms/step (median)',
            'per round',
            'tokens/s',
            'time / first (median of rounds)',
            'speed-up over the first',
          ],
          result.variants.map((v, i) => {
            const last = v.last as { threads: number | null; wasmMatMul?: string | null } | undefined;
            return [
              v.label,
              last?.threads ?? '—',
              last?.wasmMatMul ?? '—',
              f0(v.msPerStep),
              v.runMsPerStep.map(f0).join(' '),
              f0((REFERENCE.batchSize * REFERENCE.config.contextLength * 1000) / v.msPerStep),
              `${f2(result.ratioToFirst[i]!)}×`,
              `${f2(1 / result.ratioToFirst[i]!)}×`,
            ];
          }),
        ),
      );
    }
    out.browser = browser;
  }

  if (matmulRows.length > 0) {
    report.push('');
    report.push(
      `wasm BatchMatMul, tfjs's stock kernel vs ours, full reference steps alternated round by round (${matmulRounds} rounds after one warm-up step each)`,
    );
    report.push(table(MATMUL_HEAD, matmulRows));
  }

  machine.loadAverageAfter = os.loadavg().map((x) => Number(x.toFixed(2)));
  out.totalSeconds = Math.round((Date.now() - started) / 1000);
  log('');
  log(report.join('\n'));
  log(
    `\nload average before ${machine.loadAverageBefore.join(' ')}, after ${machine.loadAverageAfter.join(' ')} · ${out.totalSeconds as number} s in all`,
  );
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(
    outFile,
    JSON.stringify(out, (_, v) => (v instanceof Float32Array ? Array.from(v) : v), 2),
  );
  log(`wrote ${outFile}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
