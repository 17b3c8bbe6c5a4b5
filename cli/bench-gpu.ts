/**
 * The training step on WebGPU through Dawn in Node: `npm run bench:gpu [-- --configs reference,gpt2,smollm2]
 * [--rounds N] [--context T] [--batch B] [--layers L] [--out FILE]`
 *
 * Prints the adapter (vendor, architecture, description, limits, the Vulkan ICD it came through: a GPU's when the
 * machine has one, else SwiftShader), then for each config the fused kernels (src/core/kernels/webgpu) against tfjs's
 * stock composite ops, alternated round by round in one process: ms/step (median), tokens/s, kernels per step
 * (tf.profile of a warm-up step) and GPU dispatches in that step, achieved TFLOP/s and, for a known GPU, the share of its FP32 peak.
 * FLOPs per step: 6·N·B·T (N = parameters) + 12·L·C·T·B·T (attention's QKᵀ and PV, forward and backward, the PaLM
 * paper's count; causal masking is not subtracted). Configs: `reference` (4 × 128, context 128, batch 16), `gpt2`
 * (GPT-2 small's shape: 12 × 768, context 256, batch 8, vocabulary 50 257; very slow on SwiftShader) and `smollm2`
 * (SmolLM2-135M's: model/config.ts SMOLLM2_135M, 30 × 576, context 256, batch 4). Per variant also the most bytes
 * alive in the profiled step (tf.profile's peak) beside model/memoryEstimate.ts's estimate of a full fine-tuning step.
 * `--context` / `--batch` / `--layers` run every config at most that long / large / deep (a 135M-parameter step on
 * a software adapter takes many minutes): kernel and dispatch counts do not depend on context and batch and grow by
 * the same count per layer; ms/step and memory depend on all three. The output says what was reduced.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { countWebGPUDispatches } from '../src/core/bench/gpuDispatches';
import { median, openStepSession, type StepSession } from '../src/core/bench/stepBench';
import { countGptParams, SMOLLM2_135M, validateGptConfig, type GptConfig } from '../src/core/model/config';
import { estimateTrainingMemory } from '../src/core/model/memoryEstimate';
import { disposeGptCaches } from '../src/core/model/gpt';
import '../src/core/kernels/nodeBackends';
import { describeAdapter, startDawnWebGPU, type DawnAdapterReport } from '../src/core/kernels/webgpu/dawnNode';
import { setFusedKernels } from '../src/core/ops/dispatch';

const USAGE =
  'usage: npm run bench:gpu -- [--configs reference,gpt2,smollm2] [--rounds N] [--context T] [--batch B] [--layers L] [--out FILE]';

const gpt = (layers: number, width: number, heads: number, contextLength: number, vocabSize: number): GptConfig =>
  validateGptConfig({
    vocabSize,
    contextLength,
    layers,
    width,
    heads,
    mlpRatio: 4,
    layerNormEps: 1e-5,
    attentionScale: 'sqrt',
  });

const CONFIGS: Record<string, { config: GptConfig; batchSize: number }> = {
  reference: { config: gpt(4, 128, 4, 128, 64), batchSize: 16 },
  gpt2: { config: gpt(12, 768, 12, 256, 50257), batchSize: 8 },
  smollm2: { config: { ...SMOLLM2_135M, contextLength: 256 }, batchSize: 4 },
};

/** A config at most `context` long and `batch` large, and what was reduced (null: nothing). */
export function reduced(
  entry: { config: GptConfig; batchSize: number },
  context: number | undefined,
  batch: number | undefined,
  layers?: number,
): { config: GptConfig; batchSize: number; reducedFrom: string | null } {
  const T = Math.min(entry.config.contextLength, context ?? Infinity);
  const B = Math.min(entry.batchSize, batch ?? Infinity);
  const L = Math.min(entry.config.layers, layers ?? Infinity);
  const from = [
    T < entry.config.contextLength ? `context ${entry.config.contextLength} → ${T}` : null,
    B < entry.batchSize ? `batch ${entry.batchSize} → ${B}` : null,
    L < entry.config.layers ? `layers ${entry.config.layers} → ${L}` : null,
  ].filter((x) => x !== null);
  return {
    config: { ...entry.config, contextLength: T, layers: L },
    batchSize: B,
    reducedFrom: from.length ? from.join(', ') : null,
  };
}

