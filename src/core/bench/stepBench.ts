/**
 * Times the training step the studio runs (core/train/trainStep.ts: forward, loss, `variableGrads`, clip + AdamW) on
 * whatever tfjs backend is active. Shared by the Node bench (cli/bench.ts) and the browser bench (the diagnostics worker), so both measure the
 * same code. No DOM, no Node APIs.
 *
 * How it stays honest:
 * - warm-up steps (shader compilation on webgpu, first allocations everywhere) are run and reported, never timed;
 * - a timed run is K steps followed by ONE readback of the last loss: on GPU backends kernels are queued, so only a
 *   read proves the work is done; K = 1 on synchronous backends (cpu, wasm) gives per-step times;
 * - the figure is the median over runs, and every run's figure is kept;
 * - kernels per step come from `tf.profile` of a warm-up step (the profile's own overhead is never timed);
 * - GPU→CPU reads are counted by wrapping `data`/`dataSync`/`array`/`arraySync`/`bytes`, not assumed;
 * - `tf.memory().numTensors` is recorded before, after warm-up and after the timed runs (a leak shows as growth).
 */
import * as tf from '@tensorflow/tfjs-core';
import { setWasmBatchMatMul, wasmBatchMatMulInstalled } from '../kernels/wasm/batchMatMul';
import { chooseEmbeddingGradPath, type EmbeddingGradPath } from '../ops/embedding';
import { countGptParams, type GptConfig } from '../model/config';
import { disposeGptCaches, gptLogits, initGptParams } from '../model/gpt';
import { AGREEMENT_HYPER, syntheticAgreementBatch, type AgreementHyper } from '../train/backendAgreement';
import { createAdamW, trainOnBatch, uploadBatch, type StepBatch, type StepModel } from '../train/trainStep';
import { median } from './median';

/** `sparse`: the studio's sparseCrossEntropy (via gptLoss). `onehot`: tfjs `softmaxCrossEntropy` on one-hot labels. */
export type BenchLoss = 'sparse' | 'onehot';

/** wasm's BatchMatMul: `fast` = ours (core/kernels/wasm/batchMatMul.ts), `stock` = tfjs's own. */
export type WasmMatMulKind = 'fast' | 'stock';

export interface StepBenchOptions {
  config: GptConfig;
  batchSize: number;
  /** Untimed steps first (default 1; use 2 on webgpu, where the first compiles every shader). */
  warmupSteps?: number;
  /** Timed runs; the median run is the figure (default 5). */
  runs?: number;
  /** Steps per timed run, read back once at its end (default 1). */
  stepsPerRun?: number;
  seed?: number;
  loss?: BenchLoss;
  embeddingGrad?: EmbeddingGradPath;
  /**
   * Which wasm BatchMatMul the steps run on, switched before every step (so sessions alternated in one process can
   * differ) and put back as it was when the session ends. Unset: whichever is installed. No effect off wasm.
   */
  wasmMatMul?: WasmMatMulKind;
  /** Profile one warm-up step for the kernel count (default true). */
  profile?: boolean;
  hyper?: AgreementHyper;
  /** Called between steps, e.g. to print progress. */
  onProgress?: (message: string) => void;
}

export interface KernelShare {
  name: string;
  count: number;
  /** Wall time inside the kernel as tfjs's profiler measured it (on webgpu: GPU time where timestamps exist). */
  ms: number;
}

export interface StepBenchResult {
  backend: string;
  config: GptConfig;
  batchSize: number;
  seqLen: number;
  parameters: number;
  loss: BenchLoss;
  embeddingGradPath: 'onehot' | 'scatter';
  /** The wasm BatchMatMul the steps ran on; null off wasm. */
  wasmMatMul: WasmMatMulKind | null;
  warmupMs: number[];
  /** ms per step of each timed run. */
  runMsPerStep: number[];
  msPerStep: number;
  /** B · T positions per second at the median. */
  tokensPerSec: number;
  stepsPerRun: number;
  kernelsPerStep: number | null;
  topKernels: KernelShare[];
  /** Host reads (data/dataSync/array/arraySync/bytes) per timed step. */
  readsPerStep: number;
  numTensors: { before: number; afterWarmup: number; afterTimed: number; after: number };
  /** The loss of the last timed step (a sanity check: finite, near ln(vocab) for a fresh model). */
  lastLoss: number;
}

export { median };

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

const READ_METHODS = ['data', 'dataSync', 'array', 'arraySync', 'bytes'] as const;

