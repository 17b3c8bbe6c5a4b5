import { create } from 'zustand';
import type { InstructionRecord } from '../core/data/record';
import { GPT_PRESETS, type GptConfig } from '../core/model/config';
import type { PhasePlan } from '../core/phases/plan';
import { armLabel, shareOfEachPhase, type ArmSpec } from '../core/train/arms';
import type { BucketLoss, Hyper, RunConfig, RunEvent } from '../core/train/events';
import type { HeldOutRecord, RunSummary } from '../core/train/runner';
import type { BackendChoice } from '../worker/backends';
import { DEFAULT_TRAIN_SETTINGS, DEMO_HYPER, type BackendPreference, type TrainSettings } from '../core/runs/settings';
import { BASE_MODEL } from './baseModelStore';
import { trainClient } from '../worker/trainClient';
import type { ModelSource, TrainResponse } from '../worker/trainProtocol';
import type { SampleSnapshot } from '../core/eval/samples';
import type { ExactMatchOutcome } from '../worker/runEvaluation';
import type { StoredDataset } from '../storage/storedDataset';
import { deleteRun as deleteStoredRun, loadCheckpointBytes, loadRuns, saveCheckpointBytes, saveRun } from '../storage/runStorage';
import { loadModelFiles } from '../storage/modelStorage';

export { DEFAULT_TRAIN_SETTINGS, type TrainSettings };

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

/** `evaluating`: training is over and the worker is scoring the held-out answers; `done` comes after that. */
export type RunStatus = 'queued' | 'starting' | 'running' | 'paused' | 'evaluating' | 'done' | 'stopped' | 'error' | 'interrupted';

/** The data a run trained on: a resume or a comparison is only honest on the same records, phases and held-out set. */
export interface RunDataKey {
  fileName: string;
  contentHash?: string;
  scorerId: string;
  cutoffs: number[];
  heldOutFraction: number;
  heldOutSeed: number;
  trainRecords: number;
  heldOutRecords: number;
}

export function sameData(a: RunDataKey, b: RunDataKey): boolean {
  return (
    a.fileName === b.fileName &&
    a.contentHash === b.contentHash &&
    a.scorerId === b.scorerId &&
    a.cutoffs.join() === b.cutoffs.join() &&
    a.heldOutFraction === b.heldOutFraction &&
    a.heldOutSeed === b.heldOutSeed
  );
}

export interface Run {
  id: string;
  label: string;
  settings: TrainSettings;
  dataKey: RunDataKey;
  status: RunStatus;
  startedAt: number;
  backend?: BackendChoice;
  model?: { config: GptConfig; parameters: number; notes: string[] };
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
  /** Step of the newest checkpoint saved in this browser (survives a reload, unlike the bytes above). */
  checkpointStep?: number;
  /** Answers to the same held-out prompts after every phase. */
  samples?: SampleSnapshot[];
  /** Exact match per difficulty bucket on the held-out set, at the end of the run. */
  exactMatch?: ExactMatchOutcome;
}

interface TrainState {
  settings: TrainSettings;
  runs: Run[];
  activeRunId?: string;
  /** A problem with local storage or with resuming; training itself goes on. */
  notice?: string;
  /** Whether the person (or a configuration they loaded) has picked the model; until then the base model is adopted. */
  modelChosen: boolean;
  update(change: Partial<TrainSettings>): void;
  /** The person picks a model (a preset size, the base model or an imported one). */
  chooseModel(change: Pick<Partial<TrainSettings>, 'model' | 'preset'>): void;
  /** Make the shipped base model the default, with the fine-tuning recipe that suits it, unless a model was chosen. */
  adoptBaseModel(): void;
  /** Replace every setting at once (an imported or linked configuration). */
  replaceSettings(settings: TrainSettings): void;
  updateHyper(change: Partial<Hyper>): void;
  /** Queue runs on the current plan: one per (arm, seed); they train one after another. */
  queue(arms: ArmSpec[], seeds: number[], plan: PhasePlan, dataset: StoredDataset): void;
  pause(): void;
  resume(): void;
  stop(): void;
  /** Continue an interrupted or stopped run from its last saved checkpoint. */
  resumeRun(runId: string, plan: PhasePlan, dataset: StoredDataset): Promise<void>;
  deleteRun(runId: string): Promise<void>;
  restoreRuns(): Promise<void>;
  dismissNotice(): void;
}

/** `?backend=webgpu` (or webgl, wasm, cpu) forces a backend: handy for checking one, and for the browser tests. */
function backendFromUrl(): BackendPreference | undefined {
  if (typeof location === 'undefined') return undefined;
  const value = new URLSearchParams(location.search).get('backend');
  return value === 'webgpu' || value === 'webgl' || value === 'wasm' || value === 'cpu' || value === 'auto' ? value : undefined;
}

