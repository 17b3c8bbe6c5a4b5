/**
 * The Node half of `npm run bench`: training-step timings on the wasm backend, the runner's readbacks and tensor
 * count over a real run, and "ours vs tfjs's stock op" ratios (wasm BatchMatMul included), all in one process.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { InstructionRecord } from '../../src/core/data/record';
import { setWasmBatchMatMul, wasmBatchMatMulInstalled } from '../../src/core/kernels/wasm/batchMatMul';
import { embeddingLookup } from '../../src/core/ops/embedding';
import { sparseCrossEntropy } from '../../src/core/ops/sparseCrossEntropy';
import { validateGptConfig, type GptConfig } from '../../src/core/model/config';
import { disposeGptCaches, initGptParams } from '../../src/core/model/gpt';
import { CharTokenizer } from '../../src/core/tokenizer/charTokenizer';
import { PAPER_HYPER } from '../../src/core/train/hyper';
import type { RunEvent } from '../../src/core/train/events';
import { PhasedRunner } from '../../src/core/train/runner';
import { mulberry32 } from '../../src/core/util/random';
import {
  benchInterleaved,
  benchTrainingStepAndFree,
  countReads,
  median,
  timeOpsInterleaved,
  type InterleavedVariant,
  type OpTiming,
  type StepBenchResult,
  type WasmMatMulKind,
} from '../../src/core/bench/stepBench';
import { setNodeBackend } from '../../src/core/kernels/nodeBackends';

export const log = (message: string) => process.stdout.write(`${message}\n`);

/** A char-level GPT of the given shape; vocabulary 64 (a character tokenizer's size on English text). */
export function gpt(layers: number, width: number, heads: number, contextLength: number, vocabSize = 64): GptConfig {
  return validateGptConfig({
    vocabSize,
    contextLength,
    layers,
    width,
    heads,
    mlpRatio: 4,
    layerNormEps: 1e-5,
    attentionScale: 'sqrt',
  });
}

export const REFERENCE = { name: 'ref-w128', config: gpt(4, 128, 4, 128), batchSize: 16 };
export const REFERENCE_WIDE = { name: 'ref-w256', config: gpt(4, 256, 4, 128), batchSize: 16 };
/** ENVIRONMENT.md's configuration (and the browser bench's): 2 layers, width 64, context 64, batch 8. */
export const SMALL = { name: 'small-w64', config: gpt(2, 64, 4, 64), batchSize: 8 };

export interface StepFigures {
  name: string;
  result: StepBenchResult;
}

export async function stepBench(
  name: string,
  backend: 'wasm' | 'cpu',
  spec: { config: GptConfig; batchSize: number },
  o: {
    warmupSteps: number;
    runs: number;
    loss?: 'sparse' | 'onehot';
    embeddingGrad?: 'onehot' | 'scatter';
    profile?: boolean;
  },
): Promise<StepFigures> {
  await setNodeBackend(backend);
  log(`· ${name} on ${backend}: ${o.warmupSteps} warm-up + ${o.runs} timed steps…`);
  const result = await benchTrainingStepAndFree({
    config: spec.config,
    batchSize: spec.batchSize,
    warmupSteps: o.warmupSteps,
    runs: o.runs,
    stepsPerRun: 1,
    loss: o.loss,
    embeddingGrad: o.embeddingGrad,
    profile: o.profile,
    onProgress: (m) => log(`    ${m}`),
  });
  return { name, result };
}

// ───────────────────────────── the runner over a real run ─────────────────────────────

export interface RunnerFigures {
  config: GptConfig;
  batchSize: number;
  steps: number;
  logEvery: number;
  /** The runner's own counter (warm-up read + one per log window + the final flush). */
  readbacks: number;
  readbacksPerStep: number;
  /** Every data/dataSync/array/arraySync/bytes call during run(), counted independently of the runner. */
  hostReads: number;
  hostReadsPerStep: number;
  /** tf.memory().numTensors at each logged step. */
  tensorsAtStep: Record<number, number>;
  /** numTensors before the model was made, and after the runner, the parameters and the mask cache were freed. */
  tensorsBefore: number;
  tensorsAfterDispose: number;
  /** Median ms/step over the log windows, first window excluded. */
  msPerStep: number;
  windowMsPerStep: number[];
  tokensPerSec: number;
  firstLoss: number;
  lastLoss: number;
}

