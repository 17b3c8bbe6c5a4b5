/**
 * The training screen's state: the settings of the next run, the queue of runs (one trains at a time, in a worker of
 * its own), and each run as its worker reports it. What a message does to a run is `applyTrainResponse` (pure);
 * this store saves runs (throttled) and checkpoints, and starts the next queued run when one ends.
 */
import { create } from 'zustand';
import { recordText } from '../core/data/lengths';
import { GPT_PRESETS } from '../core/model/config';
import type { PhasePlan } from '../core/phases/plan';
import { dataKeyOf, sameData, UNFINISHED_STATUSES, type Run } from '../core/runs/run';
import { startTiming } from '../core/runs/runTiming';
import { defaultLearningRate } from '../core/runs/defaultLearningRate';
import { DEFAULT_TRAIN_SETTINGS, type BackendPreference, type TrainSettings } from '../core/runs/settings';
import { trainingInputs, type TrainingInputs } from '../core/runs/trainingInputs';
import type { StoredDataset } from '../core/data/storedDataset';
import { armLabel, type ArmSpec } from '../core/train/arms';
import type { Hyper } from '../core/train/hyper';
import type { RunConfig } from '../core/train/runConfig';
import type { RunTemplate } from '../core/text/runTemplate';
import type { RunEvent } from '../core/train/events';
import { loadTrainForm, saveTrainForm } from '../storage/trainForm';
import {
  deleteRun as deleteStoredRun,
  loadCheckpointBytes,
  loadRuns,
  saveCheckpointBytes,
  saveRun,
  storageUse,
} from '../storage/runStorage';
import { trainClient } from '../worker/trainClient';
import type { ModelSource, TrainResponse } from '../worker/trainProtocol';
import { BASE_MODEL } from './baseModelStore';
import { modelSourceFor, runTemplateFor } from './modelSource';
import { applyTrainResponse, savesAtOnce } from './trainMessages';
import { restoredNote } from './restoredNote';

interface TrainState {
  settings: TrainSettings;
  runs: Run[];
  activeRunId?: string;
  /** A problem with local storage or with resuming; training itself goes on. */
  notice?: string;
  /** Whether the person (or a configuration they loaded) has picked the model; until then the base model is adopted. */
  modelChosen: boolean;
  /**
   * Whether the person typed the learning rate (or loaded a configuration that has one); until then it follows the
   * model (`defaultLearningRate`).
   */
  lrChosen: boolean;
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
  /** One line saying what a reload brought back (the form, interrupted and queued runs); shown until dismissed. */
  restoredNote?: string;
  dismissRestoredNote(): void;
  /** A run's newest checkpoint: the bytes in memory, or the ones saved in this browser; undefined when there is none. */
  checkpointBytes(run: Run): Promise<Uint8Array | undefined>;
  /** What this site uses of the browser's storage, in bytes; undefined where the browser cannot tell. */
  storageUse(): Promise<{ usage: number; quota: number } | undefined>;
  /**
   * A new run from a run's newest checkpoint: its weights, with the current settings (arm, seed, learning rate…) and
   * the current plan. How a diverged run goes on: its own resume repeats its settings and diverges again.
   */
  continueWithNewSettings(runId: string, plan: PhasePlan, dataset: StoredDataset): Promise<void>;
}

/** `?backend=webgpu` (or webgl, wasm, cpu) forces a backend: handy for checking one, and for the browser tests. */
function backendFromUrl(): BackendPreference | undefined {
  if (typeof location === 'undefined') return undefined;
  const value = new URLSearchParams(location.search).get('backend');
  return value === 'webgpu' || value === 'webgl' || value === 'wasm' || value === 'cpu' || value === 'auto'
    ? value
    : undefined;
}

/** The form as the person left it before a reload (localStorage), else the defaults; the URL's backend still wins. */
const savedForm = loadTrainForm(DEFAULT_TRAIN_SETTINGS);

