import { describe, expect, it } from 'vitest';
import { cyrb53, cyrb53Bytes, fmix32, fnv1a32, fnv1a32Bytes, hashBytesHex, hashUnit } from './hash';

describe('fnv1a32', () => {
  it('matches the published FNV-1a 32-bit test vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('agrees with the byte version on ASCII', () => {
    expect(fnv1a32Bytes(new TextEncoder().encode('foobar'))).toBe(0xbf9cf968);
    expect(fnv1a32Bytes(new TextEncoder().encode('foobar'), 7)).toBe(fnv1a32('foobar', 7));
  });

  it('gives a different family for another seed', () => {
    expect(fnv1a32('foobar', 1)).not.toBe(fnv1a32('foobar'));
    expect(fnv1a32('foobar', 1)).toBe(fnv1a32('foobar', 1));
  });
});

describe('fmix32', () => {
  it('matches MurmurHash3 fmix32 on known inputs', () => {
    expect(fmix32(0)).toBe(0);
    expect(fmix32(1)).toBe(0x514e28b7);
  });
});

describe('cyrb53', () => {
  it('matches the vectors published with the algorithm', () => {
    expect(cyrb53('a')).toBe(7929297801672961);
    expect(cyrb53('b')).toBe(8684336938537663);
    expect(cyrb53('revenge')).toBe(4051478007546757);
    expect(cyrb53('revenue')).toBe(8309097637345594);
  });

  it('byte and string versions agree on ASCII and stay below 2^53', () => {
    expect(cyrb53Bytes(new TextEncoder().encode('revenue'))).toBe(8309097637345594);
    expect(cyrb53('x'.repeat(1000), 42)).toBeLessThan(2 ** 53);
  });

  it('hashBytesHex is 14 hex digits and changes with one byte', () => {
    const a = hashBytesHex(new Uint8Array([1, 2, 3]));
    const b = hashBytesHex(new Uint8Array([1, 2, 4]));
    expect(a).toMatch(/^[0-9a-f]{14}$/);
    expect(a).not.toBe(b);
  });
});

describe('hashUnit', () => {
  it('is in [0, 1), deterministic, and roughly uniform over sequential ids', () => {
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 10_000; i++) {
      const u = hashUnit(String(i), 3);
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      buckets[Math.floor(u * 10)]!++;
    }
    // 1000 expected per bucket; ±150 is > 4.5 standard deviations.
    for (const count of buckets) expect(Math.abs(count - 1000)).toBeLessThan(150);
    expect(hashUnit('42', 3)).toBe(hashUnit('42', 3));
    expect(hashUnit('42', 3)).not.toBe(hashUnit('42', 4));
  });
});
