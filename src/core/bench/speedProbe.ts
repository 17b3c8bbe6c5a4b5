/**
 * A few seconds of measurement on the current backend, at a run's shape, for the run-duration estimate
 * (core/runs/runDuration.ts): a training micro-batch, a forward pass without gradients, and a generated token with
 * the key/value cache. Random weights of the model's shape: the time does not depend on their values.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GptConfig } from '../model/config';
import { greedyGenerate } from '../eval/generate';
import { disposeGptParams, gptLoss, initGptParams } from '../model/gpt';
import type { MeasuredSpeed } from '../runs/runDuration';
import { benchTrainingStepAndFree } from './stepBench';

/** Prompts per generation batch in the probe: what a phase-end evaluation and exact match generate together. */
const PROBE_PROMPTS = 32;
const PROBE_TOKENS = 8;

function now(): number {
  return performance.now();
}

/**
 * Ms per generated token from the time of a generation of one token and of 1 + `extra` tokens. On a loaded machine
 * the difference of two timings can vanish in the noise (or go below 0); then the whole generation per token, prefill
 * included, is the estimate: larger, never 0, so a run's duration is never under-counted.
 */
export function perTokenMs(one: number, many: number, extra: number): number {
  return many > one ? (many - one) / extra : many / (1 + extra);
}

export interface SpeedProbeOptions {
  config: GptConfig;
  batchSize: number;
  /** The run's row length (tokens per training row). */
  seqLen: number;
  onProgress?: (message: string) => void;
}

export async function measureSpeed(o: SpeedProbeOptions): Promise<MeasuredSpeed> {
  const T = Math.max(2, Math.min(o.seqLen, o.config.contextLength));
  const config = { ...o.config, contextLength: T };
  o.onProgress?.('timing a training step…');
  // Two untimed steps, three timed (the median): with one untimed step, the probe's step in Chromium's wasm came out
  // ~2.5× the steady step of the run it sized (npm run bench:demo).
  const step = await benchTrainingStepAndFree({
    config,
    batchSize: o.batchSize,
    warmupSteps: 2,
    runs: 3,
    stepsPerRun: 1,
    profile: false,
  });
  const params = initGptParams(o.config, 1);
  try {
    o.onProgress?.('timing a forward pass and generation…');
    const ids = tf.tidy(() => tf.randomUniform([o.batchSize, T], 0, o.config.vocabSize, 'int32'));
    const mask = tf.ones([o.batchSize, T]);
    const forward = async () => {
      const at = now();
      const loss = tf.tidy(() =>
        gptLoss(o.config, params, ids as tf.Tensor2D, ids as tf.Tensor2D, mask as tf.Tensor2D),
      );
      await loss.data();
      loss.dispose();
      return now() - at;
    };
    await forward(); // compiles
    const forwardMs = Math.min(await forward(), await forward());
    ids.dispose();
    mask.dispose();
    const promptLength = Math.max(1, Math.min(T - PROBE_TOKENS - 1, Math.floor(T / 2)));
    const prompts = Array.from({ length: PROBE_PROMPTS }, (_, i) =>
      Array.from({ length: promptLength }, (_, t) => (i * 7 + t * 3) % o.config.vocabSize),
    );
    // eosId outside the vocabulary: every prompt generates all its tokens
    const generate = async (tokens: number) => {
      const at = now();
      await greedyGenerate({ config: o.config, params }, prompts, {
        maxNewTokens: tokens,
        eosId: -1,
        batchSize: PROBE_PROMPTS,
      });
      return now() - at;
    };
    await generate(2); // compiles
    const one = await generate(1);
    const many = await generate(1 + PROBE_TOKENS);
    return {
      stepMs: step.msPerStep,
      forwardMs,
      tokenMs: perTokenMs(one, many, PROBE_TOKENS),
      warmupMs: step.warmupMs[0] ?? step.msPerStep,
    };
  } finally {
    disposeGptParams(params);
  }
}