/**
 * The training inputs a plan defines: each phase's training records (the first `share` of each), and the held-out
 * records with their bucket (always all of them, so runs with different shares are scored on the same set).
 */
export function trainingInputs(plan: PhasePlan, records: readonly InstructionRecord[], share = 1) {
  const byId = new Map(records.map((r) => [r.id, r]));
  const pick = (ids: readonly string[]) => ids.map((id) => byId.get(id)!).filter(Boolean);
  const phases = shareOfEachPhase(plan.phases.map((p) => pick(p.recordIds)), share);
  const heldOut: HeldOutRecord[] = plan.phases.flatMap((p) => pick(p.heldOutIds).map((record) => ({ record, bucket: String(p.index) })));
  return { phases, heldOut };
}

/** The weights a new run starts from, fetched or read where they live. */
async function modelSourceFor(settings: TrainSettings): Promise<ModelSource> {
  const ref = settings.model;
  if (!ref) return { kind: 'random', config: { ...GPT_PRESETS[settings.preset], vocabSize: 0 }, seed: settings.seed };
  if (ref.kind === 'base') {
    const response = await fetch(ref.url).catch((error: Error) => {
      throw new Error(`Could not fetch the base model ${ref.name} (${error.message}).`);
    });
    if (!response.ok) throw new Error(`Could not fetch the base model ${ref.name} (HTTP ${response.status} for ${ref.url}).`);
    return { kind: 'checkpoint', bytes: await response.arrayBuffer(), resume: false, name: ref.name };
  }
  if (ref.kind === 'hf') {
    const stored = await loadModelFiles(ref.id);
    if (!stored) throw new Error(`The imported model ${ref.name} is no longer in this browser: import its files again on the Train screen.`);
    return { kind: 'hf', files: stored.files, prune: ref.prune, name: ref.name, maxContext: stored.meta.maxContext };
  }
  throw new Error(`Models of kind "${(ref as { kind: string }).kind}" cannot be loaded by this version of the studio.`);
}

let runCounter = 0;
function newRunId(): string {
  runCounter += 1;
  return `run-${Date.now().toString(36)}-${runCounter}`;
}

export function dataKeyOf(plan: PhasePlan, dataset: StoredDataset): RunDataKey {
  return {
    fileName: dataset.fileName,
    contentHash: dataset.contentHash,
    scorerId: plan.scorerId,
    cutoffs: plan.cutoffs,
    heldOutFraction: plan.heldOut.fraction,
    heldOutSeed: plan.heldOut.seed,
    trainRecords: plan.phases.reduce((n, p) => n + p.recordIds.length, 0),
    heldOutRecords: plan.heldOut.recordIds.length,
  };
}

