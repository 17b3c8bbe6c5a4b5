/**
 * Which of the files a user dropped (or a URL offers) make a Hugging Face model folder, before any byte is read:
 * the ones to read, the ones to leave (PyTorch pickles, TF/Flax weights, READMEs) with the reason, and what is
 * still missing. Pure: the panel uses it to read only what matters, tests check it in Node. The full checks
 * (shapes, dtypes, tokenizer against model) happen in the worker with the importer's own messages.
 */
import { baseName, CONFIG_FILE, WEIGHTS_FILE, WEIGHTS_INDEX_FILE } from './files';

export type HfFileRole = 'config' | 'weights' | 'index' | 'tokenizer' | 'unreadable' | 'other';

const TOKENIZER_FILES = new Set(['tokenizer.json', 'vocab.json', 'merges.txt']);
const UNREADABLE = /\.(bin|pt|pth|ckpt|h5|msgpack|ot|onnx|gguf|pkl)$/i;

export function fileRole(path: string): HfFileRole {
  const name = baseName(path);
  if (name === CONFIG_FILE) return 'config';
  if (name === WEIGHTS_INDEX_FILE) return 'index';
  if (name.endsWith('.safetensors')) return 'weights';
  if (TOKENIZER_FILES.has(name)) return 'tokenizer';
  if (UNREADABLE.test(name)) return 'unreadable';
  return 'other';
}

export interface HfFileSetPlan {
  /** Paths to read, in the order given. */
  read: string[];
  /** Paths left out, each with why. */
  ignored: { path: string; why: string }[];
}

/** What to read of a dropped set. Hidden files (`.gitattributes`, `.git/…`) and anything not part of a model are left. */
export function planHfFileSet(paths: readonly string[]): HfFileSetPlan {
  const read: string[] = [];
  const ignored: HfFileSetPlan['ignored'] = [];
  for (const path of paths) {
    const role = fileRole(path);
    if (path.split(/[\\/]/).some((part) => part.startsWith('.'))) continue;
    if (role === 'unreadable')
      ignored.push({
        path,
        why: 'PyTorch pickle / TF / Flax / ONNX weights cannot be read in the browser; the safetensors file is used',
      });
    else if (role === 'other') ignored.push({ path, why: 'not needed' });
    else read.push(path);
  }
  return { read, ignored };
}

/**
 * What a set of base names still lacks to make a model folder, as the user would say it: [] when every part is
 * there (the shards an index names are checked when it is read).
 */
export function missingParts(names: readonly string[]): string[] {
  const has = new Set(names.map(baseName));
  const missing: string[] = [];
  if (!has.has(CONFIG_FILE)) missing.push(CONFIG_FILE);
  if (![...has].some((n) => n.endsWith('.safetensors')))
    missing.push(has.has(WEIGHTS_INDEX_FILE) ? 'the shards named in model.safetensors.index.json' : WEIGHTS_FILE);
  if (!has.has('tokenizer.json')) {
    if (has.has('vocab.json') && !has.has('merges.txt')) missing.push('merges.txt');
    else if (has.has('merges.txt') && !has.has('vocab.json')) missing.push('vocab.json');
    else if (!has.has('vocab.json')) missing.push('tokenizer.json (or vocab.json + merges.txt)');
  }
  return missing;
}

/**
 * Files dropped now, added to the ones dropped before that did not yet make a model: a drop with its own
 * config.json starts a new folder; one without adds to (or replaces files of) the one in progress, so a forgotten
 * tokenizer.json can simply be dropped after the rest.
 */
export function mergeFileSets<T>(
  pending: Readonly<Record<string, T>> | undefined,
  dropped: Readonly<Record<string, T>>,
): Record<string, T> {
  const droppedNames = Object.keys(dropped).map(baseName);
  if (!pending || droppedNames.includes(CONFIG_FILE)) return { ...dropped };
  const out: Record<string, T> = {};
  for (const [path, content] of Object.entries(pending))
    if (!droppedNames.includes(baseName(path))) out[path] = content;
  return { ...out, ...dropped };
}

/** The folder the files came from (the first path segment they share), if any. */
export function folderOf(paths: readonly string[]): string | undefined {
  const firsts = new Set(paths.map((p) => (p.includes('/') ? p.split('/')[0] : '')));
  if (firsts.size !== 1) return undefined;
  const [first] = firsts;
  return first || undefined;
}

/**
 * A model folder's base URL, ending in `/`. A Hub page address (`…/tree/main`, `…/blob/main/config.json`) becomes
 * the file server's `…/resolve/main/`.
 */
export function normalizeBaseUrl(url: string): string {
  const trimmed = url.trim();
  if (!/^https?:\/\//i.test(trimmed) && !trimmed.startsWith('/')) {
    throw new Error(
      `"${trimmed}" is not a URL: give the folder's address, e.g. https://huggingface.co/gpt2/resolve/main/`,
    );
  }
  // A Hub page (…/tree/main or /blob/main/…) instead of the file server: use resolve/.
  const hub = /^(https?:\/\/(?:www\.)?huggingface\.co\/[^/]+(?:\/[^/]+)?)\/(?:tree|blob)\/([^/]+)(?:\/.*)?$/i.exec(
    trimmed,
  );
  const fixed = hub ? `${hub[1]}/resolve/${hub[2]}/` : trimmed;
  return fixed.endsWith('/') ? fixed : `${fixed}/`;
}
