import { create } from 'zustand';
import type { InstructionRecord } from '../core/data/record';
import { GPT_PRESETS, type GptConfig, type GptPresetName } from '../core/model/config';
import type { PhasePlan } from '../core/phases/plan';
import { armLabel, type ArmSpec } from '../core/train/arms';
import type { BucketLoss, Hyper, RunConfig, RunEvent } from '../core/train/events';
import type { HeldOutRecord, RunSummary } from '../core/train/runner';
import type { BackendChoice, BackendPreference } from '../worker/backends';
import { trainClient } from '../worker/trainClient';
import type { TrainResponse } from '../worker/trainProtocol';

export interface TrainSettings {
  arm: ArmSpec;
  preset: GptPresetName;
  backend: BackendPreference;
  seed: number;
  hyper: Hyper;
  /** Stop after this many optimizer steps (0 = train the whole arm). */
  maxSteps: number;
  logEvery: number;
  evalEvery: number;
}

/** Sensible for a small character-level GPT trained from scratch; the paper's 5e-6 suits 7B models, not this. */
export const DEFAULT_TRAIN_SETTINGS: TrainSettings = {
  arm: { kind: 'easy-to-hard' },
  preset: 'small',
  backend: 'auto',
  seed: 1,
  hyper: {
    lr: 2e-3,
    minLrRatio: 0.1,
    epochsPerPhase: 2,
    batchSize: 16,
    gradAccumulation: 1,
    warmupRatio: 0.1,
    weightDecay: 0.1,
    clipNorm: 1,
    beta1: 0.9,
    beta2: 0.95,
    eps: 1e-8,
    restartSchedulePerPhase: true,
    resetOptimizerPerPhase: true,
    replayFraction: 0,
  },
  maxSteps: 0,
  logEvery: 5,
  evalEvery: 0,
};

export interface LossPoint {
  step: number;
  tokens: number;
  loss: number;
  lr: number;
  phase: number;
}

export interface EvalPoint {
  step: number;
  tokens: number;
  phase: number;
  atPhaseEnd: boolean;
  heldOutLoss: number;
  buckets: BucketLoss[];
}

export interface PhaseSpan {
  phase: number;
  label: string;
  /** 1-based phases of the plan this stage holds (all of them for one-off, none for a random stage). */
  sourcePhases: number[];
  startTokens: number;
  endTokens?: number;
  steps: number;
}

export type RunStatus = 'starting' | 'running' | 'paused' | 'done' | 'stopped' | 'error';

export interface Run {
  id: string;
  label: string;
  settings: TrainSettings;
  status: RunStatus;
  startedAt: number;
  backend?: BackendChoice;
  model?: { config: GptConfig; parameters: number };
  points: LossPoint[];
  evals: EvalPoint[];
  phases: PhaseSpan[];
  totalSteps: number;
  tokensPerSec?: number;
  elapsedMs?: number;
  summary?: Omit<RunSummary, 'losses'>;
  /** Live tensors in the worker after the run ended (should be 0: the model and optimizer are freed). */
  leftoverTensors?: number;
  error?: string;
  lastCheckpoint?: { bytes: Uint8Array; step: number; reason: string };
}

interface TrainState {
  settings: TrainSettings;
  runs: Run[];
  activeRunId?: string;
  update(change: Partial<TrainSettings>): void;
  updateHyper(change: Partial<Hyper>): void;
  start(plan: PhasePlan, records: readonly InstructionRecord[]): void;
  pause(): void;
  resume(): void;
  stop(): void;
}

/** `?backend=webgpu` (or webgl, wasm, cpu) forces a backend: handy for checking one, and for the browser tests. */
function backendFromUrl(): BackendPreference | undefined {
  if (typeof location === 'undefined') return undefined;
  const value = new URLSearchParams(location.search).get('backend');
  return value === 'webgpu' || value === 'webgl' || value === 'wasm' || value === 'cpu' || value === 'auto' ? value : undefined;
}

/** The training inputs a plan defines: each phase's training records, and the held-out records with their bucket. */
export function trainingInputs(plan: PhasePlan, records: readonly InstructionRecord[]) {
  const byId = new Map(records.map((r) => [r.id, r]));
  const pick = (ids: readonly string[]) => ids.map((id) => byId.get(id)!).filter(Boolean);
  const phases = plan.phases.map((p) => pick(p.recordIds));
  const heldOut: HeldOutRecord[] = plan.phases.flatMap((p) => pick(p.heldOutIds).map((record) => ({ record, bucket: String(p.index) })));
  return { phases, heldOut };
}

