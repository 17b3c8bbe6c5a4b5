import { parseSafetensors } from '../model/safetensors';

export interface NonFiniteValue {
  tensor: string;
  index: number;
  value: number;
}

/**
 * The first NaN or ±Inf in checkpoint bytes (weights and optimizer moments), or null when every float is finite.
 * Checks the bytes already read back for the file, so it costs no GPU read: a checkpoint is only offered as good
 * after this says so.
 */
export function firstNonFinite(bytes: Uint8Array): NonFiniteValue | null {
  const file = parseSafetensors(bytes);
  for (const entry of file.entries) {
    const t = file.read(entry.name);
    if (t.dtype !== 'float32') continue;
    const data = t.data;
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]!)) return { tensor: entry.name, index: i, value: data[i]! };
    }
  }
  return null;
}
