/**
 * What a training step (and a cached generation) really holds, per term, measured with `tf.profile` — the numbers
 * model/memoryEstimate.ts is fitted to (cli/calibrate-memory-estimate.ts), checked against (memoryEstimate.test.ts)
 * and compared with at real size (cli/bench-memory.ts).
 *
 * A step is the training step of trainStep.ts, its phases called one by one so each can be profiled on its own:
 *   forward    `batchLoss` alone (its tape is freed at once)
 *   backward   `lossAndGrads` of it (forward + `variableGrads`): the tape, then every gradient
 *   clip       `AdamW.prepare`: the global norm, clip scale and guard (the gradients are alive, and counted)
 *   update     `AdamW.update`: the per-group update (the gradients are alive, and counted)
 * Each peak is bytes above what was alive before the step (weights, moments, batch, the cached causal mask); the
 * step's peak is the largest of them, because the forward and backward's tape is gone before the update starts.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GptConfig } from '../model/config';
import { greedyGenerate } from '../eval/generate';
import { disposeGptCaches, disposeGptParams, initGptParams, type GptParams } from '../model/gpt';
import { addLoraAdapters, trainableParams, type LoraSettings } from '../model/lora';
import { lossAndGrads, type AdamW } from './optimizer';
import { batchLoss, createAdamW, type AdamWHyper } from './trainStep';

/** Which parameters train. `'full'` = all; `'lora'` = only the adapters of BENCH_LORA, the base frozen. */
export type Trainable = 'full' | 'lora';

/** A typical peft LoRA config: rank 8, alpha 16, on all four projections, no biases or LayerNorms. */
export const BENCH_LORA: Readonly<LoraSettings> = {
  rank: 8,
  alpha: 16,
  targets: ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'],
  biases: false,
  layerNorms: false,
};

/** The LoRA settings a selector trains with; undefined for full fine-tuning. */
export const loraOfTrainable = (trainable: Trainable): LoraSettings | undefined =>
  trainable === 'lora' ? { ...BENCH_LORA, targets: [...BENCH_LORA.targets] } : undefined;

export interface StepMemoryOptions {
  batchSize: number;
  contextLength: number;
  trainable?: Trainable;
  /** The adapters of `trainable: 'lora'` (default BENCH_LORA, GPT-2's four projections). */
  lora?: LoraSettings;
  /** Steps to run (the peaks are the largest over them; tensors are counted after each). Default 2. */
  steps?: number;
  seed?: number;
  /** Called after each step (e.g. to print progress of a slow shape). */
  onStep?: (step: number, ms: number) => void;
}

export interface StepTermPeaks {
  forward: number;
  backward: number;
  clip: number;
  update: number;
}

export interface StepMemory {
  /** Bytes alive before the first step: weights, AdamW moments, the batch and the cached mask. */
  resident: number;
  /** The weights alone (with LoRA: the frozen base and the adapters). */
  weights: number;
  /** AdamW's moments (m and v) of the trainable parameters. */
  moments: number;
  /** Floats that get gradients and moments. */
  trainableParameters: number;
  /** Peak bytes above `resident`, per term (largest over the steps). */
  terms: StepTermPeaks;
  /** resident + the largest term: the most bytes alive at any point of a step. */
  peak: number;
  /** Wall-clock ms of each step (the profiled pieces together). */
  msPerStep: number[];
  /** `tf.memory().numTensors` after each step: flat when nothing leaks. */
  tensorsAfterStep: number[];
  /** The loss of each step (read back after it), to show the steps really train. */
  losses: number[];
}

const floatBytes = (params: GptParams): number => Object.values(params).reduce((s, p) => s + p.size * 4, 0);

/** The most bytes alive while `f` runs (tfjs samples after every kernel). */
async function peakOf<T extends tf.TensorContainer>(f: () => T | Promise<T>): Promise<{ peak: number; result: T }> {
  const info = await tf.profile(f);
  return { peak: Math.max(info.peakBytes, tf.memory().numBytes), result: info.result as T };
}

/** The measurement's own AdamW settings: the bytes do not depend on them, the losses it reports do. */
const MEASURED_HYPER: Readonly<AdamWHyper> = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, clipNorm: 1 };

