import { create } from 'zustand';
import type { InstructionRecord } from '../core/data/record';
import type { Run } from '../core/runs/run';
import {
  DEFAULT_MAX_CONTEXT,
  defaultModelName,
  deleteModel,
  listModels,
  loadModelFiles,
  loadTokenizerFiles,
  newModelId,
  saveModel,
  totalBytes,
  updateModelMeta,
  type StoredModelMeta,
} from '../storage/modelStorage';
import { downloadHfFolder, downloadHubModel, type DownloadProgress } from './hfDownload';
import { useHubAccess } from './hubAccess';
import { hubRepoPage, hubResolveBase, looksLikeHubId, parseHubId, type HubRepo } from '../core/hf/hubId';
import { folderOf, mergeFileSets, missingParts, normalizeBaseUrl, planHfFileSet } from '../core/hf/fileSet';
import { baseName } from '../core/hf/files';
import { ownChatTemplateLocation } from '../core/hf/chatTemplateFiles';
import { hfModelClient, HfModelError, type ExportedFolder } from '../worker/hfModelClient';
import { safeFolderName } from '../core/export/zip';
import type { HfFileBytes } from '../worker/hfModelProtocol';
import type { HfProblem } from '../core/hf/modelDescription';
import { chosenTemplate, ownChatTemplate, readsChatTemplates, trainerTemplate } from './templateChoice';
import { useTrainStore } from './trainStore';

/**
 * A model imported before the import noted where its chat template is (`description.chatTemplate`) would be offered
 * only the studio's template: its tokenizer files are read once and the note stored. A model whose files cannot be
 * read stays as it was (the panel reports it when it is used).
 */
async function withChatTemplateNoted(meta: StoredModelMeta): Promise<StoredModelMeta> {
  if (meta.description.chatTemplate !== undefined || !('tokenizer_config.json' in meta.fileSizes)) return meta;
  try {
    const files = await loadTokenizerFiles(meta.id);
    const where = files && ownChatTemplateLocation(files);
    if (!where) return meta;
    const noted = { ...meta, description: { ...meta.description, chatTemplate: where } };
    await updateModelMeta(noted);
    return noted;
  } catch {
    return meta;
  }
}

/** `owner/name`, as the Hub names a repository (no URL, no path, one slash). */
const HUB_REPO_ID = /^[\w.-]+\/[\w.-]+$/;

/**
 * What a PEFT adapter's `base_model_name_or_path` says: the Hub id a model was downloaded by, else the id its
 * config.json names (`_name_or_path`), else the name it was kept under, with a note saying what to write there.
 */
export function peftBaseModel(meta: Pick<StoredModelMeta, 'name' | 'origin' | 'description'>): {
  name: string;
  note?: string;
} {
  const downloaded = meta.name.replace(/@[^/@]*$/, ''); // a revision is not part of the id
  if (meta.origin !== 'files' && HUB_REPO_ID.test(downloaded)) return { name: downloaded };
  const named = meta.description.suggestedName;
  if (named && HUB_REPO_ID.test(named)) return { name: named };
  return {
    name: meta.name,
    note:
      `adapter_config.json names the base model "${meta.name}", the name it has in this studio: set its ` +
      'base_model_name_or_path to the Hub id or the local folder of that model, which PeftModel.from_pretrained loads first.',
  };
}

/** What the import panel shows of a kept model; the panel reads it through this store. */
export { totalBytes, type StoredModelMeta };

export interface ImportActivity {
  stage: 'reading' | 'downloading' | 'checking' | 'saving';
  detail: string;
  /** 0–1 when known. */
  fraction?: number;
  /** The file being downloaded, and how many of its bytes are stored (what a reload would resume from). */
  file?: string;
  keptBytes?: number;
}

/** A dropped file with the path it had in its folder (`gpt2/config.json`) or just its name. */
export interface DroppedFile {
  path: string;
  file: Blob;
}

interface PruneCount {
  /** Which dataset (and template) it was counted on. */
  datasetKey: string;
  keptTokens: number;
  originalTokens: number;
}

