/**
 * "Size for this machine": time a training step, a forward pass and a generated token on the backend a run would
 * get, at its shape (a diagnostics worker of its own), then the share of each phase that makes "Phased vs one-off"
 * fit the budget. One measurement at a time; the panel shows this store.
 */
import { create } from 'zustand';
import type { InstructionRecord } from '../core/data/record';
import type { PhasePlan } from '../core/phases/plan';
import { shareForBudget, type MeasuredSpeed, type RunsEstimate } from '../core/runs/runDuration';
import type { TrainSettings } from '../core/runs/settings';
import { fittingContextLength } from '../core/text/template';
import { DiagnosticsTimeout, measureRunSpeed, SPEED_PROBE_TIMEOUT_MS } from '../worker/diagnosticsClient';

export { SPEED_PROBE_TIMEOUT_MS };
import { modelVocabulary } from './modelVocabulary';

/** What "Phased vs one-off" should take at most on this machine. */
export const PAIR_BUDGET_MIN = 10;

/** What a measurement depends on: the backend asked for, the model and the batch. Another key, another measurement. */
export function machineFitKey(settings: Pick<TrainSettings, 'backend' | 'model' | 'preset' | 'hyper'>): string {
  return JSON.stringify([settings.backend, settings.model ?? settings.preset, settings.hyper.batchSize]);
}

export interface MachineFitResult {
  /** machineFitKey of the settings it was measured for. */
  key: string;
  backend: string;
  threads?: string;
  speed: MeasuredSpeed;
  batch: number;
  rowTokens: number;
  estimate: RunsEstimate & { fits: boolean };
  /** The model's shape details the estimate used, to estimate again at another share. */
  answerTokens: number;
}

export type MachineFitState =
  | { status: 'idle' }
  | { status: 'measuring'; progress: string }
  | ({ status: 'done' } & MachineFitResult)
  | { status: 'error'; message: string };

interface MachineFitStore {
  fit: MachineFitState;
  /** Measures and returns the result; the caller sets the share. */
  measure(
    plan: PhasePlan,
    records: readonly InstructionRecord[],
    settings: TrainSettings,
  ): Promise<MachineFitResult | undefined>;
}

export const useMachineFitStore = create<MachineFitStore>()((set, get) => ({
  fit: { status: 'idle' },
  async measure(plan, records, settings) {
    if (get().fit.status === 'measuring') return undefined;
    set({ fit: { status: 'measuring', progress: 'starting a worker…' } });
    try {
      const vocabulary = await modelVocabulary(settings, records);
      if (!vocabulary) throw new Error('an imported model is timed when its run starts');
      // The models sized here (random weights, the studio's base model) have character tokenizers, which write
      // only the studio's own template (templateChoice.ts); an imported model is sized when its run starts.
      const rowTokens = fittingContextLength('paper', vocabulary.tokenizer, records, vocabulary.contextLength);
      const { choice, speed } = await measureRunSpeed(
        {
          backend: settings.backend,
          config: vocabulary.config,
          batchSize: settings.hyper.batchSize,
          seqLen: rowTokens,
        },
        (progress) => set({ fit: { status: 'measuring', progress } }),
      );
      const byId = new Map(records.map((r) => [r.id, r]));
      let answerTokens = 1;
      for (const id of plan.phases.flatMap((p) => p.heldOutIds))
        answerTokens = Math.max(answerTokens, vocabulary.tokenizer.encode(byId.get(id)?.output ?? '').length);
      const estimate = shareForBudget(
        {
          plan,
          records,
          // runs[0] is the phased arm, runs[1] the one-off baseline
          stagesPerRun: [plan.phases.length, 1],
          epochsPerPhase: settings.hyper.epochsPerPhase,
          batchSize: settings.hyper.batchSize,
          gradAccumulation: settings.hyper.gradAccumulation,
          evalEvery: settings.evalEvery,
          answerTokens,
        },
        speed,
        PAIR_BUDGET_MIN * 60_000,
      );
      const result: MachineFitResult = {
        key: machineFitKey(settings),
        backend: choice.name,
        threads: choice.wasmThreads?.note,
        speed,
        batch: settings.hyper.batchSize,
        rowTokens,
        estimate,
        answerTokens,
      };
      set({ fit: { status: 'done', ...result } });
      return result;
    } catch (error) {
      const message =
        error instanceof DiagnosticsTimeout
          ? `${error.message}. A step this slow would make the pair take hours on this backend; a software WebGPU ` +
            'adapter is far slower than wasm here — pick wasm (or auto) under Backend and size again.'
          : error instanceof Error
            ? error.message
            : String(error);
      set({ fit: { status: 'error', message } });
      return undefined;
    }
  },
}));