/** Char records whose paper-template rendering is about `length` characters: full context windows, few pads. */
function syntheticRecords(n: number, length: number, seed: number): InstructionRecord[] {
  const next = mulberry32(seed);
  const alphabet = 'abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,?';
  const text = (k: number) => Array.from({ length: k }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
  const body = Math.max(8, length - 22); // "User: " + "\nAssistant: " + specials
  return Array.from({ length: n }, (_, i) => ({
    id: `r${i}`,
    instruction: text(Math.floor(body / 3)),
    input: '',
    output: text(body - Math.floor(body / 3)),
    meta: {},
  }));
}

/**
 * Trains `steps` optimizer steps through PhasedRunner (one phase, logEvery as given, no checkpoints or evaluation)
 * and reports its readbacks, host reads, tensor count at each log window, and speed.
 */
export async function runnerBench(
  spec: { config: GptConfig; batchSize: number },
  steps: number,
  logEvery: number,
): Promise<RunnerFigures> {
  await setNodeBackend('wasm');
  const { config: shape, batchSize } = spec;
  const records = syntheticRecords(Math.max(64, batchSize * 16), shape.contextLength, 7);
  const tokenizer = CharTokenizer.fromTexts(
    records.flatMap((r) => [r.instruction, r.output]),
    { alwaysInclude: 'User: \nAssistant' },
  );
  const config = { ...shape, vocabSize: tokenizer.vocabSize };
  disposeGptCaches();
  const tensorsBefore = tf.memory().numTensors;
  const params = initGptParams(config, 1);
  const tensorsAtStep: Record<number, number> = {};
  const windows: { step: number; elapsedMs: number }[] = [];
  let firstLoss = NaN;
  let lastLoss = NaN;
  const onEvent = (e: RunEvent) => {
    if (e.type !== 'step') return;
    tensorsAtStep[e.step] = tf.memory().numTensors;
    windows.push({ step: e.step, elapsedMs: e.elapsedMs });
    if (Number.isNaN(firstLoss)) firstLoss = e.losses[0] ?? NaN;
    lastLoss = e.losses.at(-1)!;
    if (e.step % (logEvery * 5) === 0)
      log(`    step ${e.step}: loss ${e.loss.toFixed(3)}, ${tf.memory().numTensors} tensors`);
  };
  const epochs = Math.ceil((steps * batchSize) / records.length) + 1;
  const runner = new PhasedRunner({
    config: {
      arm: { kind: 'one-off' },
      hyper: { ...PAPER_HYPER, lr: 1e-3, batchSize, epochsPerPhase: epochs, warmupRatio: 0.05 },
      seed: 1,
      logEvery,
      evalEvery: 0,
      template: 'paper',
      contextLength: config.contextLength,
    },
    model: { config, params },
    tokenizer,
    phases: [records],
    maxSteps: steps,
    checkpoints: false,
    onEvent,
  });
  log(
    `· runner: ${steps} steps of ${config.layers} layers × width ${config.width}, context ${config.contextLength}, batch ${batchSize}, logEvery ${logEvery} (vocab ${config.vocabSize})…`,
  );
  let figures: Omit<RunnerFigures, 'tensorsAfterDispose'>;
  try {
    const { result: summary, reads } = await countReads(() => runner.run());
    if (summary.status === 'error') throw new Error(`The benchmark run failed: ${summary.error}`);
    const windowMsPerStep: number[] = [];
    for (let i = 1; i < windows.length; i++) {
      const [a, b] = [windows[i - 1]!, windows[i]!];
      windowMsPerStep.push((b.elapsedMs - a.elapsedMs) / (b.step - a.step));
    }
    const msPerStep = median(windowMsPerStep);
    figures = {
      config,
      batchSize,
      steps: summary.steps,
      logEvery,
      readbacks: summary.readbacks,
      readbacksPerStep: summary.readbacks / summary.steps,
      hostReads: reads,
      hostReadsPerStep: reads / summary.steps,
      tensorsAtStep,
      tensorsBefore,
      msPerStep,
      windowMsPerStep,
      tokensPerSec: (batchSize * config.contextLength * 1000) / msPerStep,
      firstLoss,
      lastLoss,
    };
  } finally {
    runner.dispose();
    for (const p of Object.values(params)) p.dispose();
    disposeGptCaches();
  }
  return { ...figures, tensorsAfterDispose: tf.memory().numTensors };
}

// ───────────────────────────── ours vs tfjs's stock ops, op level ─────────────────────────────

/** Normal-ish values from a seed, host-side so every backend gets the same numbers. */
function values(n: number, seed: number, scale = 1): Float32Array {
  const next = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (next() + next() + next() - 1.5) * scale;
  return out;
}

function ints(n: number, max: number, seed: number): Int32Array {
  const next = mulberry32(seed);
  return Int32Array.from({ length: n }, () => Math.floor(next() * max));
}

/** Masked mean cross-entropy, forward + gradient w.r.t. the logits: ours (sparse) vs softmaxCrossEntropy on one-hot. */
export async function crossEntropyOps(n: number, vocab: number, runs: number): Promise<readonly [OpTiming, OpTiming]> {
  const logits = tf.tensor2d(values(n * vocab, 1), [n, vocab]);
  const labels = tf.tensor1d(ints(n, vocab, 2), 'int32');
  const mask = tf.tensor1d(Float32Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 0 : 1)));
  try {
    return await timeOpsInterleaved(
      [
        {
          name: `sparse CE fwd+bwd [${n}, ${vocab}]`,
          f: () => tf.tidy(() => tf.grad((z: tf.Tensor) => sparseCrossEntropy(z as tf.Tensor2D, labels, mask))(logits)),
        },
        {
          name: `one-hot softmaxCE fwd+bwd [${n}, ${vocab}]`,
          f: () =>
            tf.tidy(() =>
              tf.grad(
                (z: tf.Tensor) =>
                  tf.losses.softmaxCrossEntropy(
                    tf.oneHot(labels, vocab),
                    z,
                    mask,
                    0,
                    tf.Reduction.SUM_BY_NONZERO_WEIGHTS,
                  ) as tf.Scalar,
              )(logits),
            ),
        },
      ],
      runs,
    );
  } finally {
    tf.dispose([logits, labels, mask]);
  }
}