/**
 * Whether the saved form's learning rate was typed. A form saved before this was kept says nothing: its rate counts
 * as typed when it is not the default of its model.
 */
const savedLrChosen =
  savedForm !== undefined &&
  (savedForm.lrChosen ?? savedForm.settings.hyper.lr !== defaultLearningRate(savedForm.settings.model));

function initialForm(): Pick<TrainState, 'settings' | 'modelChosen' | 'lrChosen'> {
  const settings = savedForm?.settings ?? DEFAULT_TRAIN_SETTINGS;
  return {
    settings: { ...settings, backend: backendFromUrl() ?? settings.backend },
    modelChosen: savedForm?.modelChosen ?? false,
    lrChosen: savedLrChosen,
  };
}

/** Whether the restored form is worth mentioning: the person changed something, not just reloaded a default page. */
function formWasChanged(): boolean {
  if (!savedForm) return false;
  if (savedForm.modelChosen || savedLrChosen) return true;
  const { model: _model, backend: _backend, ...rest } = savedForm.settings;
  const { model: _m, backend: _b, ...defaults } = DEFAULT_TRAIN_SETTINGS;
  // A learning rate nobody typed follows the model (the base model's adoption changes it), so it is no change.
  return JSON.stringify({ ...rest, hyper: { ...rest.hyper, lr: defaults.hyper.lr } }) !== JSON.stringify(defaults);
}

let runCounter = 0;
function newRunId(): string {
  runCounter += 1;
  return `run-${Date.now().toString(36)}-${runCounter}`;
}