/** FP32 peak TFLOP/s (vendor figures, dense, boost clock) by a pattern on the adapter's description. */
const PEAK_FP32: [RegExp, string, number][] = [
  [/H200/i, 'NVIDIA H200', 67],
  [/H100.*PCIe/i, 'NVIDIA H100 PCIe', 51],
  [/H100/i, 'NVIDIA H100 SXM', 67],
  [/A100/i, 'NVIDIA A100', 19.5],
  [/L40S/i, 'NVIDIA L40S', 91.6],
  [/\bL4\b/i, 'NVIDIA L4', 30.3],
  [/A10G/i, 'NVIDIA A10G', 31.2],
  [/\bA10\b/i, 'NVIDIA A10', 31.2],
  [/\bT4\b/i, 'NVIDIA T4', 8.1],
  [/RTX 4090/i, 'NVIDIA RTX 4090', 82.6],
  [/RTX 4080/i, 'NVIDIA RTX 4080', 48.7],
  [/RTX 3090/i, 'NVIDIA RTX 3090', 35.6],
  [/RTX 3080/i, 'NVIDIA RTX 3080', 29.8],
  [/M3 Max/i, 'Apple M3 Max', 14.2],
  [/M2 Max/i, 'Apple M2 Max', 13.6],
  [/M1 Max/i, 'Apple M1 Max', 10.4],
  [/M3/i, 'Apple M3', 4.1],
  [/M2/i, 'Apple M2', 3.6],
  [/M1/i, 'Apple M1', 2.6],
];

export function knownPeak(
  adapter: Pick<DawnAdapterReport, 'vendor' | 'architecture' | 'description' | 'device'>,
): { name: string; tflops: number } | null {
  const text = `${adapter.vendor} ${adapter.architecture} ${adapter.description} ${adapter.device}`;
  const hit = PEAK_FP32.find(([re]) => re.test(text));
  return hit ? { name: hit[1], tflops: hit[2] } : null;
}

export function stepFlops(c: GptConfig, batchSize: number): number {
  const tokens = batchSize * c.contextLength;
  return 6 * countGptParams(c) * tokens + 12 * c.layers * c.width * c.contextLength * tokens;
}

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

const log = (m: string) => process.stdout.write(`${m}\n`);
const MB = (bytes: number | null) => (bytes === null ? '—' : (bytes / 1e6).toFixed(0));

interface VariantFigures {
  variant: 'fused' | 'stock';
  kernelsPerStep: number | null;
  /** tf.profile's most bytes alive in the profiled step (weights, moments and batch included). */
  peakBytes: number | null;
  /** Compute dispatches of the profiled step (tf.profile's Identity and Reshape dispatch nothing on webgpu). */
  dispatchesPerStep: number | null;
  topKernels: { name: string; count: number }[];
  warmupMs: number[];
  runMsPerStep: number[];
  msPerStep: number;
  tokensPerSec: number;
  tflops: number;
  shareOfPeak: number | null;
  lastLoss: number;
}