/**
 * Embedding lookup, forward + gradient w.r.t. the table: our two routes and, with `gatherRuns` > 0, tf.gather's own
 * gradient (unsortedSegmentSum: missing on wasm; on cpu one equal·mul·sum pass per vocabulary row, O(V·n·C)).
 */
export async function embeddingOps(
  n: number,
  vocab: number,
  width: number,
  runs: number,
  gatherRuns: number,
): Promise<OpTiming[]> {
  const table = tf.tensor2d(values(vocab * width, 3, 0.02), [vocab, width]);
  const ids = tf.tensor1d(ints(n, vocab, 4), 'int32');
  const dy = tf.tensor2d(values(n * width, 5), [n, width]);
  const grad = (lookup: (t: tf.Tensor2D) => tf.Tensor) => () =>
    tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(lookup(t as tf.Tensor2D), dy)))(table));
  const what = `fwd+bwd n=${n} V=${vocab} C=${width}`;
  const ops = [
    { name: `embedding scatter ${what}`, f: grad((t) => embeddingLookup(t, ids, 'scatter')) },
    { name: `embedding onehot ${what}`, f: grad((t) => embeddingLookup(t, ids, 'onehot')) },
  ];
  if (gatherRuns > 0)
    ops.push({
      name: `tf.gather ${what}`,
      f: grad((t) => tf.gather(t, ids)),
      runs: gatherRuns,
    } as (typeof ops)[number]);
  try {
    return await timeOpsInterleaved(ops, runs);
  } finally {
    tf.dispose([table, ids, dy]);
  }
}

/** `f` on the wasm BatchMatMul `kind` (the op timers alternate the two; see src/core/kernels/wasm/batchMatMul.ts). */
function on(kind: WasmMatMulKind, f: () => tf.Tensor): () => tf.Tensor {
  return () => {
    setWasmBatchMatMul(kind);
    return f();
  };
}

