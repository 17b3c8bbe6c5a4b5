/**
 * Does a backend train the same model as the cpu reference? One full training step — forward, sparse cross-entropy,
 * gradients, global-norm clip, AdamW — from the same seed and batch on each backend, then the numbers compared.
 *
 * What is read back per backend: the loss, the gradient of the token embedding `wte` (the custom embedding gradient:
 * tf.gather's own, unsortedSegmentSum, has an open correctness report on webgpu), the global gradient norm and every
 * parameter after the update. Every hyper-parameter is passed explicitly: a backend-dependent default (webgl's Adam
 * epsilon is 1e-4, elsewhere 1e-7) would show up as a disagreement that is not a kernel bug.
 *
 * Why the parameter threshold is what it is: at AdamW's first step the update of each weight is
 * lr · g/(|g| + ε) ≈ ±lr whatever the gradient's size, so a gradient that is zero in exact arithmetic but float
 * noise on a backend (the key bias of attention is one: adding a constant to every key changes no softmax) moves
 * its weight by up to lr, in a direction that depends on the rounding. The comparison therefore reports the largest
 * parameter difference *relative to lr* and tolerates a few such weights (`maxNoiseFlips`), while the loss, the
 * gradients and the gradient norm — where rounding stays rounding — are held to tight bounds.
 *
 * Pure core: no DOM. The caller supplies `setBackend` (Node: useNodeBackend; the browser: tf.setBackend after
 * chooseBackend registered the backends).
 */
import * as tf from '@tensorflow/tfjs-core';
import { chooseEmbeddingGradPath, type EmbeddingGradPath } from '../ops/embedding';
import type { GptConfig } from '../model/config';
import { disposeGptCaches, initGptParams, type GptParams } from '../model/gpt';
import { mulberry32 } from '../util/random';
import { lossAndGrads, type AdamW } from './optimizer';
import { batchLoss, createAdamW, trainOnBatch } from './trainStep';
import { PAPER_HYPER } from './hyper';

/** A batch as host arrays, so that every backend uploads the very same values. */
export interface AgreementBatch {
  batchSize: number;
  seqLen: number;
  /** int32 [batchSize · seqLen], row-major. */
  ids: Int32Array;
  /** int32 [batchSize · seqLen]: the token that should follow ids[b, 0..t]. */
  targets: Int32Array;
  /** float32 [batchSize · seqLen]: 1 where the position counts in the loss. */
  mask: Float32Array;
}

/** The step's hyper-parameters; all explicit, none taken from a backend. */
export interface AgreementHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  clipNorm: number;
}

/** A learning rate and clip that make the step do real work: clipping engages on a fresh model (norm ≈ 2–5 > 1). */
export const AGREEMENT_HYPER: Readonly<AgreementHyper> = {
  lr: 1e-3,
  beta1: PAPER_HYPER.beta1,
  beta2: PAPER_HYPER.beta2,
  eps: PAPER_HYPER.eps,
  weightDecay: PAPER_HYPER.weightDecay,
  clipNorm: PAPER_HYPER.clipNorm,
};

export interface AgreementThresholds {
  /** |loss − loss_ref| must stay below this. */
  lossAbs: number;
  /** max |Δ wte grad| / max |wte grad_ref| must stay below this. */
  wteGradRel: number;
  /** |norm − norm_ref| / norm_ref (global gradient norm before clipping). */
  gradNormRel: number;
  /** A weight whose update differs from the reference's by more than this fraction of lr counts as "off". */
  paramRelToLr: number;
  /** How many weights may be "off" (noise-level gradients flipping Adam's first step, see the file comment). */
  maxNoiseFlips: number;
}

export const AGREEMENT_THRESHOLDS: Readonly<AgreementThresholds> = {
  lossAbs: 1e-3,
  wteGradRel: 1e-3,
  gradNormRel: 1e-3,
  paramRelToLr: 1e-2,
  maxNoiseFlips: 16,
};

/** Test hooks, to prove the check can fail: each may change what one backend computes. */
export interface AgreementHooks {
  /** After the parameters were initialised on `backend`, before the step. */
  afterInit?: (backend: string, params: GptParams) => void;
  /** On the gradients (inside the step's tidy) before they are read and applied; return replacements to change them. */
  mapGrads?: (backend: string, grads: Record<string, tf.Tensor>) => Record<string, tf.Tensor> | void;
}

