import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../kernels/nodeBackends';
import { loadCheckpoint } from '../model/checkpoint';
import { gptConfigFromPreset, type GptConfig } from '../model/config';
import { disposeGptCaches, disposeGptParams, gptLoss, initGptParams, type GptParams } from '../model/gpt';
import { CharTokenizer } from '../tokenizer/charTokenizer';
import { BatchBuilder } from '../text/batches';
import { pretokenize } from '../text/pretokenize';
import { rec } from '../text/testing/toyData';
import { PAPER_HYPER, type Hyper } from './hyper';
import type { RunConfig } from './runConfig';
import type { RunEvent } from './events';
import { previewSchedule } from './schedulePreview';
import { PhasedRunner, resumeFromCheckpoint, type RunnerInit } from './runner';

// Micro GPT (2 layers, width 32, context 32) on the wasm backend: every test here trains for real, in seconds.
const easy = Array.from({ length: 8 }, (_, i) => rec(`e${i}`, `say ${i}`, `ok ${'abcdefgh'[i]}`, '', 1));
const hard = Array.from({ length: 8 }, (_, i) => rec(`h${i}`, `twice ${i}`, `${'abcdefgh'[i]}${i}${i}`, '', 4));
// Each answer depends on the instruction's digit, so overfitting needs attention to the prompt, not just a prior.
const overfitSet = Array.from({ length: 8 }, (_, i) => rec(`o${i}`, `Say ${i}`, `Number ${'abcdefgh'[i]}${i}`));
const tok = CharTokenizer.fromTexts(
  [...easy, ...hard, ...overfitSet].flatMap((r) => [r.instruction, r.output]),
  { alwaysInclude: 'User: \nAssistant' },
);
let modelConfig: GptConfig;

const hyper: Hyper = {
  ...PAPER_HYPER,
  lr: 3e-3,
  minLrRatio: 0.1,
  batchSize: 8,
  warmupRatio: 0.05,
  weightDecay: 0,
  epochsPerPhase: 1,
};
function runConfig(over: Partial<RunConfig> = {}, h: Partial<Hyper> = {}): RunConfig {
  return {
    arm: { kind: 'easy-to-hard' },
    hyper: { ...hyper, ...h },
    seed: 5,
    logEvery: 5,
    evalEvery: 0,
    template: 'paper',
    contextLength: 32,
    ...over,
  };
}

function collect(
  init: Omit<RunnerInit, 'onEvent'>,
  hook?: (e: RunEvent) => void,
): { runner: PhasedRunner; events: RunEvent[] } {
  const events: RunEvent[] = [];
  const runner = new PhasedRunner({
    ...init,
    onEvent: (e) => {
      events.push(e);
      hook?.(e);
    },
  });
  return { runner, events };
}

function freshParams(seed = 1): GptParams {
  return initGptParams(modelConfig, seed);
}

beforeAll(async () => {
  await useNodeBackend('wasm');
  modelConfig = gptConfigFromPreset('micro', tok.vocabSize);
});
afterAll(() => disposeGptCaches());