/**
 * Counts GPU→CPU reads (any tensor's data/dataSync/array/arraySync/bytes) while `fn` runs, by wrapping the methods on
 * tf.Tensor's prototype and restoring them afterwards. Nested reads (array() calls data()) count once.
 */
export async function countReads<T>(fn: () => Promise<T>): Promise<{ result: T; reads: number }> {
  const proto = tf.Tensor.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const originals = READ_METHODS.flatMap((m) => {
    const orig = proto[m];
    return typeof orig === 'function' ? [[m, orig] as const] : [];
  });
  let reads = 0;
  let depth = 0;
  for (const [m, orig] of originals) {
    proto[m] = function (this: unknown, ...args: unknown[]) {
      if (depth === 0) reads++;
      depth++;
      try {
        const out = orig.apply(this, args);
        if (out instanceof Promise) return out.finally(() => depth--);
        depth--;
        return out;
      } catch (e) {
        depth--;
        throw e;
      }
    };
  }
  try {
    const result = await fn();
    return { result, reads };
  } finally {
    for (const [m, orig] of originals) proto[m] = orig;
  }
}

/** The masked mean cross-entropy through tfjs's stock loss: one-hot labels [B·T, V], weights = mask. */
function onehotLoss({ config, params }: StepModel, { ids, targets, mask }: StepBatch): tf.Scalar {
  const [B, T] = ids.shape;
  const logits = tf.reshape(gptLogits(config, params, ids), [B * T, config.vocabSize]);
  const labels = tf.oneHot(tf.reshape(targets, [B * T]) as tf.Tensor1D, config.vocabSize);
  return tf.losses.softmaxCrossEntropy(
    labels,
    logits,
    tf.reshape(mask, [B * T]),
    0,
    tf.Reduction.SUM_BY_NONZERO_WEIGHTS,
  ) as tf.Scalar;
}

/** One model + optimizer + batch on the active backend, ready to run timed steps; `dispose()` frees all of it. */
export interface StepSession {
  readonly backend: string;
  readonly loss: BenchLoss;
  readonly embeddingGradPath: 'onehot' | 'scatter';
  readonly wasmMatMul: WasmMatMulKind | null;
  readonly seqLen: number;
  /** Tensors alive before the session made anything. */
  readonly tensorsBefore: number;
  /**
   * One step read back at once; with `profile`, inside tf.profile (kernel count, per-kernel times, and the most bytes
   * of tensors alive at once: `peakBytes`, everything the engine tracks, weights and moments included).
   */
  warmupStep(
    profile: boolean,
  ): Promise<{ ms: number; kernels: number | null; top: KernelShare[]; peakBytes: number | null }>;
  /** `steps` steps, then one readback of the last loss; ms per step. */
  timedRun(steps: number): Promise<{ msPerStep: number; loss: number }>;
  dispose(): void;
}

export function openStepSession(o: StepBenchOptions): StepSession {
  const { config, batchSize } = o;
  const hyper = o.hyper ?? AGREEMENT_HYPER;
  const lossKind = o.loss ?? 'sparse';
  const seqLen = config.contextLength;
  const backend = tf.getBackend();
  const requested = o.embeddingGrad ?? 'auto';
  const embeddingGradPath =
    requested === 'auto' ? chooseEmbeddingGradPath(batchSize * seqLen, config.vocabSize, backend) : requested;
  const tensorsBefore = tf.memory().numTensors;
  const batch = syntheticAgreementBatch(config, batchSize, o.seed ?? 1, seqLen);
  const params = initGptParams(config, o.seed ?? 1);
  const trainee = { model: { config, params }, opt: createAdamW(params, hyper) };
  const stepOptions = { embeddingGrad: embeddingGradPath, lossOf: lossKind === 'onehot' ? onehotLoss : undefined };
  const installedBefore: WasmMatMulKind = wasmBatchMatMulInstalled() ? 'fast' : 'stock';
  const matMul = o.wasmMatMul ?? installedBefore;

  // As the runner does it: the host batch is uploaded every step, one synchronous tidy, the loss scalar returned.
  const step = (): tf.Scalar => {
    if (backend === 'wasm') setWasmBatchMatMul(matMul);
    return tf.tidy(() => trainOnBatch(trainee, uploadBatch(batch, batchSize, seqLen), hyper.lr, stepOptions)!.loss);
  };

  return {
    backend,
    loss: lossKind,
    embeddingGradPath,
    wasmMatMul: backend === 'wasm' ? matMul : null,
    seqLen,
    tensorsBefore,
    async warmupStep(profile) {
      const t0 = now();
      if (!profile) {
        const l = step();
        await l.data();
        l.dispose();
        return { ms: now() - t0, kernels: null, top: [], peakBytes: null };
      }
      const info = await tf.profile(async () => {
        const l = step();
        await l.data();
        l.dispose();
      });
      const byName = new Map<string, KernelShare>();
      for (const k of info.kernels) {
        const share = byName.get(k.name) ?? { name: k.name, count: 0, ms: 0 };
        share.count++;
        share.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
        byName.set(k.name, share);
      }
      return {
        ms: now() - t0,
        kernels: info.kernels.length,
        top: [...byName.values()].sort((a, b) => b.ms - a.ms).slice(0, 8),
        peakBytes: info.peakBytes,
      };
    },
    async timedRun(steps) {
      const t0 = now();
      let last: tf.Scalar | undefined;
      for (let i = 0; i < steps; i++) {
        last?.dispose();
        last = step();
      }
      const loss = (await last!.data())[0]!; // the loss: a scalar
      last!.dispose();
      return { msPerStep: (now() - t0) / steps, loss };
    },
    dispose() {
      trainee.opt.dispose();
      for (const p of Object.values(params)) p.dispose();
      setWasmBatchMatMul(installedBefore);
    },
  };
}