export interface AgreementOptions {
  /** The first is the reference (normally 'cpu'). */
  backends: string[];
  /** Makes `name` the active tfjs backend (and waits until it is ready). */
  setBackend: (name: string) => Promise<void>;
  config: GptConfig;
  seed: number;
  batch: AgreementBatch;
  hyper?: AgreementHyper;
  thresholds?: Partial<AgreementThresholds>;
  /** The embedding-gradient route of the training step ('auto' = what training uses on that backend). */
  embeddingGrad?: EmbeddingGradPath;
  /** Also compute the wte gradient through the other route and compare it with the reference (default true). */
  crossCheckEmbeddingPaths?: boolean;
  /** Keep every parameter's values in the result (default false: only the comparison and the wte gradient). */
  keepParams?: boolean;
  hooks?: AgreementHooks;
}

export interface BackendStepResult {
  backend: string;
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** True when the clip scaled the gradients (norm > clipNorm). */
  clipped: boolean;
  embeddingGradPath: 'onehot' | 'scatter';
  wteGrad: Float32Array;
  /** The wte gradient through the other route (when cross-checked). */
  otherPath?: { path: 'onehot' | 'scatter'; wteGrad: Float32Array };
  /** Parameters after the update, by name (only with `keepParams`). */
  params?: Record<string, Float32Array>;
  numTensorsBefore: number;
  numTensorsAfter: number;
  ms: number;
}

export interface EmbeddingPathComparison {
  path: 'onehot' | 'scatter';
  wteGradMaxAbs: number;
  wteGradRel: number;
  pass: boolean;
}

export interface BackendComparison {
  backend: string;
  reference: string;
  lossRef: number;
  loss: number;
  lossDelta: number;
  gradNormDelta: number;
  gradNormRel: number;
  wteGradMaxAbs: number;
  /** max |Δ| / max |reference gradient|. */
  wteGradRel: number;
  /** Where the largest wte-gradient difference is: token row and channel. */
  wteGradWorst: { row: number; col: number };
  paramMaxAbs: number;
  /** paramMaxAbs / lr: the largest difference as a fraction of one step. */
  paramMaxRelToLr: number;
  paramWorst: string;
  /** Weights whose update differs by more than `paramRelToLr · lr`. */
  paramsOff: number;
  /** The embedding-gradient route of this backend's step, and of the reference's. */
  embeddingGradPath: 'onehot' | 'scatter';
  referenceEmbeddingGradPath: 'onehot' | 'scatter';
  otherPath?: EmbeddingPathComparison;
  leakedTensors: number;
  pass: boolean;
  /** One sentence per failed criterion; empty when it passes. */
  failures: string[];
}

export interface AgreementReport {
  reference: string;
  hyper: AgreementHyper;
  thresholds: AgreementThresholds;
  results: BackendStepResult[];
  comparisons: BackendComparison[];
  /** Every comparison passed (and nothing leaked on the reference). */
  pass: boolean;
}

/**
 * A reproducible batch over the whole vocabulary: random ids with many repeats (so the embedding gradient has to add
 * rows up), next-token targets, and a mask that leaves the first quarter of each row out, like a prompt.
 */
export function syntheticAgreementBatch(
  config: GptConfig,
  batchSize: number,
  seed: number,
  seqLen = config.contextLength,
): AgreementBatch {
  if (seqLen > config.contextLength)
    throw new RangeError(`seqLen ${seqLen} exceeds the model's context ${config.contextLength}.`);
  const next = mulberry32(seed ^ 0x5bd1e995);
  const n = batchSize * seqLen;
  const stream = new Int32Array(batchSize * (seqLen + 1));
  for (let i = 0; i < stream.length; i++) stream[i] = Math.floor(next() * config.vocabSize);
  const ids = new Int32Array(n);
  const targets = new Int32Array(n);
  const mask = new Float32Array(n);
  const promptLen = Math.floor(seqLen / 4);
  for (let b = 0; b < batchSize; b++) {
    for (let t = 0; t < seqLen; t++) {
      ids[b * seqLen + t] = stream[b * (seqLen + 1) + t]!;
      targets[b * seqLen + t] = stream[b * (seqLen + 1) + t + 1]!;
      mask[b * seqLen + t] = t >= promptLen ? 1 : 0;
    }
  }
  return { batchSize, seqLen, ids, targets, mask };
}