async function benchConfig(
  name: string,
  rounds: number,
  peak: number | null,
  limits: { context?: number; batch?: number; layers?: number },
) {
  const entry = CONFIGS[name];
  if (!entry) throw new Error(`unknown config "${name}" (known: ${Object.keys(CONFIGS).join(', ')})`);
  const { config, batchSize, reducedFrom } = reduced(entry, limits.context, limits.batch, limits.layers);
  if (reducedFrom)
    log(
      `  ${name}: reduced for this run: ${reducedFrom} (kernel counts do not depend on context or batch; each layer adds the same kernels)`,
    );
  const estimate = estimateTrainingMemory(config, { batchSize, contextLength: config.contextLength });
  disposeGptCaches();
  const before = tf.memory().numTensors;
  const variants = ['fused', 'stock'] as const;
  const sessions: StepSession[] = [];
  const figures: VariantFigures[] = [];
  // One lane per variant, in the order of `variants`: its session and its figures.
  const lanes: { variant: (typeof variants)[number]; session: StepSession; figures: VariantFigures }[] = [];
  try {
    for (const v of variants) {
      setFusedKernels(v === 'fused');
      const s = openStepSession({ config, batchSize, seed: 1 });
      sessions.push(s);
      const first = await s.warmupStep(false);
      const { result: profiled, dispatches } = await countWebGPUDispatches(() => s.warmupStep(true));
      const vf: VariantFigures = {
        variant: v,
        kernelsPerStep: profiled.kernels,
        peakBytes: profiled.peakBytes,
        dispatchesPerStep: dispatches,
        topKernels: profiled.top.map((k) => ({ name: k.name, count: k.count })),
        warmupMs: [first.ms, profiled.ms],
        runMsPerStep: [],
        msPerStep: NaN,
        tokensPerSec: NaN,
        tflops: NaN,
        shareOfPeak: null,
        lastLoss: NaN,
      };
      figures.push(vf);
      lanes.push({ variant: v, session: s, figures: vf });
      log(
        `  ${name} ${v}: warm-up ${first.ms.toFixed(0)} ms, profiled step ${profiled.ms.toFixed(0)} ms, ${profiled.kernels} kernels, ${dispatches} dispatches, peak ${MB(profiled.peakBytes)} MB (estimate ${MB(estimate.total)} MB)`,
      );
    }
    for (let r = 0; r < rounds; r++) {
      for (const lane of lanes) {
        setFusedKernels(lane.variant === 'fused');
        const run = await lane.session.timedRun(1);
        lane.figures.runMsPerStep.push(run.msPerStep);
        lane.figures.lastLoss = run.loss;
      }
      log(
        `  round ${r + 1}/${rounds}: ${figures.map((f) => `${f.variant} ${f.runMsPerStep[r]!.toFixed(0)} ms`).join(', ')}`,
      );
    }
  } finally {
    for (const s of sessions) s.dispose();
    setFusedKernels(true);
    disposeGptCaches();
  }
  const flops = stepFlops(config, batchSize);
  for (const f of figures) {
    f.msPerStep = median(f.runMsPerStep);
    f.tokensPerSec = (batchSize * config.contextLength * 1000) / f.msPerStep;
    f.tflops = flops / (f.msPerStep / 1000) / 1e12;
    f.shareOfPeak = peak ? f.tflops / peak : null;
  }
  const [fused, stock] = figures as [VariantFigures, VariantFigures]; // one per variant, each with a time per round
  const ratios = fused.runMsPerStep.map((ms, r) => stock.runMsPerStep[r]! / ms);
  return {
    name,
    config,
    batchSize,
    reducedFrom,
    estimatedBytes: estimate.total,
    parameters: countGptParams(config),
    flopsPerStep: flops,
    variants: figures,
    stockOverFused: median(ratios),
    roundRatios: ratios,
    tensorsLeft: tf.memory().numTensors - before,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      configs: { type: 'string' },
      rounds: { type: 'string' },
      context: { type: 'string' },
      batch: { type: 'string' },
      layers: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const names = (values.configs ?? 'reference,gpt2')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names)
    if (!(n in CONFIGS)) fail(`unknown config "${n}" (known: ${Object.keys(CONFIGS).join(', ')})\n${USAGE}`);
  const rounds = values.rounds === undefined ? 3 : Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) fail(`--rounds must be a positive integer\n${USAGE}`);
  const limits: { context?: number; batch?: number; layers?: number } = {};
  for (const key of ['context', 'batch', 'layers'] as const) {
    if (values[key] === undefined) continue;
    const n = Number(values[key]);
    if (!Number.isInteger(n) || n < 1) fail(`--${key} must be a positive integer\n${USAGE}`);
    limits[key] = n;
  }

  const loadBefore = os.loadavg();
  const adapter = await startDawnWebGPU();
  const peak = knownPeak(adapter);
  log(`adapter: ${describeAdapter(adapter)}`);
  log(
    `limits: ${Object.entries(adapter.limits)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`,
  );
  log(`FP32 peak: ${peak ? `${peak.tflops} TFLOP/s (${peak.name})` : 'unknown for this adapter'}`);
  log(`load average before: ${loadBefore.map((x) => x.toFixed(2)).join(' ')} (${os.cpus().length} CPUs)`);

  const results = [];
  for (const name of names) {
    log(`${name}:`);
    results.push(await benchConfig(name, rounds, peak?.tflops ?? null, limits));
  }
  const loadAfter = os.loadavg();
  log('');
  log(
    '| config | variant | kernels/step (tf.profile) | GPU dispatches/step | peak MB (tf.profile) | estimate MB | ms/step (median) | tokens/s | TFLOP/s | share of FP32 peak | stock/fused (median of rounds) |',
  );
  log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    for (const f of r.variants) {
      const share = f.shareOfPeak === null ? '—' : `${(f.shareOfPeak * 100).toFixed(2)} %`;
      log(
        `| ${r.name} (${r.config.layers}×${r.config.width}, T ${r.config.contextLength}, B ${r.batchSize}${r.reducedFrom ? `; reduced: ${r.reducedFrom}` : ''}) | ${f.variant} | ${f.kernelsPerStep ?? '—'} | ${f.dispatchesPerStep ?? '—'} | ${MB(f.peakBytes)} | ${MB(r.estimatedBytes)} | ${f.msPerStep.toFixed(0)} | ${f.tokensPerSec.toFixed(0)} | ${f.tflops.toFixed(4)} | ${share} | ${f.variant === 'fused' ? `${r.stockOverFused.toFixed(2)}×` : ''} |`,
      );
    }
  }
  log(`load average after: ${loadAfter.map((x) => x.toFixed(2)).join(' ')}`);
  const out = resolve(values.out ?? 'bench-results/bench-gpu.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    JSON.stringify(
      { adapter, peak, loadAverageBefore: loadBefore, loadAverageAfter: loadAfter, cpus: os.cpus().length, results },
      null,
      2,
    ),
  );
  log(`wrote ${out}`);
}

await main();