export const useTrainStore = create<TrainState>()((set, get) => {
  const patchRun = (id: string, patch: (run: Run) => Partial<Run>) =>
    set((state) => ({ runs: state.runs.map((r) => (r.id === id ? { ...r, ...patch(r) } : r)) }));

  const onEvent = (id: string, event: RunEvent) => {
    switch (event.type) {
      case 'phaseStart':
        patchRun(id, (r) => ({
          phases: [...r.phases, { phase: event.phase, label: event.label, sourcePhases: event.sourcePhases, startTokens: event.tokensSeen, steps: event.steps }],
          totalSteps: r.phases.reduce((n, p) => n + p.steps, 0) + event.steps,
        }));
        break;
      case 'step': {
        const n = event.losses.length;
        const first = event.step - n + 1;
        patchRun(id, (r) => {
          // Tokens are known at the window's end; spread them evenly over the window's steps for the chart's x axis.
          const before = r.points.at(-1)?.tokens ?? 0;
          const points = event.losses.map((loss, i) => ({
            step: first + i,
            tokens: Math.round(before + ((event.tokensSeen - before) * (i + 1)) / n),
            loss,
            lr: event.lr,
            phase: event.phase,
          }));
          return {
            status: r.status === 'starting' ? 'running' : r.status,
            points: [...r.points, ...points],
            tokensPerSec: event.tokensPerSec,
            elapsedMs: event.elapsedMs,
          };
        });
        break;
      }
      case 'eval':
        patchRun(id, (r) => ({
          evals: [...r.evals, { step: event.step, tokens: event.tokensSeen, phase: event.phase, atPhaseEnd: event.atPhaseEnd, heldOutLoss: event.heldOutLoss, buckets: event.buckets }],
        }));
        break;
      case 'phaseEnd':
        patchRun(id, (r) => ({ phases: r.phases.map((p) => (p.phase === event.phase ? { ...p, endTokens: event.tokensSeen } : p)) }));
        break;
      case 'checkpoint':
        patchRun(id, () => ({ lastCheckpoint: { bytes: event.bytes, step: event.step, reason: event.reason } }));
        break;
      case 'error':
        patchRun(id, () => ({ status: 'error', error: event.message }));
        break;
      case 'done':
        patchRun(id, (r) => ({ status: r.status === 'error' ? 'error' : event.stopped ? 'stopped' : 'done', elapsedMs: event.elapsedMs }));
        break;
    }
  };

  const onMessage = (message: TrainResponse) => {
    const id = message.runId;
    switch (message.type) {
      case 'backend':
        patchRun(id, () => ({ backend: message.choice }));
        break;
      case 'model':
        patchRun(id, () => ({ model: { config: message.config, parameters: message.parameters } }));
        break;
      case 'event':
        onEvent(id, message.event);
        break;
      case 'finished':
        patchRun(id, (r) => ({
          summary: message.summary,
          leftoverTensors: message.memory.numTensors,
          status: r.status === 'error' || message.summary.status === 'error' ? 'error' : message.summary.status === 'stopped' ? 'stopped' : 'done',
          error: r.error ?? message.summary.error,
        }));
        if (get().activeRunId === id) set({ activeRunId: undefined });
        break;
      case 'failed':
        patchRun(id, () => ({ status: 'error', error: message.message }));
        if (get().activeRunId === id) set({ activeRunId: undefined });
        break;
    }
  };

  return {
    settings: { ...DEFAULT_TRAIN_SETTINGS, backend: backendFromUrl() ?? DEFAULT_TRAIN_SETTINGS.backend },
    runs: [],
    update(change) {
      set((s) => ({ settings: { ...s.settings, ...change } }));
    },
    updateHyper(change) {
      set((s) => ({ settings: { ...s.settings, hyper: { ...s.settings.hyper, ...change } } }));
    },
    start(plan, records) {
      if (get().activeRunId) return;
      const settings = get().settings;
      const shape = GPT_PRESETS[settings.preset];
      const { phases, heldOut } = trainingInputs(plan, records);
      const id = `run-${Date.now().toString(36)}`;
      const config: RunConfig = {
        arm: settings.arm,
        hyper: settings.hyper,
        seed: settings.seed,
        logEvery: settings.logEvery,
        evalEvery: settings.evalEvery,
        template: 'paper',
        contextLength: shape.contextLength,
      };
      const run: Run = { id, label: armLabel(settings.arm), settings, status: 'starting', startedAt: Date.now(), points: [], evals: [], phases: [], totalSteps: 0 };
      set((s) => ({ runs: [...s.runs, run], activeRunId: id }));
      const tokenizerTexts = [...phases.flat(), ...heldOut.map((h) => h.record)].map((r) => `${r.instruction}\n${r.input}\n${r.output}`);
      tokenizerTexts.push('User: Assistant:\n');
      trainClient.start(
        {
          type: 'start',
          runId: id,
          backend: settings.backend,
          model: { kind: 'random', config: { ...shape, vocabSize: 0 }, seed: settings.seed },
          tokenizerTexts,
          config,
          phases,
          heldOut,
          maxSteps: settings.maxSteps > 0 ? settings.maxSteps : undefined,
        },
        onMessage,
      );
    },
    pause() {
      const id = get().activeRunId;
      if (!id) return;
      trainClient.send({ type: 'pause' });
      patchRun(id, () => ({ status: 'paused' }));
    },
    resume() {
      const id = get().activeRunId;
      if (!id) return;
      trainClient.send({ type: 'resume' });
      patchRun(id, () => ({ status: 'running' }));
    },
    stop() {
      trainClient.send({ type: 'stop' });
    },
  };
});