function validateBatch(config: GptConfig, batch: AgreementBatch): void {
  const n = batch.batchSize * batch.seqLen;
  if (batch.ids.length !== n || batch.targets.length !== n || batch.mask.length !== n) {
    throw new RangeError(`Agreement batch: ids, targets and mask must each hold batchSize · seqLen = ${n} values.`);
  }
  for (const arr of [batch.ids, batch.targets]) {
    for (const id of arr) {
      if (id < 0 || id >= config.vocabSize)
        throw new RangeError(`Agreement batch: id ${id} is outside the vocabulary [0, ${config.vocabSize}).`);
    }
  }
}

function otherRoute(path: 'onehot' | 'scatter'): 'onehot' | 'scatter' {
  return path === 'onehot' ? 'scatter' : 'onehot';
}

/** One backend: init, one step, read back, free everything. */
async function stepOn(backend: string, o: AgreementOptions, hyper: AgreementHyper): Promise<BackendStepResult> {
  await o.setBackend(backend);
  if (tf.getBackend() !== backend) throw new Error(`setBackend("${backend}") left tfjs on "${tf.getBackend()}".`);
  // The model caches its causal mask per backend; start from none so the tensor count compares like with like.
  disposeGptCaches();
  const numTensorsBefore = tf.memory().numTensors;
  const t0 = typeof performance !== 'undefined' ? performance.now() : Date.now();
  const { config, batch } = o;
  const shape: [number, number] = [batch.batchSize, batch.seqLen];
  const requested = o.embeddingGrad ?? 'auto';
  const path =
    requested === 'auto'
      ? chooseEmbeddingGradPath(batch.batchSize * batch.seqLen, config.vocabSize, backend)
      : requested;
  const cross = o.crossCheckEmbeddingPaths !== false;

  const params = initGptParams(config, o.seed);
  let opt: AdamW | undefined;
  const owned: tf.Tensor[] = [];
  try {
    o.hooks?.afterInit?.(backend, params);
    opt = createAdamW(params, hyper);
    const trainee = { model: { config, params }, opt };
    const ids = tf.tensor2d(batch.ids, shape, 'int32');
    const targets = tf.tensor2d(batch.targets, shape, 'int32');
    const mask = tf.tensor2d(batch.mask, shape, 'float32');
    owned.push(ids, targets, mask);
    const onDevice = { ids, targets, mask };
    const mapGrads = (grads: Record<string, tf.Tensor>) => o.hooks?.mapGrads?.(backend, grads) ?? grads;

    // The other route first, on the untouched parameters: gradient of wte only, nothing applied.
    let otherGrad: tf.Tensor | undefined;
    if (cross) {
      otherGrad = tf.tidy(
        () =>
          mapGrads(lossAndGrads(params, batchLoss(trainee.model, onDevice, { embeddingGrad: otherRoute(path) })).grads)
            .wte,
      );
      if (!otherGrad) throw new Error(`The loss has no gradient for wte on the ${otherRoute(path)} route.`);
      owned.push(otherGrad);
    }

    // The training step, as every loop runs it (trainStep.ts): one synchronous tidy, no readback inside.
    const [loss, norm, wteGrad] = tf.tidy(() => {
      const step = trainOnBatch(trainee, onDevice, hyper.lr, {
        embeddingGrad: path,
        mapGrads: (grads) => {
          const g = mapGrads(grads);
          if (!g.wte) throw new Error('The loss has no gradient for wte.');
          return g;
        },
      })!;
      return [step.loss, step.norm, tf.clone(step.grads.wte!)] as const; // mapGrads above checked wte
    });
    owned.push(loss, norm, wteGrad);

    const [lossV, normV, wteV] = await Promise.all([loss.data(), norm.data(), wteGrad.data()]);
    const lossValue = lossV[0]!; // loss and norm are scalars
    const gradNorm = normV[0]!;
    const result: BackendStepResult = {
      backend,
      loss: lossValue,
      gradNorm,
      clipped: hyper.clipNorm > 0 && gradNorm > hyper.clipNorm,
      embeddingGradPath: path,
      wteGrad: wteV as Float32Array,
      numTensorsBefore,
      numTensorsAfter: -1,
      ms: 0,
    };
    if (otherGrad) result.otherPath = { path: otherRoute(path), wteGrad: (await otherGrad.data()) as Float32Array };
    const entries = Object.entries(params);
    const values = await Promise.all(entries.map(([, p]) => p.data()));
    result.params = Object.fromEntries(entries.map(([name], i) => [name, values[i] as Float32Array]));
    result.ms = (typeof performance !== 'undefined' ? performance.now() : Date.now()) - t0;
    return result;
  } finally {
    tf.dispose(owned);
    opt?.dispose();
    for (const p of Object.values(params)) p.dispose();
    disposeGptCaches();
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): { max: number; at: number } {
  if (a.length !== b.length) throw new Error(`Cannot compare arrays of ${a.length} and ${b.length} values.`);
  let max = 0;
  let at = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    // NaN must count as the worst difference, not be skipped by the comparison.
    if (!(d <= max)) {
      max = Number.isNaN(d) ? Infinity : d;
      at = i;
    }
  }
  return { max, at };
}

