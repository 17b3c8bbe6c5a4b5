/**
 * Scorers that run on demand — the LLM judge (in the page: it is network I/O) and IFD / response loss (in the scoring
 * worker, on the GPU) — and the score set each adds to the dataset when it finishes.
 *
 * The judge's settings, API key included, are passed to `startJudge` and live only in that call; the store holds
 * progress, problems and outcome, nothing that identifies the key. Every reply is cached in IndexedDB as it comes,
 * so cancel, a failure or a reload loses nothing: the next run skips what is cached.
 */
import { create } from 'zustand';
import {
  JudgeRunError,
  judgeSettingsProblems,
  runJudge,
  type JudgeProblem,
  type JudgeProgress,
  type JudgeSettings,
} from '../core/difficulty/judge';
import type { InstructionRecord } from '../core/data/record';
import type { StoredDataset } from '../core/data/storedDataset';
import { judgeCache } from '../storage/judgeCache';
import {
  endpointHost,
  formatCount,
  judgeCacheKeys,
  judgeScoreSet,
  RUN_MARKER_STORAGE_KEY,
  scoredCount,
} from './judgeForm';
import { isModelFile, MODEL_SCORER_NAMES, modelScoreSet, PRETRAINED_MODEL_NEEDED } from './modelScoring';
import {
  startModelScoring as runInScoringWorker,
  ScoringCancelled,
  type ModelScorerId,
  type ModelScoringSummary,
  type ScoringJob,
} from '../worker/scoringClient';
import { useDatasetStore } from './datasetStore';

export type RunStatus = 'idle' | 'running' | 'done' | 'cancelled' | 'failed';

export interface JudgeRunState {
  status: RunStatus;
  total: number;
  progress?: JudgeProgress;
  /** Unparseable replies and failed requests, live while running. */
  problems: JudgeProblem[];
  /** The outcome in a sentence (or why it stopped). */
  message?: string;
  /** host:port the records went to. */
  endpoint?: string;
  /** Records that got a score in the finished run. */
  scored?: number;
}

export interface ModelRunState {
  status: RunStatus;
  scorer?: ModelScorerId;
  fraction: number;
  /** What the worker is doing, or the outcome. */
  message?: string;
  summary?: ModelScoringSummary;
  problems: { index: number; id: string; message: string }[];
  scored?: number;
}

/** A judge run that was still going when the page went away (reload, closed tab). */
export interface InterruptedJudgeRun {
  fileName: string;
  total: number;
  startedAt: number;
}

export type ModelSource = { kind: 'url'; url: string; name: string } | { kind: 'file'; file: File };

interface ScoringState {
  judge: JudgeRunState;
  model: ModelRunState;
  interrupted?: InterruptedJudgeRun;
  startJudge(settings: JudgeSettings): Promise<void>;
  cancelJudge(): void;
  dismissInterrupted(): void;
  startModelScoring(scorer: ModelScorerId, source: ModelSource | undefined): Promise<void>;
  cancelModelScoring(): void;
  /** Per record (1 = yes), whether its judge reply under these settings is already cached in this browser. */
  cachedJudgeReplies(records: readonly InstructionRecord[], settings: JudgeSettings): Promise<Uint8Array>;
  /** Judge replies cached in this browser, for every model, prompt and dataset. */
  cachedJudgeReplyCount(): Promise<number>;
  forgetJudgeReplies(): Promise<void>;
}

const datasetKey = (d: StoredDataset | undefined): string | undefined =>
  d && `${d.fileName}|${d.loadedAt}|${d.records.length}`;
const CHANGED = 'The dataset changed while scoring ran, so these scores were not added.';

function readMarker(): InterruptedJudgeRun | undefined {
  try {
    const text = globalThis.localStorage?.getItem(RUN_MARKER_STORAGE_KEY);
    if (!text) return undefined;
    const m = JSON.parse(text) as Partial<InterruptedJudgeRun>;
    return typeof m.fileName === 'string' && typeof m.total === 'number' && typeof m.startedAt === 'number'
      ? (m as InterruptedJudgeRun)
      : undefined;
  } catch {
    return undefined;
  }
}

