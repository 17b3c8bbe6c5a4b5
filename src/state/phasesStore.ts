import { create } from 'zustand';
import { PhasePlanError, planByCutoffs, quantileCutoffs, type PhasePlan } from '../core/phases/plan';
import { savePhaseSettings, type PhaseSettings, type StoredDataset } from '../storage/storedDataset';
import type { ScoreSet } from '../core/data/scoreSet';
import { defaultCutoffs } from '../core/phases/defaultCutoffs';

/** The paper's cut-offs: three phases [1, 1.5), [1.5, 3.5), [3.5, 5]. */
export const PAPER_CUTOFFS = [1.5, 3.5];
export const MIN_PHASES = 2;
export const MAX_PHASES = 6;

export const defaultPhaseSettings = (scorerId: string): PhaseSettings => ({
  scorerId,
  mode: 'cutoffs',
  cutoffs: PAPER_CUTOFFS,
  phaseCount: 3,
  heldOutFraction: 0.05,
  seed: 1234,
});

/** Evenly spaced cut-offs over the 1–5 scale, for a phase count other than the paper's three. */
export function evenCutoffs(phaseCount: number): number[] {
  if (phaseCount === 3) return PAPER_CUTOFFS;
  return Array.from({ length: phaseCount - 1 }, (_, i) => Math.round((1 + (4 * (i + 1)) / phaseCount) * 100) / 100);
}

interface PhasesState {
  dataset?: StoredDataset;
  settings?: PhaseSettings;
  plan?: PhasePlan;
  /** Phase (0-based, for display) or 'held-out' of each record id under the current plan. */
  phaseById: Map<string, number | 'held-out'>;
  /** Why the current settings give no plan (e.g. cut-offs out of order); the last good plan stays on screen. */
  settingsProblem?: string;
  storageProblem?: string;
  /** Why a new dataset started with other than the paper's cut-offs; gone once the settings are changed. */
  defaultNote?: string;

  datasetChanged(dataset: StoredDataset | undefined, settings?: PhaseSettings): void;
  update(change: Partial<PhaseSettings>): void;
  scoreSet(): ScoreSet | undefined;
}

/** The scorer a dataset starts with: its own difficulty field when every record has one, else the heuristic. */
export function defaultScorerId(scoreSets: readonly ScoreSet[]): string {
  const field = scoreSets.find((s) => s.scorerId === 'field');
  if (field && field.scores.some((v) => !Number.isNaN(v)) && field.problems.length < field.scores.length / 2)
    return 'field';
  return scoreSets.find((s) => s.scorerId === 'heuristic')?.scorerId ?? scoreSets[0]?.scorerId ?? 'heuristic';
}

function indexPlan(plan: PhasePlan): Map<string, number | 'held-out'> {
  const byId = new Map<string, number | 'held-out'>();
  for (const phase of plan.phases) for (const id of phase.recordIds) byId.set(id, phase.index - 1);
  for (const id of plan.heldOut.recordIds) byId.set(id, 'held-out');
  return byId;
}

let persistTimer: ReturnType<typeof setTimeout> | undefined;

export const usePhasesStore = create<PhasesState>()((set, get) => {
  /** Applies settings when they give a plan; otherwise keeps the last good settings and plan and says why. */
  const recompute = (dataset: StoredDataset | undefined, settings: PhaseSettings | undefined): boolean => {
    if (!dataset || !settings) {
      set({ dataset, settings, plan: undefined, phaseById: new Map(), settingsProblem: undefined });
      return true;
    }
    const scores = dataset.scoreSets.find((s) => s.scorerId === settings.scorerId)?.scores;
    if (!scores) {
      if (get().dataset !== dataset) set({ dataset, settings, plan: undefined, phaseById: new Map() });
      set({ settingsProblem: `No scores from "${settings.scorerId}" for this dataset.` });
      return false;
    }
    try {
      const cutoffs = settings.mode === 'quantiles' ? quantileCutoffs(scores, settings.phaseCount) : settings.cutoffs;
      const plan = planByCutoffs(dataset.records, scores, cutoffs, {
        scorerId: settings.scorerId,
        heldOut: { fraction: settings.heldOutFraction, seed: settings.seed },
      });
      set({ dataset, settings, plan, phaseById: indexPlan(plan), settingsProblem: undefined });
      return true;
    } catch (error) {
      const hint = error instanceof PhasePlanError ? ` ${error.hint}` : '';
      // A new dataset whose settings fail still shows its settings, so the user can fix them.
      if (get().dataset !== dataset) set({ dataset, settings, plan: undefined, phaseById: new Map() });
      set({ settingsProblem: `${(error as Error).message}${hint}` });
      return false;
    }
  };

  const persist = (settings: PhaseSettings) => {
    clearTimeout(persistTimer);
    persistTimer = setTimeout(() => {
      savePhaseSettings(settings).then(
        () => get().storageProblem && set({ storageProblem: undefined }),
        (error: Error) => set({ storageProblem: error.message }),
      );
    }, 300);
  };

  return {
    phaseById: new Map(),
    datasetChanged(dataset, settings) {
      set({ defaultNote: undefined });
      let fresh = dataset && defaultPhaseSettings(defaultScorerId(dataset.scoreSets));
      // Saved settings that no longer fit (a scorer that is gone, say) give way to the defaults.
      if (settings && recompute(dataset, settings)) return;
      const scores = fresh && dataset?.scoreSets.find((s) => s.scorerId === fresh!.scorerId)?.scores;
      if (fresh && dataset && scores) {
        const start = defaultCutoffs(dataset.records, scores, fresh.scorerId);
        if (start.mode === 'quantiles') {
          fresh = { ...fresh, mode: 'quantiles', phaseCount: start.phaseCount, cutoffs: start.cutoffs };
          set({ defaultNote: start.reason });
        }
      }
      recompute(dataset, fresh);
      if (fresh) persist(fresh);
    },
    update(change) {
      const { dataset, settings } = get();
      if (!settings) return;
      set({ defaultNote: undefined });
      const next = { ...settings, ...change };
      if (change.phaseCount !== undefined && change.cutoffs === undefined && next.mode === 'cutoffs') {
        next.cutoffs = evenCutoffs(next.phaseCount);
      }
      if (change.mode === 'cutoffs' && change.cutoffs === undefined) {
        // Leaving quantiles: start from the cut-offs the user was just looking at.
        next.cutoffs = get().plan?.cutoffs ?? evenCutoffs(next.phaseCount);
      }
      if (change.cutoffs) next.phaseCount = change.cutoffs.length + 1;
      if (recompute(dataset, next)) persist(next);
    },
    scoreSet() {
      const { dataset, settings } = get();
      return dataset?.scoreSets.find((s) => s.scorerId === settings?.scorerId);
    },
  };
});
