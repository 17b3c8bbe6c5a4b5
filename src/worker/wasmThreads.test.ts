import { describe, expect, it } from 'vitest';
import {
  describeWasmThreads,
  hardwareConcurrencyForTfjs,
  MAX_WASM_THREADS,
  NOT_ISOLATED,
  planWasmThreads,
} from './wasmThreads';

describe('planWasmThreads', () => {
  it('stays on one thread where the page is not cross-origin isolated, and says why', () => {
    expect(planWasmThreads({ crossOriginIsolated: false, hardwareConcurrency: 8 })).toEqual({
      threads: 1,
      whySingle: NOT_ISOLATED,
    });
    // asking changes nothing: without shared memory there are no threads to have
    expect(planWasmThreads({ crossOriginIsolated: false, hardwareConcurrency: 8 }, 4).threads).toBe(1);
  });

  it('uses every core up to the cap when isolated', () => {
    expect(planWasmThreads({ crossOriginIsolated: true, hardwareConcurrency: 2 })).toEqual({ threads: 2 });
    expect(planWasmThreads({ crossOriginIsolated: true, hardwareConcurrency: 16 })).toEqual({
      threads: MAX_WASM_THREADS,
    });
  });

  it('treats a hidden or single core count as one thread, with the reason', () => {
    expect(planWasmThreads({ crossOriginIsolated: true, hardwareConcurrency: 1 })).toEqual({
      threads: 1,
      whySingle: 'the browser reports one CPU core',
    });
    expect(planWasmThreads({ crossOriginIsolated: true, hardwareConcurrency: 0 }).threads).toBe(1);
  });

  it('takes a requested count, held to 1 … the cap', () => {
    expect(planWasmThreads({ crossOriginIsolated: true, hardwareConcurrency: 2 }, 1)).toEqual({
      threads: 1,
      whySingle: 'one thread was asked for',
    });
    expect(planWasmThreads({ crossOriginIsolated: true, hardwareConcurrency: 2 }, 3)).toEqual({ threads: 3 });
    expect(planWasmThreads({ crossOriginIsolated: true, hardwareConcurrency: 2 }, 64).threads).toBe(MAX_WASM_THREADS);
    expect(planWasmThreads({ crossOriginIsolated: true, hardwareConcurrency: 2 }, 0).threads).toBe(1);
  });
});

describe('hardwareConcurrencyForTfjs', () => {
  it('doubles the count tfjs sees only where its halving would refuse the threads', () => {
    expect(hardwareConcurrencyForTfjs(2, 2)).toBe(4);
    expect(hardwareConcurrencyForTfjs(4, 6)).toBe(8);
    expect(hardwareConcurrencyForTfjs(4, 8)).toBe(0);
    expect(hardwareConcurrencyForTfjs(2, 16)).toBe(0);
    expect(hardwareConcurrencyForTfjs(1, 1)).toBe(0);
  });
});

describe('describeWasmThreads', () => {
  it('names the count that ran, and the reason when it is one', () => {
    expect(describeWasmThreads({ threads: 2 }, 2)).toBe('wasm on 2 threads (the page is cross-origin isolated).');
    expect(describeWasmThreads({ threads: 1, whySingle: NOT_ISOLATED }, 1)).toBe(`wasm on 1 thread: ${NOT_ISOLATED}.`);
    expect(describeWasmThreads({ threads: 4 }, 2)).toBe('wasm on 2 threads (4 asked for).');
  });
});