describe('PhasedRunner on a micro GPT (wasm)', () => {
  it('overfits 8 examples to near-zero loss, with constant numTensors and one readback per log window', async () => {
    const params = freshParams();
    disposeGptCaches();
    const n0 = tf.memory().numTensors;
    const memAtStep = new Map<number, number>();
    const { runner, events } = collect(
      {
        // lr 1e-2 reaches ~0.002 by step 120 (deterministic on wasm): ~5 s on a quiet 2-core machine.
        config: runConfig({ arm: { kind: 'one-off' }, logEvery: 10 }, { epochsPerPhase: 120, lr: 1e-2 }),
        model: { config: modelConfig, params },
        tokenizer: tok,
        phases: [overfitSet],
        heldOut: overfitSet.slice(0, 4).map((record) => ({ record, bucket: '1' })),
        checkpoints: false,
      },
      (e) => {
        if (e.type === 'step') memAtStep.set(e.step, tf.memory().numTensors);
      },
    );
    const summary = await runner.run();
    expect(summary.status).toBe('done');
    expect(summary.steps).toBe(120);
    expect(summary.losses).toHaveLength(120);
    expect(summary.losses[0]).toBeGreaterThan(2.5); // ≈ ln(vocab) at init
    const lastWindow = summary.losses.slice(-10).reduce((a, b) => a + b, 0) / 10;
    expect(lastWindow).toBeLessThan(0.02);
    const evalEvent = events.find((e) => e.type === 'eval');
    expect(evalEvent?.type === 'eval' && evalEvent.heldOutLoss).toBeLessThan(0.05);
    // No leak: the same number of tensors after step 10 and step 120 (and every window between).
    expect(memAtStep.get(10)).toBeDefined();
    expect(memAtStep.get(120)).toBe(memAtStep.get(10));
    expect(new Set(memAtStep.values()).size).toBe(1);
    // Readbacks: 1 warm-up + 12 loss windows + 1 phase-end evaluation; nothing per step.
    expect(summary.readbacks).toBe(14);
    runner.dispose();
    disposeGptCaches();
    expect(tf.memory().numTensors).toBe(n0); // nothing left behind once the runner is disposed
    disposeGptParams(params);
  });

  it('is deterministic from the seed, and a different seed changes the data order', async () => {
    const run = async (seed: number) => {
      const params = freshParams();
      const { runner } = collect({
        config: runConfig({ seed, arm: { kind: 'one-off' } }, { batchSize: 4, epochsPerPhase: 1 }),
        model: { config: modelConfig, params },
        tokenizer: tok,
        phases: [easy, hard],
        checkpoints: false,
      });
      const s = await runner.run();
      runner.dispose();
      disposeGptParams(params);
      return s.losses;
    };
    const a = await run(5);
    const b = await run(5);
    const c = await run(6);
    expect(a).toHaveLength(4);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('resets or carries AdamW state and restarts or spans the LR schedule per phase, as configured', async () => {
    const run = async (h: Partial<Hyper>) => {
      const params = freshParams();
      const { runner, events } = collect({
        config: runConfig({ logEvery: 1 }, { batchSize: 2, warmupRatio: 0.25, ...h }),
        model: { config: modelConfig, params },
        tokenizer: tok,
        phases: [easy, hard],
        checkpoints: false,
      });
      const s = await runner.run();
      runner.dispose();
      disposeGptParams(params);
      return { losses: s.losses, lrs: events.flatMap((e) => (e.type === 'step' ? [e.lr] : [])) };
    };
    const paper = await run({ resetOptimizerPerPhase: true, restartSchedulePerPhase: true });
    const carry = await run({ resetOptimizerPerPhase: false, restartSchedulePerPhase: true });
    const span = await run({ resetOptimizerPerPhase: true, restartSchedulePerPhase: false });
    // 4 steps per phase; warm-up ceil(0.25 × 4) = 1 step at LR 0 (the Trainer's rule), so when restarting each phase
    // starts at 0 and is at the peak on its second step; decay p = (s − 1) / 3.
    expect(paper.lrs[4]).toBe(0);
    expect(paper.lrs[5]).toBeCloseTo(hyper.lr, 12);
    expect(span.lrs[4]).toBeLessThan(hyper.lr * 0.9);
    expect(span.lrs[5]).toBeLessThan(hyper.lr * 0.9);
    const r = hyper.minLrRatio;
    expect(paper.lrs[7]).toBeCloseTo(hyper.lr * (r + (1 - r) * 0.5 * (1 + Math.cos((2 * Math.PI) / 3))), 12);
    // Phase 1 is identical; from phase 2 on, carrying the moments changes the updates.
    expect(carry.losses.slice(0, 5)).toEqual(paper.losses.slice(0, 5));
    expect(carry.losses.slice(5)).not.toEqual(paper.losses.slice(5));
  });

  it('trains a one-step phase at its peak LR: a warm-up shorter than one step is skipped, not run at LR 0', async () => {
    const params = freshParams();
    const { runner, events } = collect({
      config: runConfig({ logEvery: 1 }, { batchSize: 2, warmupRatio: 0.1 }),
      model: { config: modelConfig, params },
      tokenizer: tok,
      phases: [easy.slice(0, 1), hard],
      checkpoints: false,
    });
    await runner.run();
    const lrs = events.flatMap((e) => (e.type === 'step' ? [e.lr] : []));
    expect(runner.schedule.map((p) => p.length)).toEqual([1, 4]);
    // what the form shows before Start is what the runner does
    const preview = previewSchedule(
      [easy.slice(0, 1), hard],
      { kind: 'easy-to-hard' },
      { ...hyper, batchSize: 2, warmupRatio: 0.1 },
      5,
    );
    expect(preview.map((p) => [p.steps, p.firstLr, p.lastLr])).toEqual(
      runner.schedule.map((p) => [p.length, p[0], p[p.length - 1]]),
    );
    // phase 1: its only update at the peak; phase 2: 4 × 0.1 of a step of warm-up, none either
    expect(lrs[0]).toBe(hyper.lr);
    expect(lrs[1]).toBe(hyper.lr);
    runner.dispose();
    disposeGptParams(params);
  });

  it('logs every step with the LR the schedule gave it, whole windows included, and announces every stage’s steps', async () => {
    const params = freshParams();
    // 4 steps per phase, one window of 4: before, every step of a window carried the window's last LR.
    const { runner, events } = collect({
      config: runConfig({ logEvery: 4 }, { batchSize: 2 }),
      model: { config: modelConfig, params },
      tokenizer: tok,
      phases: [easy, hard],
      checkpoints: false,
    });
    await runner.run();
    const logged = events.flatMap((e) =>
      e.type === 'step' ? e.lrs.map((lr, i) => ({ step: e.step - e.lrs.length + 1 + i, lr })) : [],
    );
    const scheduled = runner.schedule.flatMap((stage) => [...stage]);
    expect(logged.map((l) => l.step)).toEqual(scheduled.map((_, i) => i + 1));
    expect(logged.map((l) => l.lr)).toEqual(scheduled);
    expect(new Set(scheduled.slice(0, 4)).size).toBeGreaterThan(1);
    expect(events.flatMap((e) => (e.type === 'phaseStart' ? [e.stageSteps] : []))).toEqual([
      [4, 4],
      [4, 4],
    ]);
    runner.dispose();
    disposeGptParams(params);
  });

  it('emits phase events in the arm order and evaluates per bucket at each phase end', async () => {
    const params = freshParams();
    const { runner, events } = collect({
      config: runConfig({ arm: { kind: 'hard-to-easy' } }, { batchSize: 4 }),
      model: { config: modelConfig, params },
      tokenizer: tok,
      phases: [easy, hard],
      heldOut: [
        ...easy.slice(0, 2).map((record) => ({ record, bucket: '1' })),
        ...hard.slice(0, 3).map((record) => ({ record, bucket: '2' })),
      ],
    });
    const s = await runner.run();
    expect(s.status).toBe('done');
    const kinds = events
      .map((e) => (e.type === 'phaseStart' || e.type === 'phaseEnd' ? `${e.type}:${e.phase}` : e.type))
      .filter((k) => k !== 'step');
    expect(kinds).toEqual([
      'phaseStart:0',
      'phaseEnd:0',
      'eval',
      'checkpoint',
      'phaseStart:1',
      'phaseEnd:1',
      'eval',
      'checkpoint',
      'done',
    ]);
    const cks = events.flatMap((e) =>
      e.type === 'checkpoint' ? [[e.reason, e.phase, e.cursor.stage, e.cursor.stepInStage]] : [],
    );
    expect(cks).toEqual([
      ['phase-end', 0, 1, 0],
      ['phase-end', 1, 2, 0],
    ]);
    const starts = events.filter((e) => e.type === 'phaseStart');
    expect(starts.map((e) => e.type === 'phaseStart' && [e.label, e.records, e.steps])).toEqual([
      ['Phase 2', 8, 2],
      ['Phase 1', 8, 2],
    ]);
    const ev = events.find((e) => e.type === 'eval');
    if (ev?.type !== 'eval') throw new Error('no eval');
    expect(ev.buckets.map((b) => [b.bucket, b.records])).toEqual([
      ['1', 2],
      ['2', 3],
    ]);
    const weighted =
      ev.buckets.reduce((a, b) => a + b.loss * b.tokens, 0) / ev.buckets.reduce((a, b) => a + b.tokens, 0);
    expect(ev.heldOutLoss).toBeCloseTo(weighted, 5);
    runner.dispose();
    disposeGptParams(params);
  });

  it('awaits afterPhase after each phase’s evaluation and before its checkpoint, without counting it as training', async () => {
    const params = freshParams();
    const order: string[] = [];
    const { runner } = collect(
      {
        config: runConfig({ arm: { kind: 'easy-to-hard' } }, { batchSize: 4 }),
        model: { config: modelConfig, params },
        tokenizer: tok,
        phases: [easy, hard],
        heldOut: [{ record: easy[0]!, bucket: '1' }],
        afterPhase: async (stage, at) => {
          order.push(`afterPhase:${stage}@${at.step}`);
          await new Promise((r) => setTimeout(r, 30));
          order.push(`afterPhase:${stage}:done`);
        },
      },
      (e) => {
        if (e.type === 'eval' || e.type === 'checkpoint') order.push(e.type);
      },
    );
    const s = await runner.run();
    expect(s.status).toBe('done');
    expect(order).toEqual([
      'eval',
      'afterPhase:0@2',
      'afterPhase:0:done',
      'checkpoint',
      'eval',
      'afterPhase:1@4',
      'afterPhase:1:done',
      'checkpoint',
    ]);
    runner.dispose();
    disposeGptParams(params);
  });

  it('resumes from a checkpoint: N steps, save, load, N steps ≈ 2N straight (across a phase boundary)', async () => {
    const cfg = runConfig(
      { logEvery: 3 },
      { batchSize: 2, epochsPerPhase: 1, resetOptimizerPerPhase: false, restartSchedulePerPhase: false },
    );
    // Straight: 2 phases × 4 steps = 8 steps.
    const p1 = freshParams();
    const straight = collect({
      config: cfg,
      model: { config: modelConfig, params: p1 },
      tokenizer: tok,
      phases: [easy, hard],
      checkpoints: false,
    });
    const all = await straight.runner.run();
    straight.runner.dispose();
    disposeGptParams(p1);
    expect(all.losses).toHaveLength(8);

    // First half: stop after 3 steps (mid phase 1) → checkpoint.
    const p2 = freshParams();
    const first = collect({
      config: cfg,
      model: { config: modelConfig, params: p2 },
      tokenizer: tok,
      phases: [easy, hard],
      maxSteps: 3,
    });
    const s1 = await first.runner.run();
    expect(s1.status).toBe('stopped');
    const ck = first.events.find((e) => e.type === 'checkpoint');
    if (ck?.type !== 'checkpoint') throw new Error('no checkpoint');
    expect(ck.reason).toBe('stop');
    expect(ck.cursor).toMatchObject({ stage: 0, stepInStage: 3, position: 6, globalStep: 3 });
    first.runner.dispose();
    disposeGptParams(p2);

    // Second half from the bytes alone, on freshly loaded variables.
    const loaded = resumeFromCheckpoint(ck.bytes);
    const second = collect({ ...loaded, phases: [easy, hard], checkpoints: false });
    tf.dispose(Object.values(loaded.resume.optimizerState ?? {}));
    const s2 = await second.runner.run();
    expect(s2.status).toBe('done');
    expect(s2.steps).toBe(8);
    const resumed = [...s1.losses, ...s2.losses];
    expect(resumed).toHaveLength(8);
    resumed.forEach((l, i) => expect(l, `step ${i + 1}`).toBeCloseTo(all.losses[i]!, 4));
    expect(second.events.find((e) => e.type === 'phaseStart')).toMatchObject({ phase: 0, resumed: true });
    second.runner.dispose();
    disposeGptParams(loaded.model.params);
  }, 30_000);

  /** Two phases, logged every 2 steps, with `poison` applied to the weights after step 6 is logged. */
  async function runPoisonedAtStep6(poison: (params: GptParams) => void) {
    const params = freshParams();
    const events: RunEvent[] = [];
    const runner = new PhasedRunner({
      config: runConfig({ logEvery: 2 }, { batchSize: 2 }),
      model: { config: modelConfig, params },
      tokenizer: tok,
      phases: [easy, hard],
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'step' && e.step === 6) poison(params);
      },
    });
    const s = await runner.run();
    return { params, events, runner, s };
  }

  it('stops on a NaN loss with an error naming step and phase, keeping the weights from before that step', async () => {
    let snapshot: Record<string, Float32Array> | null = null;
    // Between steps 6 and 7 (phase 2, its step 3 is next) poison one parameter, as a diverging step would.
    const { params, events, runner, s } = await runPoisonedAtStep6((p) => {
      p['ln_f.bias']!.assign(tf.fill(p['ln_f.bias']!.shape, NaN));
      snapshot = Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.dataSync() as Float32Array]));
    });
    expect(s.status).toBe('error');
    const err = events.find((e) => e.type === 'error');
    if (err?.type !== 'error') throw new Error('no error event');
    expect(err.message).toMatch(/loss NaN at step 7 \(phase 2 "Phase 2", step 3 of 4/);
    // The weights from before step 7 already hold the NaN: they are not offered; the phase-1 checkpoint is.
    expect(err.message).toMatch(
      /already hold NaN \(tensor "ln_f.bias", element 0\), so they were not saved; the last good checkpoint is the phase-end one of step 4/,
    );
    expect(err).toMatchObject({
      step: 7,
      phase: 1,
      stepInPhase: 3,
      lastGoodCheckpoint: { step: 4, reason: 'phase-end' },
    });
    expect(events.some((e) => e.type === 'done')).toBe(false);
    expect(events.some((e) => e.type === 'checkpoint' && e.reason === 'before-error')).toBe(false);
    expect(s.steps).toBe(6);
    // Steps 7 and 8 ran (the NaN is only read back at step 8) but the guard applied neither: every other parameter
    // is bit-for-bit what it was before step 7.
    for (const [k, v] of Object.entries(params)) {
      if (k === 'ln_f.bias') continue;
      expect(Array.from(v.dataSync()), k).toEqual(Array.from(snapshot![k]!));
    }
    const ck = runner.lastCheckpoint;
    expect(ck?.reason).toBe('phase-end');
    expect(ck?.cursor).toMatchObject({ stage: 1, stepInStage: 0, globalStep: 4 });
    runner.dispose();
    disposeGptParams(params);
  });

  it('saves the weights from before a non-finite step as a checkpoint once they are checked finite', async () => {
    // A huge but finite weight: step 7's logits overflow to an infinite loss, the weights stay finite.
    const { params, events, runner, s } = await runPoisonedAtStep6((p) =>
      p['ln_f.bias']!.assign(tf.fill(p['ln_f.bias']!.shape, 3e38)),
    );
    expect(s.status).toBe('error');
    const err = events.find((e) => e.type === 'error');
    if (err?.type !== 'error') throw new Error('no error event');
    expect(err.message).toMatch(/loss Infinity at step 7 \(phase 2 "Phase 2", step 3 of 4/);
    expect(err.message).toMatch(
      /checked finite and saved as a checkpoint\. .*then "Continue from step 6 with new settings" \(in the run list\): a new run starts from that checkpoint’s weights\. Resuming this run would repeat its settings/,
    );
    expect(err).toMatchObject({
      step: 7,
      phase: 1,
      stepInPhase: 3,
      lastGoodCheckpoint: { step: 6, reason: 'before-error' },
    });
    const ck = runner.lastCheckpoint;
    expect(ck?.reason).toBe('before-error');
    expect(ck?.cursor).toMatchObject({ stage: 1, stepInStage: 2, globalStep: 6 });
    // What is offered loads (loading refuses non-finite weights).
    const loaded = resumeFromCheckpoint(ck!.bytes);
    expect(loaded.resume.cursor.globalStep).toBe(6);
    tf.dispose(Object.values(loaded.resume.optimizerState ?? {}));
    disposeGptParams(loaded.model.params);
    runner.dispose();
    disposeGptParams(params);
  });

  it('stops a finite blow-up at LR 1e3 at its first logged window, saving nothing of the blown-up weights', async () => {
    const params = freshParams();
    // No warm-up: the first update already runs at LR 1e3 (a warm-up's first step is at LR 0).
    const { runner, events } = collect({
      config: runConfig({ logEvery: 2 }, { batchSize: 2, lr: 1e3, warmupRatio: 0 }),
      model: { config: modelConfig, params },
      tokenizer: tok,
      phases: [easy, hard],
    });
    const s = await runner.run();
    expect(s.status).toBe('error');
    expect(s.error).toBe('loss spike');
    expect(s.losses.every(Number.isFinite)).toBe(true);
    expect(s.losses[0]).toBeLessThan(5); // ≈ ln(vocab) at init …
    expect(s.losses[1]).toBeGreaterThan(1e5); // … then it blows up, finite (measured 1.4·10⁷)
    expect(s.steps).toBe(2);
    const err = events.find((e) => e.type === 'error');
    if (err?.type !== 'error') throw new Error('no error event');
    expect(err).toMatchObject({ step: 2, phase: 0, stepInPhase: 2, lastGoodCheckpoint: null });
    expect(err.message).toMatch(
      /the mean loss of the 2 steps up to step 2 .* is \d\.\d+e\+\d, over \d+× 3\.\d\d, the higher of its first loss/,
    );
    expect(err.message).toMatch(
      /no earlier checkpoint of this run was saved\. No checkpoint of this run is safe to go on from: change the settings .* and start a new run/,
    );
    expect(events.some((e) => e.type === 'done' || e.type === 'checkpoint')).toBe(false);
    runner.dispose();
    disposeGptParams(params);
  });

  it('stops a blow-up in a later phase with the phase-end checkpoint as the last good one', async () => {
    const params = freshParams();
    const { runner, events } = collect(
      {
        config: runConfig({ logEvery: 2 }, { batchSize: 2 }),
        model: { config: modelConfig, params },
        tokenizer: tok,
        phases: [easy, hard],
      },
      (e) => {
        // After phase 1, scale one weight up by 10⁴: finite, but the loss leaves every healthy range.
        if (e.type === 'checkpoint' && e.reason === 'phase-end' && e.phase === 0)
          params['wte']!.assign(tf.mul(params['wte']!, 1e4));
      },
    );
    const s = await runner.run();
    expect(s.error).toBe('loss spike');
    const err = events.find((e) => e.type === 'error');
    expect(err).toMatchObject({ phase: 1, step: 6, lastGoodCheckpoint: { step: 4, reason: 'phase-end' } });
    expect(err?.type === 'error' && err.message).toMatch(
      /the last good checkpoint is the phase-end one of step 4\. To go on, change the settings .*"Continue from step 4 with new settings"/,
    );
    runner.dispose();
    disposeGptParams(params);

    // Going on as the message says: a resume of this run is refused with other settings, a new run from the
    // checkpoint's weights with them trains (here: a one-off arm at another LR).
    const bytes = runner.lastCheckpoint!.bytes;
    const loaded = resumeFromCheckpoint(bytes);
    const changed = runConfig({ arm: { kind: 'one-off' } }, { batchSize: 2, lr: 1e-3 });
    expect(() => new PhasedRunner({ ...loaded, config: changed, phases: [easy, hard] })).toThrow(
      /different arm, hyper-parameters/,
    );
    tf.dispose(Object.values(loaded.resume.optimizerState ?? {}));
    const fresh = loadCheckpoint(bytes);
    tf.dispose(Object.values(fresh.optimizerState ?? {}));
    const next = collect({
      config: changed,
      model: { config: fresh.config, params: fresh.params },
      tokenizer: fresh.tokenizer,
      phases: [easy, hard],
      checkpoints: false,
    });
    const s2 = await next.runner.run();
    expect(s2.status).toBe('done');
    expect(s2.losses[0]).toBeCloseTo(s.losses[3]!, 0); // it starts about where phase 1 left the loss
    next.runner.dispose();
    disposeGptParams(fresh.params);
    disposeGptParams(loaded.model.params);
  });

  it('a blow-up found by the read before a pause ends the run in error, saving no checkpoint of the blown-up weights', async () => {
    const params = freshParams();
    let paused = false;
    const { runner, events } = collect(
      {
        config: runConfig({ logEvery: 3 }, { batchSize: 2, epochsPerPhase: 2 }),
        model: { config: modelConfig, params },
        tokenizer: tok,
        phases: [easy, hard],
      },
      (e) => {
        if (e.type !== 'step' || e.step !== 3) return;
        params['wte']!.assign(tf.mul(params['wte']!, 1e4));
        // Two macrotasks on: the pause request lands after step 4, mid-window (of 8 steps in phase 1), so the read
        // before pausing finds the blow-up.
        setImmediate(() =>
          setImmediate(() => {
            paused = true;
            runner.pause();
          }),
        );
        setTimeout(() => runner.resume(), 2000);
      },
    );
    const s = await runner.run();
    expect(paused).toBe(true);
    expect(s).toMatchObject({ status: 'error', error: 'loss spike', steps: 4 });
    expect(events.find((e) => e.type === 'error')).toMatchObject({ step: 4, lastGoodCheckpoint: null });
    expect(
      events.find((e) => e.type === 'error' && e.message.includes('the mean loss of the step up to step 4')),
    ).toBeDefined();
    expect(events.some((e) => e.type === 'done' || e.type === 'checkpoint')).toBe(false);
    expect(runner.state).toBe('error');
    runner.dispose();
    disposeGptParams(params);
  });

  it('warms up (compiles) on a real batch without changing any weight, outside the timed steps', async () => {
    const params = freshParams();
    const before = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Array.from(v.dataSync())]));
    const { runner } = collect({
      config: runConfig(),
      model: { config: modelConfig, params },
      tokenizer: tok,
      phases: [easy],
      maxSteps: 0,
      checkpoints: false,
    });
    const s = await runner.run();
    expect(s.status).toBe('stopped');
    expect(s.steps).toBe(0);
    expect(s.warmupMs).toBeGreaterThan(0);
    expect(s.readbacks).toBe(1);
    for (const [k, v] of Object.entries(params)) expect(Array.from(v.dataSync()), k).toEqual(before[k]);
    runner.dispose();
    disposeGptParams(params);
  });

  it('evaluates every evalEvery steps and at each phase end, without doubling at a phase end', async () => {
    const params = freshParams();
    const { runner, events } = collect({
      config: runConfig({ evalEvery: 3, logEvery: 100 }, { batchSize: 2 }),
      model: { config: modelConfig, params },
      tokenizer: tok,
      phases: [easy, hard],
      heldOut: [{ record: easy[0]!, bucket: '1' }],
      checkpoints: false,
    });
    await runner.run();
    const evals = events.flatMap((e) => (e.type === 'eval' ? [[e.step, e.atPhaseEnd]] : []));
    expect(evals).toEqual([
      [3, false],
      [4, true],
      [6, false],
      [8, true],
    ]);
    // Each evaluation flushes the loss window first, so step events line up with them.
    expect(events.filter((e) => e.type === 'step').map((e) => e.type === 'step' && e.step)).toEqual([3, 4, 6, 8]);
    runner.dispose();
    disposeGptParams(params);
  });

  it('pauses, resumes and stops on request', async () => {
    const params = freshParams();
    const states: string[] = [];
    const runner: PhasedRunner = new PhasedRunner({
      config: runConfig({ logEvery: 1 }, { batchSize: 2, epochsPerPhase: 3 }),
      model: { config: modelConfig, params },
      tokenizer: tok,
      phases: [easy, hard],
      checkpoints: false,
      onEvent: (e) => {
        if (e.type === 'step' && e.step === 2) {
          runner.pause();
          setTimeout(() => {
            states.push(runner.state);
            runner.resume();
          }, 50);
        }
        if (e.type === 'step' && e.step === 5) runner.stop();
      },
    });
    const s = await runner.run();
    expect(states).toEqual(['paused']);
    expect(s.status).toBe('stopped');
    expect(s.steps).toBe(5);
    runner.dispose();
    disposeGptParams(params);
  });

  it('gradient accumulation (B=4 × 2) gives the losses of one batch of 8 when rows have equal lengths', async () => {
    const same = Array.from({ length: 16 }, (_, i) => rec(`s${i}`, `say ${i % 8}`, `ok ${'abcdefgh'[i % 8]}`));
    const run = async (h: Partial<Hyper>) => {
      const params = freshParams();
      const { runner } = collect({
        config: runConfig({ arm: { kind: 'one-off' }, logEvery: 4 }, h),
        model: { config: modelConfig, params },
        tokenizer: tok,
        phases: [same],
        checkpoints: false,
      });
      const s = await runner.run();
      runner.dispose();
      disposeGptParams(params);
      return s.losses;
    };
    const big = await run({ batchSize: 8, gradAccumulation: 1, epochsPerPhase: 2 });
    const acc = await run({ batchSize: 4, gradAccumulation: 2, epochsPerPhase: 2 });
    expect(big).toHaveLength(4);
    expect(acc).toHaveLength(4);
    acc.forEach((l, i) => expect(l).toBeCloseTo(big[i]!, 4));
  });

  it('refuses a context longer than the model and a resume with another config', () => {
    const params = freshParams();
    expect(
      () =>
        new PhasedRunner({
          config: runConfig({ contextLength: 64 }),
          model: { config: modelConfig, params },
          tokenizer: tok,
          phases: [easy],
        }),
    ).toThrow(/contextLength 64 exceeds the model's context \(32/);
    const cursor = {
      stage: 0,
      stepInStage: 1,
      position: 8,
      globalStep: 1,
      tokensSeen: 10,
      seed: 5,
      config: runConfig({ seed: 9 }),
    };
    expect(
      () =>
        new PhasedRunner({
          config: runConfig(),
          model: { config: modelConfig, params },
          tokenizer: tok,
          phases: [easy],
          resume: { cursor },
        }),
    ).toThrow(/different arm, hyper-parameters, seed/);
    disposeGptParams(params);
  });
});

