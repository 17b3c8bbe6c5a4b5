/**
 * Pretraining: plain next-token loss on every token of a packed text corpus, from scratch or from given weights.
 * The loop beside the runner's (runner.ts), on the same training step (trainStep.ts), for a model that has not
 * seen instructions yet: corpus rows → [B, L] batches → `trainOnBatch` → a loss readback every `logEvery` steps
 * and a held-out loss every `evalEvery` steps (and at the end), each as an event.
 *
 * Rows: the first `shortFraction` of the steps train on rows of `shortLength` tokens instead of the full context
 * (many more updates for the same tokens while the model learns within-document structure), every `longEvery`-th
 * of them still on full rows so the later positions train while the LR is high; the rest on full rows.
 */
import * as tf from '@tensorflow/tfjs-core';
import { evaluateHeldOut } from '../eval/heldOutLoss';
import type { GptConfig } from '../model/config';
import type { GptParams } from '../model/gpt';
import { PAPER_HYPER } from './hyper';
import { lrAt } from './schedule';
import { createAdamW, trainOnBatch } from './trainStep';

export interface PretrainSettings {
  steps: number;
  /** Rows per step. */
  batchSize: number;
  /** Peak LR of the warm-up + cosine schedule over `steps`. */
  lr: number;
  minLrRatio: number;
  warmupRatio: number;
  /** AdamW's decay (matrices only); β, ε and the clip are the paper's (`PAPER_HYPER`). */
  weightDecay: number;
  /** Read the losses back (one `step` event) every this many steps, and at the end. */
  logEvery: number;
  /** Held-out loss (one `eval` event) every this many steps, and at the end. */
  evalEvery: number;
  shortFraction: number;
  shortLength: number;
  /** 0 = every short-row step on short rows. */
  longEvery: number;
}

/** A packed token stream: the next `length` tokens (a row of L + 1 gives L inputs and their next tokens). */
export interface PretrainCorpus {
  next(length: number): Int32Array;
}

export type PretrainEvent =
  /** A log window's losses, read back once; `step` counts the steps done. `trainMs` excludes evaluations. */
  | { type: 'step'; step: number; losses: number[]; meanLoss: number; lr: number; tokens: number; trainMs: number }
  /** The mean next-token loss of the held-out rows after `step` steps. */
  | { type: 'eval'; step: number; loss: number; last: boolean };

export interface PretrainInit {
  model: { config: GptConfig; params: GptParams };
  settings: PretrainSettings;
  corpus: PretrainCorpus;
  /** Held-out rows of contextLength + 1 tokens. */
  heldOut: readonly Int32Array[];
  /** Awaited; time spent in it is not training time (e.g. an `eval` handler that generates samples). */
  onEvent?: (e: PretrainEvent) => void | Promise<void>;
}

export interface PretrainResult {
  /** The loss of every step. */
  losses: number[];
  evals: { step: number; loss: number }[];
  tokens: number;
  trainMs: number;
}

/** How many of the first steps may train on short rows. */
export function shortRowSteps(s: Pick<PretrainSettings, 'steps' | 'shortFraction'>): number {
  return Math.round(s.shortFraction * s.steps);
}

/** The row length of step `step` (0-based) for a model of context `T`. */
export function rowLengthAt(s: PretrainSettings, step: number, T: number): number {
  const short = step < shortRowSteps(s) && !(s.longEvery > 0 && step % s.longEvery === s.longEvery - 1);
  return short ? Math.min(s.shortLength, T) : T;
}

/** Mean next-token loss over held-out rows of T + 1 tokens: every target counts (a one-token "prompt"). */
export async function corpusLoss(
  model: { config: GptConfig; params: GptParams },
  rows: readonly Int32Array[],
): Promise<number> {
  const examples = rows.map((ids) => ({ ids, promptLength: 1, truncation: 'none' as const, dropped: 0 }));
  const batching = {
    batchSize: rows.length,
    contextLength: model.config.contextLength,
    padId: 0,
    shape: 'fixed' as const,
  };
  return (await evaluateHeldOut(model, [{ bucket: 'corpus', examples }], batching)).overall;
}

/** Trains `model.params` in place for `settings.steps` steps with a fresh optimizer; frees all it made. */
export async function pretrain(init: PretrainInit): Promise<PretrainResult> {
  const { model, settings: s, corpus } = init;
  const emit = init.onEvent ?? (() => {});
  const T = model.config.contextLength;
  const B = s.batchSize;
  const { beta1, beta2, eps, clipNorm } = PAPER_HYPER;
  const trainee = {
    model,
    opt: createAdamW(model.params, { beta1, beta2, eps, clipNorm, weightDecay: s.weightDecay }),
  };
  const masks = new Map<number, tf.Tensor2D>();
  const losses: number[] = [];
  const evals: { step: number; loss: number }[] = [];
  const pending: tf.Scalar[] = [];
  let tokens = 0;
  let trainMs = 0;
  let clock = performance.now();
  try {
    for (let step = 0; step < s.steps; step++) {
      const L = rowLengthAt(s, step, T);
      const ids = new Int32Array(B * L);
      const targets = new Int32Array(B * L);
      for (let r = 0; r < B; r++) {
        const row = corpus.next(L + 1);
        ids.set(row.subarray(0, L), r * L);
        targets.set(row.subarray(1), r * L);
      }
      tokens += B * L;
      if (!masks.has(L)) masks.set(L, tf.ones([B, L]) as tf.Tensor2D);
      const mask = masks.get(L)!;
      const lr = lrAt(step, s.steps, { peakLr: s.lr, minLrRatio: s.minLrRatio, warmupRatio: s.warmupRatio });
      // The all-ones mask of each row length is made once; the rows are uploaded every step, as the runner does.
      const batch = () => ({
        ids: tf.tensor2d(ids, [B, L], 'int32'),
        targets: tf.tensor2d(targets, [B, L], 'int32'),
        mask,
      });
      pending.push(tf.tidy(() => trainOnBatch(trainee, batch(), lr)!.loss));
      const last = step === s.steps - 1;
      if (pending.length >= s.logEvery || last) {
        const values = await Promise.all(pending.map((l) => l.data()));
        tf.dispose(pending);
        pending.length = 0;
        const window = values.map((v) => v[0]!);
        if (window.some((v) => !Number.isFinite(v)))
          throw new Error(
            `pretraining diverged at step ${step + 1} (loss ${window.join(', ')}); lower the learning rate.`,
          );
        losses.push(...window);
        const now = performance.now();
        trainMs += now - clock;
        clock = now;
        await emit({
          type: 'step',
          step: step + 1,
          losses: window,
          meanLoss: window.reduce((a, b) => a + b, 0) / window.length,
          lr,
          tokens,
          trainMs,
        });
      }
      if ((step + 1) % s.evalEvery === 0 || last) {
        const loss = await corpusLoss(model, init.heldOut);
        evals.push({ step: step + 1, loss });
        await emit({ type: 'eval', step: step + 1, loss, last });
        clock = performance.now();
      }
    }
    return { losses, evals, tokens, trainMs };
  } finally {
    tf.dispose(pending);
    tf.dispose([...masks.values()]);
    trainee.opt.dispose();
  }
}