function maxAbs(a: Float32Array): number {
  let m = 0;
  for (const x of a) m = Math.max(m, Math.abs(x));
  return m;
}

/** Compares one backend's step with the reference's. Exported for tests and for callers holding results. */
export function compareSteps(
  ref: BackendStepResult,
  r: BackendStepResult,
  hyper: AgreementHyper,
  thresholds: AgreementThresholds,
  width: number,
): BackendComparison {
  const failures: string[] = [];
  const fmt = (x: number) => x.toExponential(2);

  const lossDelta = Math.abs(r.loss - ref.loss);
  if (!(lossDelta < thresholds.lossAbs))
    failures.push(`|Δloss| ${fmt(lossDelta)} ≥ ${fmt(thresholds.lossAbs)} (loss ${r.loss} vs ${ref.loss})`);

  const gradNormDelta = Math.abs(r.gradNorm - ref.gradNorm);
  const gradNormRel = gradNormDelta / Math.max(ref.gradNorm, 1e-30);
  if (!(gradNormRel < thresholds.gradNormRel))
    failures.push(`gradient norm differs by ${fmt(gradNormRel)} relative (${r.gradNorm} vs ${ref.gradNorm})`);

  const scale = Math.max(maxAbs(ref.wteGrad), 1e-30);
  const wd = maxAbsDiff(r.wteGrad, ref.wteGrad);
  const wteGradRel = wd.max / scale;
  if (!(wteGradRel < thresholds.wteGradRel)) {
    failures.push(
      `wte gradient (${r.embeddingGradPath}) differs by ${fmt(wd.max)} = ${fmt(wteGradRel)} of its largest entry, at token ${Math.floor(wd.at / width)}, channel ${wd.at % width}`,
    );
  }

  let otherPath: EmbeddingPathComparison | undefined;
  if (r.otherPath) {
    const od = maxAbsDiff(r.otherPath.wteGrad, ref.wteGrad);
    const rel = od.max / scale;
    otherPath = { path: r.otherPath.path, wteGradMaxAbs: od.max, wteGradRel: rel, pass: rel < thresholds.wteGradRel };
    if (!otherPath.pass)
      failures.push(`wte gradient via the ${r.otherPath.path} route differs by ${fmt(rel)} of its largest entry`);
  }

  let paramMaxAbs = 0;
  let paramWorst = '';
  let paramsOff = 0;
  const offLimit = thresholds.paramRelToLr * hyper.lr;
  if (r.params && ref.params) {
    for (const [name, values] of Object.entries(ref.params)) {
      const mine = r.params[name];
      if (!mine) {
        failures.push(`parameter ${name} is missing on ${r.backend}`);
        continue;
      }
      const d = maxAbsDiff(mine, values);
      if (d.max > paramMaxAbs) {
        paramMaxAbs = d.max;
        paramWorst = `${name}[${d.at}]`;
      }
      for (let i = 0; i < values.length; i++) if (!(Math.abs(mine[i]! - values[i]!) <= offLimit)) paramsOff++;
    }
  }
  const paramMaxRelToLr = hyper.lr > 0 ? paramMaxAbs / hyper.lr : paramMaxAbs;
  if (paramsOff > thresholds.maxNoiseFlips) {
    failures.push(
      `${paramsOff} weights moved differently by more than ${fmt(offLimit)} (worst ${paramWorst}: ${fmt(paramMaxAbs)})`,
    );
  }
  // A noise flip moves a weight by at most ~2·lr (+ weight decay); more than that is a wrong update, not rounding.
  if (paramMaxAbs > 2.5 * hyper.lr)
    failures.push(`${paramWorst} differs by ${fmt(paramMaxAbs)} after the step, more than 2.5 · lr`);

  const leakedTensors = r.numTensorsAfter - r.numTensorsBefore;
  if (leakedTensors !== 0) failures.push(`${leakedTensors} tensors leaked on ${r.backend}`);

  return {
    backend: r.backend,
    reference: ref.backend,
    lossRef: ref.loss,
    loss: r.loss,
    lossDelta,
    gradNormDelta,
    gradNormRel,
    wteGradMaxAbs: wd.max,
    wteGradRel,
    wteGradWorst: { row: Math.floor(wd.at / width), col: wd.at % width },
    paramMaxAbs,
    paramMaxRelToLr,
    paramWorst,
    paramsOff,
    embeddingGradPath: r.embeddingGradPath,
    referenceEmbeddingGradPath: ref.embeddingGradPath,
    otherPath,
    leakedTensors,
    pass: failures.length === 0,
    failures,
  };
}