describe('response-only loss at the batch level', () => {
  it('changing prompt-side targets leaves the loss unchanged; changing a response target changes it', () => {
    const params = freshParams(3);
    const { examples } = pretokenize(easy.slice(0, 4), 'paper', tok, 32);
    const hb = new BatchBuilder(4, 32, tok.padId).build(examples);
    const loss = (targets: Int32Array) =>
      tf.tidy(
        () =>
          gptLoss(
            modelConfig,
            params,
            tf.tensor2d(hb.ids, [4, 32], 'int32'),
            tf.tensor2d(targets, [4, 32], 'int32'),
            tf.tensor2d(hb.mask, [4, 32]),
          ).dataSync()[0]!,
      );
    const base = loss(hb.targets);
    const promptSide = hb.targets.slice();
    const responseSide = hb.targets.slice();
    let changedPrompt = 0;
    for (let i = 0; i < promptSide.length; i++) {
      if (hb.mask[i] === 0) {
        promptSide[i] = (promptSide[i]! + 7) % tok.vocabSize;
        changedPrompt++;
      }
    }
    expect(changedPrompt).toBeGreaterThan(40);
    expect(loss(promptSide)).toBe(base);
    const firstResponse = hb.mask.indexOf(1);
    responseSide[firstResponse] = (responseSide[firstResponse]! + 7) % tok.vocabSize;
    expect(Math.abs(loss(responseSide) - base)).toBeGreaterThan(1e-4);
    disposeGptParams(params);
  });
});
