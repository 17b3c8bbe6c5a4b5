/**
 * A Hugging Face model folder as the importer sees it: file name → content (bytes, or text for the JSON / txt
 * files), the names that matter, and the error every importer throws — one that names the file at fault.
 */

/** A dropped file or a download: bytes, or text for the JSON / txt files. */
export type HfFileContent = Uint8Array | ArrayBuffer | string;

/** File name → content. Names may carry folders (`gpt2/config.json`); only the base name counts. */
export type HfFiles = Readonly<Record<string, HfFileContent>>;

export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';
export const WEIGHTS_INDEX_FILE = 'model.safetensors.index.json';

/**
 * What to fetch from a base URL (e.g. `https://huggingface.co/gpt2/resolve/main/`), in order. The weights are either
 * `model.safetensors` or the index and the shards it names (`shardFileNames`); the tokenizer either `tokenizer.json`
 * or `vocab.json` + `merges.txt`.
 */
export const HF_FILE_CHOICES = {
  config: [CONFIG_FILE],
  weights: [[WEIGHTS_FILE], [WEIGHTS_INDEX_FILE]],
  tokenizer: [['tokenizer.json'], ['vocab.json', 'merges.txt']],
} as const;

export class HfImportError extends Error {
  constructor(
    /** The file at fault (or the set of files, e.g. "model.safetensors shards"). */
    readonly file: string,
    problem: string,
  ) {
    super(problem.startsWith(file) ? problem : `${file}: ${problem}`);
    this.name = 'HfImportError';
  }
}

export function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** Base name → content; two different files with one base name are refused (two model folders dropped together). */
export function filesByBaseName(files: HfFiles): Map<string, HfFileContent> {
  const out = new Map<string, HfFileContent>();
  const from = new Map<string, string>();
  for (const [path, content] of Object.entries(files)) {
    const name = baseName(path);
    const earlier = from.get(name);
    if (earlier !== undefined && out.get(name) !== content) {
      throw new HfImportError(name, `given twice (${earlier} and ${path}); drop the files of one model folder only.`);
    }
    out.set(name, content);
    from.set(name, path);
  }
  return out;
}

const textDecoder = new TextDecoder('utf-8');

export function asText(content: HfFileContent): string {
  if (typeof content === 'string') return content;
  return textDecoder.decode(content instanceof ArrayBuffer ? new Uint8Array(content) : content);
}

export function asBytes(content: HfFileContent): Uint8Array {
  if (typeof content === 'string') return new TextEncoder().encode(content);
  return content instanceof ArrayBuffer ? new Uint8Array(content) : content;
}

export function parseJSONFile(name: string, content: HfFileContent): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(asText(content));
  } catch (e) {
    throw new HfImportError(name, `is not valid JSON (${(e as Error).message}); is the download complete?`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new HfImportError(name, 'must hold a JSON object.');
  return v as Record<string, unknown>;
}