/** Benchmarks the training step on the active backend. Frees everything it made. */
export async function benchTrainingStep(o: StepBenchOptions): Promise<StepBenchResult> {
  const warmupSteps = o.warmupSteps ?? 1;
  const runs = o.runs ?? 5;
  const stepsPerRun = o.stepsPerRun ?? 1;
  const progress = o.onProgress ?? (() => {});
  disposeGptCaches();
  const session = openStepSession(o);
  try {
    const warmupMs: number[] = [];
    let kernelsPerStep: number | null = null;
    let topKernels: KernelShare[] = [];
    const profileAt = o.profile === false ? -1 : Math.max(0, warmupSteps - 1);
    for (let i = 0; i < warmupSteps; i++) {
      const w = await session.warmupStep(i === profileAt);
      if (i === profileAt) {
        kernelsPerStep = w.kernels;
        topKernels = w.top;
      }
      warmupMs.push(w.ms);
      progress(`warm-up ${i + 1}/${warmupSteps}: ${w.ms.toFixed(0)} ms`);
    }
    const afterWarmup = tf.memory().numTensors;

    const runMsPerStep: number[] = [];
    let lastLoss = NaN;
    const { reads } = await countReads(async () => {
      for (let r = 0; r < runs; r++) {
        const run = await session.timedRun(stepsPerRun);
        lastLoss = run.loss;
        runMsPerStep.push(run.msPerStep);
        progress(`run ${r + 1}/${runs}: ${run.msPerStep.toFixed(0)} ms/step`);
      }
    });
    const afterTimed = tf.memory().numTensors;
    const msPerStep = median(runMsPerStep);
    return {
      backend: session.backend,
      config: o.config,
      batchSize: o.batchSize,
      seqLen: session.seqLen,
      parameters: countGptParams(o.config),
      loss: session.loss,
      embeddingGradPath: session.embeddingGradPath,
      wasmMatMul: session.wasmMatMul,
      warmupMs,
      runMsPerStep,
      msPerStep,
      tokensPerSec: (o.batchSize * session.seqLen * 1000) / msPerStep,
      stepsPerRun,
      kernelsPerStep,
      topKernels,
      readsPerStep: reads / (runs * stepsPerRun),
      numTensors: { before: session.tensorsBefore, afterWarmup, afterTimed, after: -1 },
      lastLoss,
    };
  } finally {
    session.dispose();
    disposeGptCaches();
  }
}

export interface InterleavedVariant {
  label: string;
  options: Omit<StepBenchOptions, 'config' | 'batchSize'>;
}

/** The variants a worker can be sent (plain data). */
export interface SerializableVariant {
  label: string;
  options: Pick<StepBenchOptions, 'loss' | 'embeddingGrad' | 'wasmMatMul'>;
}

export interface InterleavedResult {
  label: string;
  backend: string;
  embeddingGradPath: 'onehot' | 'scatter';
  wasmMatMul: WasmMatMulKind | null;
  loss: BenchLoss;
  runMsPerStep: number[];
  msPerStep: number;
  lastLoss: number;
}

export interface InterleavedBench {
  variants: InterleavedResult[];
  /** Median over rounds of each variant's time / the first variant's time in the same round. */
  ratioToFirst: number[];
  /** Tensors left once every session was freed (0 = no leak). */
  tensorsLeft: number;
}

