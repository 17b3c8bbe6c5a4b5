/**
 * A Hugging Face model folder on disk as the files the core's importer reads (config.json, the safetensors and
 * tokenizer files), chosen the way the import panel chooses a dropped folder's files (core/hf/fileSet.ts).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { missingParts, planHfFileSet } from '../src/core/hf/fileSet';

export interface HfFolderOnDisk {
  /** The folder's name, for the run's notes. */
  name: string;
  files: Record<string, ArrayBuffer>;
}

export function readHfFolder(dir: string): HfFolderOnDisk {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => statSync(join(dir, n)).isFile());
  } catch (e) {
    throw new Error(`${dir}: cannot read the model folder (${(e as Error).message}).`);
  }
  const { read } = planHfFileSet(names);
  const missing = missingParts(read);
  if (missing.length > 0)
    throw new Error(`${dir} is not a Hugging Face model folder the studio reads: it lacks ${missing.join(', ')}.`);
  const files: Record<string, ArrayBuffer> = {};
  for (const name of read) {
    const bytes = readFileSync(join(dir, name));
    files[name] = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }
  return { name: basename(dir), files };
}