export const useTrainStore = create<TrainState>()((set, get) => {
  /** Training inputs of queued runs (not persisted: a reload rebuilds them from the dataset when resuming). */
  const pending = new Map<string, TrainingInputs>();
  const lastSaved = new Map<string, number>();
  /** Runs that were queued when the page went away: they wait, without inputs, until a resume on their data. */
  const waitingAfterReload = new Set<string>();

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

  /** Saves a checkpoint's bytes in this browser (the latest, and one per phase end) as it arrives. */
  const keepCheckpoint = (id: string, event: Extract<RunEvent, { type: 'checkpoint' }>) => {
    const base = { runId: id, step: event.step, reason: event.reason, savedAt: Date.now(), bytes: event.bytes };
    const saves = [saveCheckpointBytes({ ...base, slot: 'latest' })];
    if (event.reason === 'phase-end') saves.push(saveCheckpointBytes({ ...base, slot: `phase-${event.phase + 1}` }));
    Promise.all(saves).then(
      () => patchRun(id, (r) => ({ checkpointStep: Math.max(r.checkpointStep ?? 0, event.step) }), true),
      (error: Error) =>
        set({
          notice: `${error.message} The run goes on, but a reload now would lose it back to its last saved checkpoint.`,
        }),
    );
  };

  const onMessage = (message: TrainResponse) => {
    const id = message.runId;
    patchRun(id, (r) => applyTrainResponse(r, message), savesAtOnce(message));
    if (message.type === 'event' && message.event.type === 'checkpoint') keepCheckpoint(id, message.event);
    if (message.type === 'finished' || message.type === 'failed') finish(id);
  };

  /** `checkpoint` with `resume` false: a new run that starts from the checkpoint's weights. */
  const launch = async (run: Run, inputs: TrainingInputs, checkpoint?: Uint8Array, resume = true) => {
    const { settings } = run;
    set({ activeRunId: run.id });
    patchRun(
      run.id,
      (r) => ({ status: 'starting', error: undefined, timing: startTiming(r.timing, Date.now()) }),
      true,
    );
    let model: ModelSource;
    let template: RunTemplate;
    try {
      model = checkpoint
        ? { kind: 'checkpoint', bytes: checkpoint.slice().buffer, resume }
        : await modelSourceFor(settings);
      template = await runTemplateFor(settings);
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
      // A chat template is only named here; the worker reads it from the model's files (a resume, from its checkpoint).
      template,
      // A pretrained model (or a checkpoint) brings its own context: the worker fits the rows to the data, within it.
      contextLength: settings.model || checkpoint ? 0 : shape.contextLength,
      ...(settings.lora ? { lora: settings.lora } : {}),
    };
    const tokenizerTexts = [...inputs.phases.flat(), ...inputs.heldOut.map((h) => h.record)].map(recordText);
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

  /** Gives the queued runs that survived a reload their inputs, where they trained on this data, so the queue goes on. */
  const requeueAfterReload = (plan: PhasePlan, dataset: StoredDataset) => {
    const key = dataKeyOf(plan, dataset);
    for (const id of waitingAfterReload) {
      const run = get().runs.find((r) => r.id === id);
      if (!run || !sameData(run.dataKey, key)) continue;
      pending.set(id, trainingInputs(plan, dataset.records, run.settings.trainShare ?? 1));
      waitingAfterReload.delete(id);
    }
  };

  /** With no interrupted run left to resume, waiting runs would wait forever: offer each its own Resume instead. */
  const releaseWaitingIfAlone = () => {
    if (get().runs.some((r) => r.status === 'interrupted')) return;
    for (const id of waitingAfterReload) patchRun(id, () => ({ status: 'interrupted' }), true);
    waitingAfterReload.clear();
  };

  /** Puts the runs read back after a reload beside the live ones: what was going is interrupted, the queue waits. */
  const adoptRestoredRuns = (stored: Run[]) => {
    const live = new Set(get().runs.map((r) => r.id));
    const fresh = stored.filter((r) => !live.has(r.id));
    const wasGoing = fresh.some((r) => UNFINISHED_STATUSES.includes(r.status) && r.status !== 'queued');
    const restored = fresh.map((r) => {
      if (r.status === 'queued' && wasGoing) {
        waitingAfterReload.add(r.id);
        return r;
      }
      return UNFINISHED_STATUSES.includes(r.status) ? { ...r, status: 'interrupted' as const } : r;
    });
    set((s) => ({ runs: [...restored, ...s.runs].sort((a, b) => a.startedAt - b.startedAt) }));
    for (const r of restored) if (r.status === 'interrupted') persist(r, true);
    const interrupted = restored.filter(
      (r) => r.status === 'interrupted' && stored.find((o) => o.id === r.id)?.status !== 'interrupted',
    );
    set({
      restoredNote: restoredNote({
        form: formWasChanged(),
        interrupted: interrupted.map((r) => r.label),
        queued: waitingAfterReload.size,
      }),
    });
  };

  const pump = () => {
    if (get().activeRunId) return;
    const next = get().runs.find((r) => r.status === 'queued' && pending.has(r.id));
    if (next) void launch(next, pending.get(next.id)!);
  };

  return {
    ...initialForm(),
    runs: [],
    update(change) {
      set((s) => ({ settings: { ...s.settings, ...change } }));
    },
    chooseModel(change) {
      set((s) => ({ settings: { ...s.settings, ...change }, modelChosen: true }));
    },
    adoptBaseModel() {
      const { modelChosen, lrChosen, settings } = get();
      if (modelChosen || settings.model) return;
      // The from-scratch learning rate is too high for fine-tuning; keep any rate the person typed.
      const lr = lrChosen ? settings.hyper.lr : defaultLearningRate(BASE_MODEL);
      set({ settings: { ...settings, model: BASE_MODEL, hyper: { ...settings.hyper, lr } } });
    },
    replaceSettings(settings) {
      set({
        settings: { ...settings, backend: backendFromUrl() ?? settings.backend },
        modelChosen: true,
        lrChosen: true,
      });
    },
    updateHyper(change) {
      set((s) => ({
        settings: { ...s.settings, hyper: { ...s.settings.hyper, ...change } },
        lrChosen: s.lrChosen || change.lr !== undefined,
      }));
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
          created.push({
            id,
            label,
            settings,
            dataKey,
            status: 'queued',
            startedAt: Date.now(),
            points: [],
            evals: [],
            phases: [],
            totalSteps: 0,
          });
          pending.set(id, inputs);
        }
      }
      set((s) => ({ runs: [...s.runs, ...created] }));
      for (const run of created) persist(run, true);
      requeueAfterReload(plan, dataset);
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
        set({
          notice: `Run ${run.label} trained on ${run.dataKey.fileName} with other phases or another held-out set; load that dataset with the same phase settings to resume it.`,
        });
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
      requeueAfterReload(plan, dataset);
      if (!bytes) {
        // Nothing saved yet (interrupted before its first phase ended): start it again from the beginning.
        patchRun(runId, () => ({ points: [], evals: [], phases: [], totalSteps: 0, timing: undefined }), true);
        void launch(
          get().runs.find((r) => r.id === runId)!,
          inputs,
        );
        return;
      }
      const from = run.checkpointStep ?? Infinity;
      patchRun(
        runId,
        (r) => ({ points: r.points.filter((p) => p.step <= from), evals: r.evals.filter((e) => e.step <= from) }),
        true,
      );
      void launch(
        get().runs.find((r) => r.id === runId)!,
        inputs,
        bytes,
      );
    },
    async deleteRun(runId) {
      if (get().activeRunId === runId) return;
      pending.delete(runId);
      waitingAfterReload.delete(runId);
      set((s) => ({ runs: s.runs.filter((r) => r.id !== runId) }));
      releaseWaitingIfAlone();
      await deleteStoredRun(runId).catch((error: Error) => set({ notice: error.message }));
    },
    async restoreRuns() {
      try {
        const { runs: stored, setAside } = await loadRuns();
        if (setAside.length) set({ notice: setAside.join(' ') });
        adoptRestoredRuns(stored);
      } catch (error) {
        set({ notice: (error as Error).message });
      }
    },
    dismissNotice() {
      set({ notice: undefined });
    },
    dismissRestoredNote() {
      set({ restoredNote: undefined });
    },
    async checkpointBytes(run) {
      return run.lastCheckpoint?.bytes ?? (await loadCheckpointBytes(run.id))?.bytes;
    },
    storageUse,

    // ── continue from a checkpoint with new settings ──
    async continueWithNewSettings(runId, plan, dataset) {
      const from = get().runs.find((r) => r.id === runId);
      if (!from || get().activeRunId) return;
      let checkpoint = from.lastCheckpoint;
      try {
        checkpoint ??= await loadCheckpointBytes(runId);
      } catch (error) {
        set({ notice: (error as Error).message });
        return;
      }
      if (!checkpoint) {
        set({ notice: `Run ${from.label} has no saved checkpoint to continue from; start a new run instead.` });
        return;
      }
      const settings = get().settings;
      const run: Run = {
        id: newRunId(),
        label: `${armLabel(settings.arm)} · from ${from.label} step ${checkpoint.step}`,
        settings,
        dataKey: dataKeyOf(plan, dataset),
        status: 'queued',
        startedAt: Date.now(),
        points: [],
        evals: [],
        phases: [],
        totalSteps: 0,
      };
      set((s) => ({ runs: [...s.runs, run] }));
      persist(run, true);
      void launch(run, trainingInputs(plan, dataset.records, settings.trainShare), checkpoint.bytes, false);
    },
  };
});

// The form survives a reload: every change to the settings is written through (localStorage, a few hundred bytes).
useTrainStore.subscribe((state, previous) => {
  if (
    state.settings !== previous.settings ||
    state.modelChosen !== previous.modelChosen ||
    state.lrChosen !== previous.lrChosen
  ) {
    saveTrainForm({ settings: state.settings, modelChosen: state.modelChosen, lrChosen: state.lrChosen });
  }
});
