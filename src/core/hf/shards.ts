/**
 * Where every tensor of a checkpoint is: in `model.safetensors`, in the shards a `model.safetensors.index.json`
 * names, or (without an index) in every `*.safetensors` given, read together.
 */
import { parseSafetensors, type SafetensorsFile } from '../model/safetensors';
import { asBytes, HfImportError, parseJSONFile, WEIGHTS_FILE, WEIGHTS_INDEX_FILE, type HfFileContent } from './files';

/** The shard files a `model.safetensors.index.json` names, in first-use order. */
export function shardFileNames(indexJson: HfFileContent): string[] {
  const index = parseJSONFile(WEIGHTS_INDEX_FILE, indexJson);
  const map = index.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw new HfImportError(WEIGHTS_INDEX_FILE, 'has no "weight_map" object (tensor name → shard file).');
  }
  const names = Object.values(map as Record<string, unknown>);
  if (!names.every((n) => typeof n === 'string'))
    throw new HfImportError(WEIGHTS_INDEX_FILE, 'weight_map values must be file names.');
  return [...new Set(names as string[])];
}

export interface LocatedTensor {
  file: string;
  st: SafetensorsFile;
}

/** Every tensor of the checkpoint by name, from one file, an index and its shards, or (without an index) all shards. */
export function openWeights(
  files: Map<string, HfFileContent>,
  notes: string[],
): { tensors: Map<string, LocatedTensor>; weightFiles: string[] } {
  const open = (name: string): SafetensorsFile => {
    try {
      return parseSafetensors(asBytes(files.get(name)!));
    } catch (e) {
      throw new HfImportError(name, `${(e as Error).message}`);
    }
  };
  const tensors = new Map<string, LocatedTensor>();
  const add = (name: string, st: SafetensorsFile, only?: Set<string>) => {
    for (const e of st.entries) {
      if (only !== undefined && !only.has(e.name)) continue;
      const prev = tensors.get(e.name);
      if (prev !== undefined)
        throw new HfImportError(name, `tensor "${e.name}" is also in ${prev.file}; a tensor may be stored only once.`);
      tensors.set(e.name, { file: name, st });
    }
  };

  if (files.has(WEIGHTS_INDEX_FILE)) {
    const index = parseJSONFile(WEIGHTS_INDEX_FILE, files.get(WEIGHTS_INDEX_FILE)!);
    const shards = shardFileNames(files.get(WEIGHTS_INDEX_FILE)!);
    const map = index.weight_map as Record<string, string>;
    const missing = shards.filter((s) => !files.has(s));
    if (missing.length > 0) {
      const example = Object.entries(map).find(([, f]) => f === missing[0])![0];
      throw new HfImportError(
        missing[0]!,
        `listed in ${WEIGHTS_INDEX_FILE} (e.g. for "${example}") but not provided` +
          (missing.length > 1 ? `; also missing: ${missing.slice(1).join(', ')}` : '') +
          '. Add every shard the index names.',
      );
    }
    for (const shard of shards) {
      const st = open(shard);
      const expected = new Set(
        Object.entries(map)
          .filter(([, f]) => f === shard)
          .map(([t]) => t),
      );
      for (const t of expected) {
        if (!st.has(t)) throw new HfImportError(shard, `${WEIGHTS_INDEX_FILE} says it holds "${t}", but it does not.`);
      }
      add(shard, st, expected);
    }
    return { tensors, weightFiles: shards };
  }
  if (files.has(WEIGHTS_FILE)) {
    add(WEIGHTS_FILE, open(WEIGHTS_FILE));
    return { tensors, weightFiles: [WEIGHTS_FILE] };
  }
  const shards = [...files.keys()].filter((n) => n.endsWith('.safetensors')).sort();
  if (shards.length > 0) {
    notes.push(`No ${WEIGHTS_INDEX_FILE}: read the tensors of ${shards.join(', ')} together.`);
    for (const s of shards) add(s, open(s));
    return { tensors, weightFiles: shards };
  }
  const pickled = [...files.keys()].filter((n) => /\.(bin|pt|pth|ckpt|h5|msgpack)$/.test(n));
  throw new HfImportError(
    WEIGHTS_FILE,
    pickled.length > 0
      ? `not provided; ${pickled.join(', ')} cannot be read in the browser (PyTorch pickle / TF / Flax). Use the model's safetensors ` +
          '(for the TinyStories models they are on the Hub branch refs/pr/1: …/resolve/refs%2Fpr%2F1/model.safetensors).'
      : `not provided: add ${WEIGHTS_FILE} (or ${WEIGHTS_INDEX_FILE} and its shards).`,
  );
}