interface ModelState {
  models: StoredModelMeta[];
  /** Files dropped so far that do not yet make a model (kept so the missing one can be added). */
  pending?: { files: HfFileBytes; folder?: string };
  activity?: ImportActivity;
  /** Why the last import failed; the models already imported are untouched. */
  problem?: HfProblem;
  /** Files of the last drop that were left out, and why. */
  ignored: { path: string; why: string }[];
  /** The model the last import added (or replaced, when the same folder came again). */
  lastImported?: { id: string; replaced: boolean };
  pruneCounts: Record<string, PruneCount>;
  restore(): Promise<void>;
  importFiles(dropped: DroppedFile[]): Promise<void>;
  /** A drop whose files could not even be listed (an entry vanished, or the browser would not hand it out). */
  dropUnreadable(error: unknown): void;
  /** A Hub id (`owner/name[@revision]`, from the Hub set in useHubAccess) or a model folder's base URL. */
  importUrl(text: string): Promise<void>;
  cancel(): void;
  clearPending(): void;
  updateModel(id: string, change: Partial<Pick<StoredModelMeta, 'prune' | 'maxContext' | 'name'>>): Promise<void>;
  removeModel(id: string): Promise<void>;
  /** Select this model for the next run (with its pruning choice). */
  selectForTraining(id: string): void;
  countPruned(id: string, datasetKey: string, records: readonly InstructionRecord[]): Promise<void>;
  /** A run that started from an imported model, its newest checkpoint written back into that model's own folder layout. */
  /** `as: 'peft'`: a LoRA run's adapter folder instead of the merged model. */
  exportRun(run: Run, as?: 'merged' | 'peft'): Promise<ExportedFolder>;
}

const problemOf = (error: unknown): HfProblem =>
  error instanceof HfModelError
    ? error.problem
    : {
        file: (error as { file?: string }).file ?? '',
        message: error instanceof Error ? error.message : String(error),
      };