/**
 * Runs one training step on each backend in turn (the first is the reference) and compares the others with it.
 * Leaves tfjs on the last backend; leaves no tensor behind (each result says how many were alive before and after).
 */
export async function checkBackendAgreement(o: AgreementOptions): Promise<AgreementReport> {
  if (o.backends.length < 1)
    throw new Error('checkBackendAgreement needs at least one backend (the first is the reference).');
  validateBatch(o.config, o.batch);
  const hyper = { ...(o.hyper ?? AGREEMENT_HYPER) };
  const thresholds = { ...AGREEMENT_THRESHOLDS, ...o.thresholds };
  const results: BackendStepResult[] = [];
  for (const backend of o.backends) {
    const r = await stepOn(backend, o, hyper);
    r.numTensorsAfter = tf.memory().numTensors;
    results.push(r);
  }
  const [ref, ...rest] = results as [BackendStepResult, ...BackendStepResult[]]; // one per backend, at least one
  const comparisons = rest.map((r) => compareSteps(ref, r, hyper, thresholds, o.config.width));
  const refLeak = ref.numTensorsAfter - ref.numTensorsBefore;
  if (!o.keepParams) for (const r of results) delete r.params;
  return {
    reference: ref.backend,
    hyper,
    thresholds,
    results,
    comparisons,
    pass: refLeak === 0 && comparisons.every((c) => c.pass),
  };
}

/** The numbers a UI or a log line needs, without the arrays (cheap to post between threads). */
export interface AgreementSummary {
  reference: string;
  backend: string;
  pass: boolean;
  loss: number;
  lossRef: number;
  lossDelta: number;
  gradNorm: number;
  gradNormRel: number;
  wteGradMaxAbs: number;
  wteGradRel: number;
  paramMaxAbs: number;
  paramMaxRelToLr: number;
  paramsOff: number;
  paramWorst: string;
  clipped: boolean;
  embeddingGradPath: 'onehot' | 'scatter';
  otherPath?: EmbeddingPathComparison;
  leakedTensors: number;
  failures: string[];
  ms: { reference: number; backend: number };
}

/** The comparison of `backend` (default: the last one checked) as plain numbers. */
export function summarizeAgreement(report: AgreementReport, backend?: string): AgreementSummary {
  const c = backend ? report.comparisons.find((x) => x.backend === backend) : report.comparisons.at(-1);
  if (!c)
    throw new Error(`The report has no comparison${backend ? ` for ${backend}` : ''} (only one backend was checked?).`);
  const r = report.results.find((x) => x.backend === c.backend)!;
  const ref = report.results[0]!; // the reference: a comparison exists, so a result does
  return {
    reference: c.reference,
    backend: c.backend,
    pass: c.pass,
    loss: c.loss,
    lossRef: c.lossRef,
    lossDelta: c.lossDelta,
    gradNorm: r.gradNorm,
    gradNormRel: c.gradNormRel,
    wteGradMaxAbs: c.wteGradMaxAbs,
    wteGradRel: c.wteGradRel,
    paramMaxAbs: c.paramMaxAbs,
    paramMaxRelToLr: c.paramMaxRelToLr,
    paramsOff: c.paramsOff,
    paramWorst: c.paramWorst,
    clipped: r.clipped,
    embeddingGradPath: c.embeddingGradPath,
    otherPath: c.otherPath,
    leakedTensors: c.leakedTensors,
    failures: c.failures,
    ms: { reference: ref.ms, backend: r.ms },
  };
}