/** Runs `f`, then puts back whichever wasm BatchMatMul was installed before. */
async function keepingWasmMatMul<T>(f: () => Promise<T>): Promise<T> {
  const before: WasmMatMulKind = wasmBatchMatMulInstalled() ? 'fast' : 'stock';
  try {
    return await f();
  } finally {
    setWasmBatchMatMul(before);
  }
}

/**
 * A linear layer's backward matmuls as tfjs's matMul gradient writes them (a transposed operand), on wasm's stock
 * BatchMatMul (which leaves XNNPACK for a naive loop there) and on ours. Returns [forward x·W, dW stock, dW ours,
 * dX stock, dX ours]; the forward is a plain product, the same on both.
 */
export async function transposedMatmulOps(
  rows: number,
  inWidth: number,
  outWidth: number,
  runs: number,
): Promise<readonly [OpTiming, OpTiming, OpTiming, OpTiming, OpTiming]> {
  const x = tf.tensor2d(values(rows * inWidth, 6), [rows, inWidth]);
  const dy = tf.tensor2d(values(rows * outWidth, 7), [rows, outWidth]);
  const w = tf.tensor2d(values(inWidth * outWidth, 8, 0.02), [inWidth, outWidth]);
  try {
    return await keepingWasmMatMul(() =>
      timeOpsInterleaved(
        [
          { name: `forward x·W [${rows}×${inWidth}]·[${inWidth}×${outWidth}]`, f: () => tf.matMul(x, w) },
          { name: 'dW = matMul(x, dy, transposeA), stock', f: on('stock', () => tf.matMul(x, dy, true, false)) },
          { name: 'dW = matMul(x, dy, transposeA), ours', f: on('fast', () => tf.matMul(x, dy, true, false)) },
          { name: 'dX = matMul(dy, W, transposeB), stock', f: on('stock', () => tf.matMul(dy, w, false, true)) },
          { name: 'dX = matMul(dy, W, transposeB), ours', f: on('fast', () => tf.matMul(dy, w, false, true)) },
        ],
        runs,
      ),
    );
  } finally {
    tf.dispose([x, dy, w]);
  }
}

/**
 * Attention's batched products at [batch, heads, T, headDim]: scores q·kᵀ (transposeB) and att·v, on wasm's stock
 * BatchMatMul and on ours. Returns [q·kᵀ stock, q·kᵀ ours, att·v stock, att·v ours].
 */
export async function attentionMatmulOps(
  batch: number,
  heads: number,
  T: number,
  headDim: number,
  runs: number,
): Promise<readonly [OpTiming, OpTiming, OpTiming, OpTiming]> {
  const q = tf.tensor4d(values(batch * heads * T * headDim, 9), [batch, heads, T, headDim]);
  const k = tf.tensor4d(values(batch * heads * T * headDim, 10), [batch, heads, T, headDim]);
  const att = tf.tensor4d(values(batch * heads * T * T, 11), [batch, heads, T, T]);
  const what = `[${batch}, ${heads}, ${T}, ${headDim}]`;
  try {
    return await keepingWasmMatMul(() =>
      timeOpsInterleaved(
        [
          { name: `scores q·kᵀ ${what}, stock`, f: on('stock', () => tf.matMul(q, k, false, true)) },
          { name: `scores q·kᵀ ${what}, ours`, f: on('fast', () => tf.matMul(q, k, false, true)) },
          { name: `att·v ${what}, stock`, f: on('stock', () => tf.matMul(att, k)) },
          { name: `att·v ${what}, ours`, f: on('fast', () => tf.matMul(att, k)) },
        ],
        runs,
      ),
    );
  } finally {
    tf.dispose([q, k, att]);
  }
}

/** Full training steps of `spec` in alternation, one variant per loss / embedding route / wasm matmul (see benchInterleaved). */
export async function interleavedSteps(
  title: string,
  backend: 'wasm' | 'cpu',
  spec: { config: GptConfig; batchSize: number },
  variants: InterleavedVariant[],
  rounds: number,
) {
  await setNodeBackend(backend);
  log(`· ${title} on ${backend}, ${rounds} alternating rounds after a warm-up…`);
  const r = await benchInterleaved({ config: spec.config, batchSize: spec.batchSize }, variants, rounds, (m) =>
    log(`    ${m}`),
  );
  return { title, backend, ...r };
}