function writeMarker(marker: InterruptedJudgeRun | undefined): void {
  try {
    if (marker) globalThis.localStorage?.setItem(RUN_MARKER_STORAGE_KEY, JSON.stringify(marker));
    else globalThis.localStorage?.removeItem(RUN_MARKER_STORAGE_KEY);
  } catch {
    // storage off: only the "interrupted" notice is lost; the cache still resumes
  }
}

let judgeController: AbortController | undefined;
let modelJob: ScoringJob | undefined;

const IDLE_JUDGE: JudgeRunState = { status: 'idle', total: 0, problems: [] };
const IDLE_MODEL: ModelRunState = { status: 'idle', fraction: 0, problems: [] };

export const useScoringStore = create<ScoringState>()((set, get) => ({
  judge: IDLE_JUDGE,
  model: IDLE_MODEL,
  interrupted: readMarker(),

  async startJudge(settings) {
    if (get().judge.status === 'running') return;
    const dataset = useDatasetStore.getState().dataset;
    if (!dataset) return;
    const records = dataset.records;
    const total = records.length;
    const endpoint = endpointHost(settings.baseUrl);
    const settingsProblems = judgeSettingsProblems(settings);
    if (settingsProblems.length > 0) {
      set({ judge: { status: 'failed', total, problems: [], endpoint, message: settingsProblems.join(' ') } });
      return;
    }
    const key = datasetKey(dataset);
    const ctl = new AbortController();
    judgeController = ctl;
    set({ judge: { status: 'running', total, problems: [], endpoint }, interrupted: undefined });
    writeMarker({ fileName: dataset.fileName, total, startedAt: Date.now() });

    const live: JudgeProblem[] = [];
    let latest: JudgeProgress | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      timer = undefined;
      if (get().judge.status === 'running')
        set({ judge: { ...get().judge, progress: latest, problems: live.slice() } });
    };
    try {
      await judgeCache.warm(judgeCacheKeys(records, settings));
      const result = await runJudge(records, settings, {
        cache: judgeCache,
        signal: ctl.signal,
        onJudgeProgress: (p) => {
          latest = p;
          timer ??= setTimeout(flush, 100);
        },
        onRecord: (_i, _score, problem) => {
          if (problem) live.push(problem);
        },
      });
      clearTimeout(timer);
      const stats = result.stats;
      const scored = scoredCount(result.scores);
      const counts =
        `${formatCount(scored)} of ${formatCount(total)} records scored` +
        ` (${formatCount(stats.fromCache)} from the cache, ${formatCount(stats.requested)} new replies` +
        (stats.unparseable > 0 ? `, ${formatCount(stats.unparseable)} unparseable` : '') +
        (stats.failed > 0 ? `, ${formatCount(stats.failed)} failed requests` : '') +
        ').';
      const base = { total, progress: stats, problems: result.problems, endpoint, scored };
      if (datasetKey(useDatasetStore.getState().dataset) !== key) {
        set({
          judge: {
            ...base,
            status: 'failed',
            message: `${CHANGED} ${counts} The replies are cached: run the judge again on this dataset.`,
          },
        });
      } else if (scored === 0) {
        set({
          judge: {
            ...base,
            status: 'failed',
            message: `No record got a score, so no score set was added. ${counts} Read the replies below, and check the model and prompt.`,
          },
        });
      } else {
        await useDatasetStore.getState().addScoreSet(judgeScoreSet(result));
        set({ judge: { ...base, status: 'done', message: `LLM judge scores added to the dataset: ${counts}` } });
      }
    } catch (error) {
      clearTimeout(timer);
      const progress = error instanceof JudgeRunError ? error.partial : latest;
      const done = progress?.done ?? 0;
      if (ctl.signal.aborted) {
        set({
          judge: {
            status: 'cancelled',
            total,
            progress,
            problems: live.slice(),
            endpoint,
            message: `Cancelled after ${formatCount(done)} of ${formatCount(total)} records. Every reply received is cached: Start resumes where this stopped.`,
          },
        });
      } else {
        const message = error instanceof Error ? error.message : String(error);
        set({ judge: { status: 'failed', total, progress, problems: live.slice(), endpoint, message } });
      }
    } finally {
      writeMarker(undefined);
      if (judgeController === ctl) judgeController = undefined;
    }
  },

  cancelJudge() {
    judgeController?.abort(new DOMException('Cancelled by the user.', 'AbortError'));
  },

  dismissInterrupted() {
    writeMarker(undefined);
    set({ interrupted: undefined });
  },

  async startModelScoring(scorer, source) {
    if (get().model.status === 'running') return;
    const dataset = useDatasetStore.getState().dataset;
    if (!dataset) return;
    const name = MODEL_SCORER_NAMES[scorer];
    if (!source) {
      set({ model: { status: 'failed', scorer, fraction: 0, problems: [], message: PRETRAINED_MODEL_NEEDED } });
      return;
    }
    const key = datasetKey(dataset);
    const setModel = (change: Partial<ModelRunState>) => set({ model: { ...get().model, ...change } });
    set({ model: { status: 'running', scorer, fraction: 0, problems: [], message: 'Fetching the model…' } });
    try {
      let bytes: ArrayBuffer;
      let modelName: string;
      if (source.kind === 'url') {
        modelName = source.name;
        const response = await fetch(source.url).catch((error: Error) => {
          throw new Error(`Could not fetch ${source.name} (${error.message}).`);
        });
        if (!isModelFile(response.ok, response.headers.get('content-type'))) throw new Error(PRETRAINED_MODEL_NEEDED);
        bytes = await response.arrayBuffer();
      } else {
        modelName = source.file.name;
        bytes = await source.file.arrayBuffer();
      }
      if (get().model.status !== 'running') return; // cancelled while fetching
      const job = runInScoringWorker(
        { scorer, modelBytes: bytes, modelName, records: dataset.records, backend: 'auto' },
        { onStatus: (message) => setModel({ message }), onProgress: (fraction) => setModel({ fraction }) },
      );
      modelJob = job;
      const done = await job.result;
      const scored = scoredCount(done.scores);
      const base = { scorer, fraction: 1, summary: done.summary, problems: done.problems, scored };
      if (datasetKey(useDatasetStore.getState().dataset) !== key) {
        set({ model: { ...base, status: 'failed', message: CHANGED } });
      } else if (scored === 0) {
        set({
          model: {
            ...base,
            status: 'failed',
            message: `${name}: the model could not score any record; no score set was added.`,
          },
        });
      } else {
        await useDatasetStore.getState().addScoreSet(modelScoreSet(scorer, done.scores, done.problems));
        set({
          model: {
            ...base,
            status: 'done',
            message: `${name} scores added to the dataset: ${formatCount(scored)} of ${formatCount(dataset.records.length)} records scored in ${done.summary.seconds.toFixed(1)} s on ${done.summary.backend}.`,
          },
        });
      }
    } catch (error) {
      if (error instanceof ScoringCancelled)
        setModel({ status: 'cancelled', message: 'Cancelled; nothing was added.' });
      else setModel({ status: 'failed', message: error instanceof Error ? error.message : String(error) });
    } finally {
      modelJob = undefined;
    }
  },

  cancelModelScoring() {
    if (get().model.status !== 'running') return;
    if (modelJob) modelJob.cancel();
    else set({ model: { ...get().model, status: 'cancelled', message: 'Cancelled; nothing was added.' } });
  },
  cachedJudgeReplies: (records, settings) => judgeCache.which(judgeCacheKeys(records, settings)),
  cachedJudgeReplyCount: () => judgeCache.count(),
  forgetJudgeReplies: () => judgeCache.clear(),
}));

// Another dataset on screen: the last run's outcome belonged to the old one (a run still going checks for itself).
let shownKey = datasetKey(useDatasetStore.getState().dataset);
useDatasetStore.subscribe((state) => {
  const key = datasetKey(state.dataset);
  if (key === shownKey) return;
  shownKey = key;
  const { judge, model } = useScoringStore.getState();
  useScoringStore.setState({
    ...(judge.status !== 'running' ? { judge: IDLE_JUDGE } : {}),
    ...(model.status !== 'running' ? { model: IDLE_MODEL } : {}),
  });
});
