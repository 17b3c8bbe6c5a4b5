import { describe, expect, it } from 'vitest';
import { tinyHfCheckpoint } from './testing/hfFixtures';
import { fingerprintFiles } from './fingerprint';

/** The fixture's files as the bytes a drop gives (text as UTF-8). */
const toStoredFiles = (files: Record<string, Uint8Array | string>): Record<string, ArrayBuffer> =>
  Object.fromEntries(
    Object.entries(files).map(([name, c]) => [
      name,
      (typeof c === 'string' ? new TextEncoder().encode(c) : c.slice()).buffer as ArrayBuffer,
    ]),
  );

describe('fingerprintFiles', () => {
  it('fingerprints a folder by names, sizes and bytes: the same folder matches, a changed weight does not', () => {
    const a = toStoredFiles(tinyHfCheckpoint({ architecture: 'gpt2', seed: 1 }).files);
    const again = toStoredFiles(tinyHfCheckpoint({ architecture: 'gpt2', seed: 1 }).files);
    const other = toStoredFiles(tinyHfCheckpoint({ architecture: 'gpt2', seed: 2 }).files);
    expect(fingerprintFiles(a)).toBe(fingerprintFiles(again));
    expect(fingerprintFiles(a)).not.toBe(fingerprintFiles(other));
    const reordered = Object.fromEntries(Object.entries(a).reverse());
    expect(fingerprintFiles(reordered)).toBe(fingerprintFiles(a));
  });
});