/**
 * Two or more variants of the same step (loss, embedding route, wasm matmul) on the same backend, timed in alternation — A B A B … —
 * so that a machine whose load drifts slows every variant alike. Returns each variant's runs and median, and the
 * median of the per-round ratios to the first variant (robust to drift in a way a ratio of medians is not).
 */
export async function benchInterleaved(
  base: Pick<StepBenchOptions, 'config' | 'batchSize' | 'seed' | 'hyper'>,
  variants: InterleavedVariant[],
  rounds: number,
  onProgress: (message: string) => void = () => {},
): Promise<InterleavedBench> {
  disposeGptCaches();
  const before = tf.memory().numTensors;
  const sessions = variants.map((v) => openStepSession({ ...base, ...v.options }));
  let result: { variants: InterleavedResult[]; ratioToFirst: number[] };
  try {
    for (const s of sessions) await s.warmupStep(false);
    // One lane per variant: its session, its times per round, its last loss, its time over the first's per round.
    const lanes = sessions.map((session, i) => ({
      session,
      label: variants[i]!.label,
      runs: [] as number[],
      lastLoss: NaN,
      ratios: [] as number[],
    }));
    for (let r = 0; r < rounds; r++) {
      const times: number[] = [];
      for (const lane of lanes) {
        const run = await lane.session.timedRun(1);
        lane.runs.push(run.msPerStep);
        lane.lastLoss = run.loss;
        times.push(run.msPerStep);
      }
      for (const [i, lane] of lanes.entries()) lane.ratios.push(times[i]! / times[0]!);
      onProgress(
        `round ${r + 1}/${rounds}: ${lanes.map((l, i) => `${l.label} ${times[i]!.toFixed(0)} ms`).join(', ')}`,
      );
    }
    result = {
      variants: lanes.map(({ session: s, label, runs, lastLoss }) => ({
        label,
        backend: s.backend,
        embeddingGradPath: s.embeddingGradPath,
        wasmMatMul: s.wasmMatMul,
        loss: s.loss,
        runMsPerStep: runs,
        msPerStep: median(runs),
        lastLoss,
      })),
      ratioToFirst: lanes.map((l) => median(l.ratios)),
    };
  } finally {
    for (const s of sessions) s.dispose();
    disposeGptCaches();
  }
  return { ...result, tensorsLeft: tf.memory().numTensors - before };
}

/** `benchTrainingStep`, with `numTensors.after` filled in once everything is freed. */
export async function benchTrainingStepAndFree(o: StepBenchOptions): Promise<StepBenchResult> {
  const r = await benchTrainingStep(o);
  r.numTensors.after = tf.memory().numTensors;
  return r;
}

/** An op for `timeOpsInterleaved`: `f` runs it once (forward + backward); `runs` overrides the timed rounds. */
export interface TimedOp {
  name: string;
  f: () => tf.Tensor;
  runs?: number;
}

export interface OpTiming {
  name: string;
  backend: string;
  /** Median ms of one forward + backward. */
  ms: number;
  runs: number[];
  /** Set instead of a time when the op cannot run on this backend (e.g. a missing gradient kernel). */
  error?: string;
}

/**
 * Several ops timed in alternation (round r runs op 0, op 1, … once each), after `warmup` untimed rounds, so load
 * drift hits them alike. An op that throws is reported with its error and left out of later rounds.
 */
export async function timeOpsInterleaved<const Ops extends readonly TimedOp[]>(
  ops: Ops,
  runs = 5,
  warmup = 1,
): Promise<{ [I in keyof Ops]: OpTiming }> {
  const backend = tf.getBackend();
  const out: OpTiming[] = ops.map((op) => ({ name: op.name, backend, ms: NaN, runs: [] }));
  const maxRounds = Math.max(...ops.map((op) => op.runs ?? runs));
  for (let r = 0; r < warmup + maxRounds; r++) {
    for (const [i, op] of ops.entries()) {
      const timing = out[i]!; // one timing per op
      if (timing.error || (r >= warmup && timing.runs.length >= (op.runs ?? runs))) continue;
      try {
        const t0 = now();
        const t = op.f();
        await t.data();
        t.dispose();
        if (r >= warmup) timing.runs.push(now() - t0);
      } catch (e) {
        timing.error = e instanceof Error ? e.message : String(e);
      }
    }
  }
  for (const o of out) o.ms = o.error ? NaN : median(o.runs);
  return out as { [I in keyof Ops]: OpTiming }; // one timing per op, in order
}
