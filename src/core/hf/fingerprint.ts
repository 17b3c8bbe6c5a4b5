import { cyrb53Bytes } from '../util/hash';

const SAMPLE = 1 << 20;

/**
 * Identity of a model folder without hashing gigabytes: every file's name and size, and the first and last MiB of
 * each (config.json and the tokenizer whole; the safetensors header and the last tensors' bytes).
 */
export function fingerprintFiles(files: Readonly<Record<string, ArrayBuffer>>): string {
  const parts: string[] = [];
  for (const name of Object.keys(files).sort()) {
    const bytes = new Uint8Array(files[name]!);
    const head = bytes.subarray(0, SAMPLE);
    const tail = bytes.subarray(Math.max(SAMPLE, bytes.length - SAMPLE));
    parts.push(`${name}:${bytes.length}:${cyrb53Bytes(head).toString(36)}:${cyrb53Bytes(tail, 1).toString(36)}`);
  }
  return parts.join('|');
}
