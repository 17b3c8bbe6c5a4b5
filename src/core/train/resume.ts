import type * as tf from '@tensorflow/tfjs-core';
import { loadCheckpoint } from '../model/checkpoint';
import type { GptConfig } from '../model/config';
import type { GptParams } from '../model/gpt';
import type { Tokenizer } from '../tokenizer/tokenizer';
import type { RunConfig } from './runConfig';
import type { RunCursor } from './runCursor';
import { rowsPerStep, type StagePlan } from './stagePlan';

/** Where a run continues: a checkpoint's cursor and, when saved, its AdamW state. */
export interface ResumePoint {
  cursor: RunCursor;
  optimizerState?: Record<string, tf.Tensor>;
}

/** The cursor of a run `at` a step: data orders are a pure function of (seed, stage, epoch), so this is all of it. */
export function runCursor(
  c: RunConfig,
  plans: readonly StagePlan[],
  at: { stage: number; stepInStage: number; globalStep: number; tokensSeen: number },
): RunCursor {
  const plan = plans[at.stage];
  return {
    stage: at.stage,
    stepInStage: at.stepInStage,
    position: plan ? Math.min(plan.order.length, at.stepInStage * rowsPerStep(c)) : 0,
    globalStep: at.globalStep,
    tokensSeen: at.tokensSeen,
    seed: c.seed,
    config: c,
  };
}

/** The parts of a config that change the data order, schedule or updates: a resume must match them. */
function trajectoryKey(c: RunConfig): string {
  return JSON.stringify({
    arm: c.arm,
    hyper: c.hyper,
    seed: c.seed,
    template: c.template,
    contextLength: c.contextLength,
    lora: c.lora ?? null,
  });
}

/** Throws unless `cursor` was written by a run with this trajectory and points inside its plan. */
export function checkResumable(cursor: RunCursor, c: RunConfig, plans: readonly StagePlan[]): void {
  if (trajectoryKey(cursor.config) !== trajectoryKey(c)) {
    throw new Error(
      'This checkpoint was saved by a run with a different arm, hyper-parameters, seed, template, context length or LoRA settings; ' +
        'resume with the checkpoint’s own run config (cursor.config) or start a new run from its weights.',
    );
  }
  if (cursor.stage > plans.length || (cursor.stage < plans.length && cursor.stepInStage > plans[cursor.stage]!.steps)) {
    throw new Error(
      `The checkpoint's cursor (stage ${cursor.stage}, step ${cursor.stepInStage}) lies outside this run's plan.`,
    );
  }
}

/** Checks that a checkpoint's cursor is one this runner wrote. */
export function asRunCursor(x: unknown): RunCursor {
  const c = x as Partial<RunCursor> | undefined;
  const ok =
    !!c &&
    typeof c === 'object' &&
    [c.stage, c.stepInStage, c.position, c.globalStep, c.tokensSeen, c.seed].every((v) => typeof v === 'number') &&
    !!c.config &&
    typeof c.config === 'object';
  if (!ok)
    throw new Error(
      'This checkpoint has no training cursor (it was not saved by a training run), so the run cannot resume from it.',
    );
  return c as RunCursor;
}

/**
 * Everything `RunnerInit` needs to continue a run from checkpoint bytes: the model (weights restored), its tokenizer,
 * the run config and the resume cursor + optimizer state. Add `phases`, `heldOut` and `onEvent`, then run.
 * Dispose `resume.optimizerState` after the runner is constructed (it copies it).
 */
export function resumeFromCheckpoint(bytes: Uint8Array): {
  config: RunConfig;
  model: { config: GptConfig; params: GptParams };
  tokenizer: Tokenizer;
  resume: ResumePoint;
} {
  const ck = loadCheckpoint(bytes);
  const cursor = asRunCursor(ck.cursor);
  const resume: ResumePoint = { cursor };
  if (ck.optimizerState) resume.optimizerState = ck.optimizerState;
  return { config: cursor.config, model: { config: ck.config, params: ck.params }, tokenizer: ck.tokenizer, resume };
}