export const useTrainStore = create<TrainState>()((set, get) => {
  /** Training inputs of queued runs (not persisted: a reload rebuilds them from the dataset when resuming). */
  const pending = new Map<string, ReturnType<typeof trainingInputs>>();
  const lastSaved = new Map<string, number>();

  const persist = (run: Run, force = false) => {
    const now = Date.now();
    if (!force && now - (lastSaved.get(run.id) ?? 0) < 3000) return;
    lastSaved.set(run.id, now);
    const { lastCheckpoint: _bytes, ...stored } = run;
    saveRun(stored).catch((error: Error) => set({ notice: error.message }));
  };

  const patchRun = (id: string, patch: (run: Run) => Partial<Run>, force = false) => {
    set((state) => ({ runs: state.runs.map((r) => (r.id === id ? { ...r, ...patch(r) } : r)) }));
    const run = get().runs.find((r) => r.id === id);
    if (run) persist(run, force);
  };

  const finish = (id: string) => {
    pending.delete(id);
    if (get().activeRunId === id) set({ activeRunId: undefined });
    pump();
  };

  const onEvent = (id: string, event: RunEvent) => {
    switch (event.type) {
      case 'phaseStart':
        patchRun(
          id,
          (r) => ({
            status: r.status === 'starting' ? 'running' : r.status,
            // A resumed stage is already in the list: replace it rather than add it twice.
            phases: [...r.phases.filter((p) => p.phase !== event.phase), { phase: event.phase, label: event.label, sourcePhases: event.sourcePhases, startTokens: event.tokensSeen, steps: event.steps }],
            totalSteps: r.phases.filter((p) => p.phase !== event.phase).reduce((n, p) => n + p.steps, 0) + event.steps,
          }),
          true,
        );
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
        patchRun(id, (r) => ({ phases: r.phases.map((p) => (p.phase === event.phase ? { ...p, endTokens: event.tokensSeen } : p)) }), true);
        break;
      case 'checkpoint': {
        patchRun(id, () => ({ lastCheckpoint: { bytes: event.bytes, step: event.step, reason: event.reason } }));
        const base = { runId: id, step: event.step, reason: event.reason, savedAt: Date.now(), bytes: event.bytes };
        const saves = [saveCheckpointBytes({ ...base, slot: 'latest' })];
        if (event.reason === 'phase-end') saves.push(saveCheckpointBytes({ ...base, slot: `phase-${event.phase + 1}` }));
        Promise.all(saves).then(
          () => patchRun(id, (r) => ({ checkpointStep: Math.max(r.checkpointStep ?? 0, event.step) }), true),
          (error: Error) => set({ notice: `${error.message} The run goes on, but a reload now would lose it back to its last saved checkpoint.` }),
        );
        break;
      }
      case 'error':
        patchRun(id, () => ({ status: 'error', error: event.message }), true);
        break;
      case 'done':
        patchRun(id, (r) => ({ status: r.status === 'error' ? 'error' : event.stopped ? 'stopped' : 'evaluating', elapsedMs: event.elapsedMs }), true);
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
        patchRun(id, () => ({ model: { config: message.config, parameters: message.parameters, notes: message.notes } }));
        break;
      case 'event':
        onEvent(id, message.event);
        break;
      case 'samples':
        patchRun(id, (r) => ({ samples: [...(r.samples ?? []).filter((x) => x.phase !== message.snapshot.phase), message.snapshot] }), true);
        break;
      case 'exactMatch':
        patchRun(id, () => ({ exactMatch: message.outcome }), true);
        break;
      case 'finished':
        patchRun(
          id,
          (r) => ({
            summary: message.summary,
            leftoverTensors: message.memory.numTensors,
            status: r.status === 'error' || message.summary.status === 'error' ? 'error' : message.summary.status === 'stopped' ? 'stopped' : 'done',
            error: r.error ?? message.summary.error,
          }),
          true,
        );
        finish(id);
        break;
      case 'failed':
        patchRun(id, () => ({ status: 'error', error: message.message }), true);
        finish(id);
        break;
    }
  };

  const launch = async (run: Run, inputs: ReturnType<typeof trainingInputs>, checkpoint?: Uint8Array) => {
    const { settings } = run;
    set({ activeRunId: run.id });
    patchRun(run.id, () => ({ status: 'starting', error: undefined }), true);
    let model: ModelSource;
    try {
      model = checkpoint ? { kind: 'checkpoint', bytes: checkpoint.slice().buffer, resume: true } : await modelSourceFor(settings);
    } catch (error) {
      patchRun(run.id, () => ({ status: 'error', error: (error as Error).message }), true);
      finish(run.id);
      return;
    }
    const shape = GPT_PRESETS[settings.preset];
    const config: RunConfig = {
      arm: settings.arm,
      hyper: settings.hyper,
      seed: settings.seed,
      logEvery: settings.logEvery,
      evalEvery: settings.evalEvery,
      template: 'paper',
      // A pretrained model brings its own context: the worker fits the rows to the data, within the model's context.
      contextLength: settings.model ? 0 : shape.contextLength,
    };
    const tokenizerTexts = [...inputs.phases.flat(), ...inputs.heldOut.map((h) => h.record)].map((r) => `${r.instruction}\n${r.input}\n${r.output}`);
    tokenizerTexts.push('User: Assistant:\n');
    trainClient.start(
      {
        type: 'start',
        runId: run.id,
        backend: settings.backend,
        model,
        tokenizerTexts,
        config,
        phases: inputs.phases,
        heldOut: inputs.heldOut,
        maxSteps: settings.maxSteps > 0 ? settings.maxSteps : undefined,
      },
      onMessage,
    );
  };

  const pump = () => {
    if (get().activeRunId) return;
    const next = get().runs.find((r) => r.status === 'queued' && pending.has(r.id));
    if (next) void launch(next, pending.get(next.id)!);
  };

  return {
    settings: { ...DEFAULT_TRAIN_SETTINGS, backend: backendFromUrl() ?? DEFAULT_TRAIN_SETTINGS.backend },
    runs: [],
    modelChosen: false,
    update(change) {
      set((s) => ({ settings: { ...s.settings, ...change } }));
    },
    chooseModel(change) {
      set((s) => ({ settings: { ...s.settings, ...change }, modelChosen: true }));
    },
    adoptBaseModel() {
      const { modelChosen, settings } = get();
      if (modelChosen || settings.model) return;
      // The from-scratch learning rate is too high for fine-tuning; keep any rate the person typed.
      const lr = settings.hyper.lr === DEFAULT_TRAIN_SETTINGS.hyper.lr ? DEMO_HYPER.lr : settings.hyper.lr;
      set({ settings: { ...settings, model: BASE_MODEL, hyper: { ...settings.hyper, lr } } });
    },
    replaceSettings(settings) {
      set({ settings: { ...settings, backend: backendFromUrl() ?? settings.backend }, modelChosen: true });
    },
    updateHyper(change) {
      set((s) => ({ settings: { ...s.settings, hyper: { ...s.settings.hyper, ...change } } }));
    },
    queue(arms, seeds, plan, dataset) {
      const inputs = trainingInputs(plan, dataset.records, get().settings.trainShare);
      const dataKey = dataKeyOf(plan, dataset);
      const created: Run[] = [];
      for (const arm of arms) {
        for (const seed of seeds) {
          const settings = { ...get().settings, arm, seed };
          const id = newRunId();
          const label = seeds.length > 1 ? `${armLabel(arm)} · seed ${seed}` : armLabel(arm);
          created.push({ id, label, settings, dataKey, status: 'queued', startedAt: Date.now(), points: [], evals: [], phases: [], totalSteps: 0 });
          pending.set(id, inputs);
        }
      }
      set((s) => ({ runs: [...s.runs, ...created] }));
      for (const run of created) persist(run, true);
      pump();
    },
    pause() {
      const id = get().activeRunId;
      if (!id) return;
      trainClient.send({ type: 'pause' });
      patchRun(id, () => ({ status: 'paused' }), true);
    },
    resume() {
      const id = get().activeRunId;
      if (!id) return;
      trainClient.send({ type: 'resume' });
      patchRun(id, () => ({ status: 'running' }), true);
    },
    stop() {
      // Stop the one training and everything queued behind it.
      for (const run of get().runs) if (run.status === 'queued') patchRun(run.id, () => ({ status: 'stopped' }), true);
      trainClient.send({ type: 'stop' });
    },
    async resumeRun(runId, plan, dataset) {
      const run = get().runs.find((r) => r.id === runId);
      if (!run || get().activeRunId) return;
      if (!sameData(run.dataKey, dataKeyOf(plan, dataset))) {
        set({ notice: `Run ${run.label} trained on ${run.dataKey.fileName} with other phases or another held-out set; load that dataset with the same phase settings to resume it.` });
        return;
      }
      let bytes = run.lastCheckpoint?.bytes;
      try {
        bytes ??= (await loadCheckpointBytes(runId))?.bytes;
      } catch (error) {
        set({ notice: (error as Error).message });
        return;
      }
      const inputs = trainingInputs(plan, dataset.records, run.settings.trainShare ?? 1);
      if (!bytes) {
        // Nothing saved yet (interrupted before its first phase ended): start it again from the beginning.
        patchRun(runId, () => ({ points: [], evals: [], phases: [], totalSteps: 0 }), true);
        void launch(get().runs.find((r) => r.id === runId)!, inputs);
        return;
      }
      const from = run.checkpointStep ?? Infinity;
      patchRun(runId, (r) => ({ points: r.points.filter((p) => p.step <= from), evals: r.evals.filter((e) => e.step <= from) }), true);
      void launch(get().runs.find((r) => r.id === runId)!, inputs, bytes);
    },
    async deleteRun(runId) {
      if (get().activeRunId === runId) return;
      pending.delete(runId);
      set((s) => ({ runs: s.runs.filter((r) => r.id !== runId) }));
      await deleteStoredRun(runId).catch((error: Error) => set({ notice: error.message }));
    },
    async restoreRuns() {
      try {
        const stored = await loadRuns();
        const live = new Set(get().runs.map((r) => r.id));
        // A run that was training when the page went away did not finish: say so, and offer to resume it.
        const restored: Run[] = stored
          .filter((r) => !live.has(r.id))
          .map((r) => (['queued', 'starting', 'running', 'paused', 'evaluating'].includes(r.status) ? { ...r, status: 'interrupted' as const } : r));
        set((s) => ({ runs: [...restored, ...s.runs].sort((a, b) => a.startedAt - b.startedAt) }));
        for (const r of restored) if (r.status === 'interrupted') persist(r, true);
      } catch (error) {
        set({ notice: (error as Error).message });
      }
    },
    dismissNotice() {
      set({ notice: undefined });
    },
  };
});
