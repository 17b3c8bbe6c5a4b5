/**
 * Imported models kept in this browser (IndexedDB store `models`): per model a small `meta/<id>` entry that the
 * panel lists, a `tokenizer/<id>` entry (the tokenizer files, a few MB: enough to estimate vocabulary pruning on a
 * dataset) and a `files/<id>` entry with the rest of the folder's bytes, read only when a run starts or an export
 * is written. The pure helpers (keys, file split, normalisation, fingerprint, names) are tested in Node.
 */
import { architectureLabel } from '../core/hf/familyLabel';
import type { HfModelDescription } from '../core/hf/modelDescription';
import { openStudioDB, StorageError } from './db';
import type { StoredModelMeta } from './records';

export type { StoredModelMeta };

export const modelKeys = (id: string) => ({ meta: `meta/${id}`, files: `files/${id}`, tokenizer: `tokenizer/${id}` });

// With the tokenizer: what reading its chat template and special tokens needs, so neither asks for the weights.
const TOKENIZER_FILES = new Set([
  'tokenizer.json',
  'vocab.json',
  'merges.txt',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'chat_template.jinja',
]);

/** The folder's files in two parts: the tokenizer's (small: vocabulary, config, chat template) and the rest (config.json and weights). */
export function splitModelFiles(files: Readonly<Record<string, ArrayBuffer>>): {
  tokenizer: Record<string, ArrayBuffer>;
  rest: Record<string, ArrayBuffer>;
} {
  const tokenizer: Record<string, ArrayBuffer> = {};
  const rest: Record<string, ArrayBuffer> = {};
  for (const [name, bytes] of Object.entries(files)) (TOKENIZER_FILES.has(name) ? tokenizer : rest)[name] = bytes;
  return { tokenizer, rest };
}

/** Contexts above this are not the default for training (memory grows with T²); the user can raise it. */
export const DEFAULT_MAX_CONTEXT = 256;

/** A fresh id for an imported model. */
export function newModelId(now = Date.now(), random = Math.random()): string {
  return `hf-${now.toString(36)}-${Math.floor(random * 36 ** 4)
    .toString(36)
    .padStart(4, '0')}`;
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/**
 * Files as stored: base names (a folder's path is dropped), text encoded as UTF-8, views copied to their own
 * exact-length ArrayBuffer (a Uint8Array over a larger buffer would store the whole buffer).
 */
export function toStoredFiles(
  files: Readonly<Record<string, ArrayBuffer | Uint8Array | string>>,
): Record<string, ArrayBuffer> {
  const out: Record<string, ArrayBuffer> = {};
  for (const [path, content] of Object.entries(files)) {
    const name = baseName(path);
    if (name in out) throw new Error(`${name} is given twice (${path}); keep the files of one model folder only.`);
    if (typeof content === 'string') out[name] = new TextEncoder().encode(content).buffer as ArrayBuffer;
    else if (content instanceof ArrayBuffer) out[name] = content;
    else out[name] = content.slice().buffer as ArrayBuffer;
  }
  return out;
}

/** The name a model gets in the Model menu: the folder's, config.json's `_name_or_path`, or its shape. */
export function defaultModelName(description: HfModelDescription, folder?: string): string {
  if (folder && folder.trim()) return folder.trim();
  if (description.suggestedName) return description.suggestedName;
  const { layers, width } = description.config;
  return `${architectureLabel(description.architecture)} ${layers}×${width}`;
}

export function totalBytes(meta: Pick<StoredModelMeta, 'fileSizes'>): number {
  return Object.values(meta.fileSizes).reduce((a, b) => a + b, 0);
}

// ───────────────────────────── IndexedDB ─────────────────────────────

export async function saveModel(meta: StoredModelMeta, files: Record<string, ArrayBuffer>): Promise<void> {
  const db = await openStudioDB();
  const keys = modelKeys(meta.id);
  try {
    const { tokenizer, rest } = splitModelFiles(files);
    const tx = db.transaction('models', 'readwrite');
    await tx.store.put({ kind: 'files', id: meta.id, files: rest }, keys.files);
    await tx.store.put({ kind: 'files', id: meta.id, files: tokenizer }, keys.tokenizer);
    await tx.store.put(meta, keys.meta);
    await tx.done;
  } catch (error) {
    throw new StorageError(`Could not keep the model ${meta.name} in this browser`, error);
  }
}

export async function listModels(): Promise<StoredModelMeta[]> {
  const db = await openStudioDB();
  try {
    const entries = await db.getAll('models', IDBKeyRange.bound('meta/', 'meta/\uffff'));
    return entries.filter((e): e is StoredModelMeta => e.kind === 'meta').sort((a, b) => a.importedAt - b.importedAt);
  } catch (error) {
    throw new StorageError('Could not read the imported models', error);
  }
}

export async function loadModelFiles(
  id: string,
): Promise<{ meta: StoredModelMeta; files: Record<string, ArrayBuffer> } | undefined> {
  const db = await openStudioDB();
  const keys = modelKeys(id);
  try {
    const tx = db.transaction('models', 'readonly');
    const [meta, files, tokenizer] = await Promise.all([
      tx.store.get(keys.meta),
      tx.store.get(keys.files),
      tx.store.get(keys.tokenizer),
    ]);
    await tx.done;
    if (meta?.kind !== 'meta' || files?.kind !== 'files' || tokenizer?.kind !== 'files') return undefined;
    return { meta, files: { ...files.files, ...tokenizer.files } };
  } catch (error) {
    throw new StorageError(`Could not read the imported model ${id}`, error);
  }
}

/**
 * Only the tokenizer files (for a pruning estimate, the record view), without reading the weights — but for a model
 * stored before its tokenizer entry kept tokenizer_config.json and chat_template.jinja: those are read from the
 * folder's other entry.
 */
export async function loadTokenizerFiles(id: string): Promise<Record<string, ArrayBuffer> | undefined> {
  const db = await openStudioDB();
  const keys = modelKeys(id);
  try {
    const entry = await db.get('models', keys.tokenizer);
    if (entry?.kind !== 'files') return undefined;
    if ('tokenizer_config.json' in entry.files) return entry.files;
    const rest = await db.get('models', keys.files);
    if (rest?.kind !== 'files') return entry.files;
    const kept = Object.entries(rest.files).filter(([name]) => TOKENIZER_FILES.has(name));
    return { ...entry.files, ...Object.fromEntries(kept) };
  } catch (error) {
    throw new StorageError(`Could not read the tokenizer of the imported model ${id}`, error);
  }
}

export async function updateModelMeta(meta: StoredModelMeta): Promise<void> {
  const db = await openStudioDB();
  try {
    await db.put('models', meta, modelKeys(meta.id).meta);
  } catch (error) {
    throw new StorageError(`Could not save the settings of ${meta.name}`, error);
  }
}

export async function deleteModel(id: string): Promise<void> {
  const db = await openStudioDB();
  const keys = modelKeys(id);
  try {
    const tx = db.transaction('models', 'readwrite');
    await tx.store.delete(keys.meta);
    await tx.store.delete(keys.files);
    await tx.store.delete(keys.tokenizer);
    await tx.done;
  } catch (error) {
    throw new StorageError(`Could not delete the imported model ${id}`, error);
  }
}
