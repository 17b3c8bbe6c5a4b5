/**
 * Fast non-cryptographic hashes, shared by the held-out split, the demo generator, dataset identity and (later)
 * training. Deterministic across the worker, Node and the page: only `Math.imul` and 32-bit integer operations.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * FNV-1a, 32 bits, over the string's UTF-16 code units (for ASCII text this equals FNV-1a over its bytes).
 * With `seed` 0 it is the standard FNV-1a; another seed moves the offset basis so that each seed gives an
 * independent-looking hash family. Returns an unsigned 32-bit integer.
 */
export function fnv1a32(text: string, seed = 0): number {
  let h = seed === 0 ? FNV_OFFSET : (FNV_OFFSET ^ fmix32(seed)) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/** FNV-1a, 32 bits, over raw bytes (standard when `seed` is 0). */
export function fnv1a32Bytes(bytes: Uint8Array, seed = 0): number {
  let h = seed === 0 ? FNV_OFFSET : (FNV_OFFSET ^ fmix32(seed)) >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/**
 * MurmurHash3's 32-bit finaliser: every input bit flips about half the output bits. FNV-1a alone mixes its last
 * characters poorly (ids "1", "2", … differ only in the low bits), so hashes used for sampling go through this.
 */
export function fmix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * cyrb53 (bryc, public domain): a 53-bit string hash, far fewer collisions than 32 bits for large datasets.
 * Returns an integer in [0, 2^53).
 */
export function cyrb53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  return finishCyrb53(h1, h2);
}

/** cyrb53 over raw bytes: the same mixing as {@link cyrb53}, one byte per step. */
export function cyrb53Bytes(bytes: Uint8Array, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < bytes.length; i++) {
    const ch = bytes[i]!;
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  return finishCyrb53(h1, h2);
}

function finishCyrb53(a: number, b: number): number {
  let h1 = a;
  let h2 = b;
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** A dataset's identity for run records: cyrb53 of its bytes as 14 hex digits (zero-padded). */
export function hashBytesHex(bytes: Uint8Array, seed = 0): string {
  return cyrb53Bytes(bytes, seed).toString(16).padStart(14, '0');
}

/**
 * A uniform-looking number in [0, 1) from a string and a seed: the same (text, seed) always gives the same value,
 * independent of where the text sits in a file. Used to pick held-out records by id.
 */
export function hashUnit(text: string, seed: number): number {
  return fmix32(fnv1a32(text, seed)) / 4294967296;
}