export const useModelStore = create<ModelState>()((set, get) => {
  let abort: AbortController | undefined;
  const pruneInFlight = new Set<string>();

  /** The selected run model follows renames, pruning changes and deletion of its import. */
  const syncSelection = (meta: StoredModelMeta | undefined, id: string) => {
    const train = useTrainStore.getState();
    const ref = train.settings.model;
    if (ref?.kind !== 'hf' || ref.id !== id) return;
    train.update({ model: meta ? { kind: 'hf', id, name: meta.name, prune: meta.prune } : undefined });
  };

  /** Check `files` in the worker and keep them as a model; on failure keep them pending and say what is wrong. */
  const checkAndSave = async (files: HfFileBytes, origin: string, folder: string | undefined) => {
    const missing = missingParts(Object.keys(files));
    if (missing.length > 0) {
      set({
        pending: { files, folder },
        activity: undefined,
        problem: {
          file: missing[0]!,
          message: `${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not provided yet. The files given so far are kept: drop the missing ${missing.length > 1 ? 'ones' : 'one'} to complete the folder.`,
        },
      });
      return;
    }
    set({
      activity: {
        stage: 'checking',
        detail: `Checking ${Object.keys(files).length} files (config, every tensor's name and shape, tokenizer)…`,
      },
    });
    let checked;
    try {
      checked = await hfModelClient.inspect(files);
    } catch (error) {
      const returned = error instanceof HfModelError ? error.files : undefined;
      set({
        pending: returned ? { files: returned, folder } : undefined,
        activity: undefined,
        problem: problemOf(error),
      });
      return;
    }
    const { description, fingerprint } = checked;
    set({ activity: { stage: 'saving', detail: 'Keeping the model in this browser…' } });
    const same = get().models.find((m) => m.fingerprint === fingerprint);
    const contextCap = description.config.contextLength > DEFAULT_MAX_CONTEXT ? DEFAULT_MAX_CONTEXT : undefined;
    const meta: StoredModelMeta = {
      kind: 'meta',
      id: same?.id ?? newModelId(),
      name: same?.name ?? uniqueName(defaultModelName(description, folder), get().models),
      importedAt: same?.importedAt ?? Date.now(),
      origin,
      description,
      fileSizes: Object.fromEntries(Object.entries(checked.files).map(([n, b]) => [n, b.byteLength])),
      fingerprint,
      maxContext: same ? same.maxContext : contextCap,
      prune: same?.prune ?? true,
    };
    try {
      await saveModel(meta, checked.files);
    } catch (error) {
      set({ pending: { files: checked.files, folder }, activity: undefined, problem: problemOf(error) });
      return;
    }
    set((s) => ({
      models: same ? s.models.map((m) => (m.id === meta.id ? meta : m)) : [...s.models, meta],
      pending: undefined,
      activity: undefined,
      problem: undefined,
      lastImported: { id: meta.id, replaced: Boolean(same) },
    }));
    syncSelection(meta, meta.id);
  };

  return {
    models: [],
    ignored: [],
    pruneCounts: {},
    async restore() {
      try {
        const models = await Promise.all((await listModels()).map(withChatTemplateNoted));
        set({ models });
      } catch (error) {
        set({ problem: problemOf(error) });
      }
    },
    async importFiles(dropped) {
      if (get().activity) return;
      const plan = planHfFileSet(dropped.map((d) => d.path));
      set({ ignored: plan.ignored, problem: undefined, lastImported: undefined });
      if (plan.read.length === 0) {
        set({
          problem: {
            file: dropped.length === 1 ? baseName(dropped[0]!.path) : '',
            message: `${dropped.length === 1 ? 'This file is' : 'None of these files is'} part of a model folder: drop config.json, model.safetensors (or its shards and index) and tokenizer.json (or vocab.json + merges.txt).`,
          },
        });
        return;
      }
      const wanted = dropped.filter((d) => plan.read.includes(d.path));
      const total = wanted.reduce((n, d) => n + d.file.size, 0);
      const read: HfFileBytes = {};
      let done = 0;
      try {
        for (const d of wanted) {
          set({
            activity: {
              stage: 'reading',
              detail: `Reading ${baseName(d.path)}…`,
              fraction: total ? done / total : undefined,
            },
          });
          read[baseName(d.path)] = await d.file.arrayBuffer();
          done += d.file.size;
        }
      } catch (error) {
        const d = wanted.find((w) => !(baseName(w.path) in read));
        set({
          activity: undefined,
          problem: { file: d ? baseName(d.path) : '', message: `could not be read (${(error as Error).message}).` },
        });
        return;
      }
      const pending = get().pending;
      const fresh = !pending || 'config.json' in read;
      const files = mergeFileSets(pending?.files, read);
      await checkAndSave(files, 'files', folderOf(dropped.map((d) => d.path)) ?? (fresh ? undefined : pending?.folder));
    },
    dropUnreadable(error) {
      set({ problem: { file: '', message: `The dropped files could not be read (${problemOf(error).message}).` } });
    },
    async importUrl(text) {
      if (get().activity) return;
      // A Hub id (owner/name[@revision]) or a folder's address (…/resolve/main/).
      let source: { base: string; repo?: HubRepo };
      const { hub, token } = useHubAccess.getState();
      try {
        if (looksLikeHubId(text)) {
          const repo = parseHubId(text);
          source = { base: hubResolveBase(hub, repo), repo };
        } else source = { base: normalizeBaseUrl(text) };
      } catch (error) {
        set({ problem: { file: '', message: (error as Error).message } });
        return;
      }
      const { base, repo } = source;
      abort = new AbortController();
      set({
        problem: undefined,
        ignored: [],
        lastImported: undefined,
        activity: { stage: 'downloading', detail: `Connecting to ${repo ? hubRepoPage(hub, repo) : base}…` },
      });
      const onProgress = (p: DownloadProgress) =>
        set({
          activity: {
            stage: 'downloading',
            detail: `${p.fromCache ? 'From the browser cache' : p.resumedFrom > 0 ? `Resumed from ${mib(p.resumedFrom)}` : 'Downloading'}: ${p.file} (${mib(p.loaded)}${p.total ? ` of ${mib(p.total)}` : ''})`,
            fraction: p.total ? p.loaded / p.total : undefined,
            file: p.file,
            keptBytes: p.kept,
          },
        });
      let files: HfFileBytes;
      try {
        const options = { signal: abort.signal, token: token.trim() || undefined };
        files = repo
          ? await downloadHubModel(hub, repo, onProgress, options)
          : await downloadHfFolder(base, onProgress, options);
      } catch (error) {
        const cancelled = (error as Error).name === 'AbortError';
        set({ activity: undefined, problem: cancelled ? undefined : problemOf(error) });
        return;
      } finally {
        abort = undefined;
      }
      const folder = repo
        ? repo.id
        : base
            .replace(/\/resolve\/[^/]+\/$/, '')
            .replace(/\/$/, '')
            .split('/')
            .slice(-2)
            .join('/');
      await checkAndSave(files, base, folder.replace(/^https?:$/, '') || undefined);
    },
    cancel() {
      abort?.abort();
    },
    clearPending() {
      set({ pending: undefined, problem: undefined, ignored: [] });
    },
    async updateModel(id, change) {
      const meta = get().models.find((m) => m.id === id);
      if (!meta) return;
      const next = { ...meta, ...change };
      set((s) => ({ models: s.models.map((m) => (m.id === id ? next : m)) }));
      syncSelection(next, id);
      await updateModelMeta(next).catch((error: unknown) => set({ problem: problemOf(error) }));
    },
    async removeModel(id) {
      set((s) => ({
        models: s.models.filter((m) => m.id !== id),
        lastImported: s.lastImported?.id === id ? undefined : s.lastImported,
      }));
      syncSelection(undefined, id);
      await deleteModel(id).catch((error: unknown) => set({ problem: problemOf(error) }));
    },
    selectForTraining(id) {
      const meta = get().models.find((m) => m.id === id);
      if (meta) useTrainStore.getState().update({ model: { kind: 'hf', id, name: meta.name, prune: meta.prune } });
    },
    async countPruned(id, datasetKey, records) {
      const key = `${id}|${datasetKey}`;
      if (pruneInFlight.has(key) || get().pruneCounts[id]?.datasetKey === datasetKey) return;
      pruneInFlight.add(key);
      try {
        const tokenizer = await loadTokenizerFiles(id);
        if (!tokenizer) return;
        const meta = get().models.find((m) => m.id === id);
        const settings = useTrainStore.getState().settings;
        // the template a run from this model would write its records in: its special tokens and text are kept too
        const template = trainerTemplate(chosenTemplate(settings, ownChatTemplate(meta), readsChatTemplates(meta)));
        const count = await hfModelClient.pruneCount(tokenizer, records, template);
        set((s) => ({ pruneCounts: { ...s.pruneCounts, [id]: { datasetKey, ...count } } }));
      } catch {
        // Only an estimate for the panel: the run prunes (and reports) on its own.
      } finally {
        pruneInFlight.delete(key);
      }
    },
    async exportRun(run, as = 'merged') {
      const ref = run.settings.model;
      if (ref?.kind !== 'hf') throw new Error(`run ${run.id} did not start from an imported model.`);
      const bytes = await useTrainStore.getState().checkpointBytes(run);
      if (!bytes) throw new Error('this run has no checkpoint yet (one is saved at every phase end and on stop).');
      const stored = await loadModelFiles(ref.id);
      if (!stored)
        throw new Error(
          `the imported model ${ref.name} is no longer in this browser; import it again to export this run.`,
        );
      const base = peftBaseModel(stored.meta);
      const step = run.lastCheckpoint?.step ?? run.checkpointStep;
      const folder = safeFolderName(`${ref.name}-${as === 'peft' ? 'peft-adapter' : 'merged'}-step-${step ?? 0}`);
      const out = await hfModelClient.exportRun(stored.files, bytes, as, folder, base.name);
      return as === 'peft' && base.note ? { ...out, notes: [...out.notes, base.note] } : out;
    },
  };
});

function mib(bytes: number): string {
  return bytes >= 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(0)} KiB`;
}

function uniqueName(name: string, models: readonly StoredModelMeta[]): string {
  const taken = new Set(models.map((m) => m.name));
  if (!taken.has(name)) return name;
  for (let i = 2; ; i++) if (!taken.has(`${name} (${i})`)) return `${name} (${i})`;
}