/** Trains `steps` AdamW steps of a randomly initialised `config` on random tokens and measures each term's peak. */
export async function measureStepMemory(config: GptConfig, o: StepMemoryOptions): Promise<StepMemory> {
  const { batchSize: B, contextLength: T } = o;
  const selector = o.trainable ?? 'full';
  if (selector !== 'full' && selector !== 'lora')
    throw new Error(`measureStepMemory: unknown trainable selector ${String(selector)}`);
  const lora = selector === 'lora' && o.lora !== undefined ? o.lora : loraOfTrainable(selector);
  const base = initGptParams(config, o.seed ?? 1);
  const params = lora === undefined ? base : addLoraAdapters(config, base, lora, o.seed ?? 1);
  // As the runner: only the trainable parameters get gradients and AdamW state.
  const trainable = trainableParams(params, lora);
  const opt = createAdamW(trainable, MEASURED_HYPER);
  const ids = tf.randomUniform([B, T], 0, config.vocabSize, 'int32', o.seed ?? 1) as tf.Tensor2D;
  const mask = tf.ones([B, T]) as tf.Tensor2D;
  const loss = batchLoss({ config, params }, { ids, targets: ids, mask });
  try {
    tf.tidy(() => tf.sum(tf.zeros([1]))); // nothing: keeps tfjs's own first-kernel allocations out of the figures
    const weights = floatBytes(params);
    const moments = 2 * floatBytes(trainable);
    const trainableParameters = floatBytes(trainable) / 4;
    const terms: StepTermPeaks = { forward: 0, backward: 0, clip: 0, update: 0 };
    const msPerStep: number[] = [];
    const tensorsAfterStep: number[] = [];
    const losses: number[] = [];
    let resident = 0;
    for (let s = 0; s < (o.steps ?? 2); s++) {
      const t0 = performance.now();
      const forward = await peakOf(() => tf.tidy(() => loss()));
      // The causal mask is cached by the first forward (outside any tidy): count it as resident, not as a term.
      if (s === 0) resident = tf.memory().numBytes - forward.result.size * 4;
      forward.result.dispose();
      const backward = await peakOf(() => tf.tidy(() => lossAndGrads(trainable, loss)));
      const { value, grads } = backward.result;
      const prepared = await peakOf(() => opt.prepare(grads, 1e-4, { loss: value }) as unknown as tf.TensorContainer);
      const step = prepared.result as unknown as ReturnType<AdamW['prepare']>;
      const update = await peakOf(() => opt.update(grads, step));
      losses.push((await value.data())[0]!);
      tf.dispose([value, update.result, ...Object.values(grads)]);
      msPerStep.push(performance.now() - t0);
      terms.forward = Math.max(terms.forward, forward.peak - resident);
      terms.backward = Math.max(terms.backward, backward.peak - resident);
      terms.clip = Math.max(terms.clip, prepared.peak - resident);
      terms.update = Math.max(terms.update, update.peak - resident);
      tensorsAfterStep.push(tf.memory().numTensors);
      o.onStep?.(s, msPerStep[s]!);
    }
    const peak = resident + Math.max(terms.forward, terms.backward, terms.clip, terms.update);
    return { resident, weights, moments, trainableParameters, terms, peak, msPerStep, tensorsAfterStep, losses };
  } finally {
    opt.dispose();
    disposeGptParams(params);
    tf.dispose([ids, mask]);
    disposeGptCaches();
  }
}

export interface GenerationMemory {
  /** Bytes alive before generating: the weights (and the cached mask). */
  resident: number;
  /** Peak bytes above `resident` while generating. */
  peak: number;
}

/** Greedy cached generation of `newTokens` tokens after a `promptLength`-token prompt, for `batchSize` prompts. */
export async function measureGenerationMemory(
  config: GptConfig,
  o: { batchSize: number; promptLength: number; newTokens: number; seed?: number },
): Promise<GenerationMemory> {
  const params = initGptParams(config, o.seed ?? 1);
  try {
    const resident = tf.memory().numBytes;
    const prompts = Array.from({ length: o.batchSize }, (_, r) =>
      Array.from({ length: o.promptLength }, (_, i) => (r * 31 + i * 7) % config.vocabSize),
    );
    const { peak } = await peakOf(async () => {
      await greedyGenerate({ config, params }, prompts, {
        maxNewTokens: o.newTokens,
        eosId: -1,
        batchSize: o.batchSize,
      });
      return [] as tf.Tensor[];
    });
    return { resident, peak: peak - resident };
  } finally {
    disposeGptParams(params);
    disposeGptCaches();
  }
}
