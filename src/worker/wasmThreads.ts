/**
 * How many threads tfjs's wasm backend trains on, and the sentence that says why.
 *
 * wasm threads share one WebAssembly memory, a SharedArrayBuffer, and browsers hand that only to a cross-origin
 * isolated page (served with the COOP and COEP headers of docs/HOSTING.md). Elsewhere tfjs loads its single-threaded
 * SIMD binary. At most 4 threads: XNNPACK's products at the studio's sizes gain little past that, and the page, the
 * data worker and the charts need a core too.
 */
export const MAX_WASM_THREADS = 4;

export interface WasmThreadEnvironment {
  crossOriginIsolated: boolean;
  /** navigator.hardwareConcurrency (0 or missing when the browser hides it). */
  hardwareConcurrency: number;
}

export interface WasmThreadPlan {
  /** Threads to ask tfjs for; 1 = the single-threaded binary. */
  threads: number;
  /** Why no more than that, when it is 1 (shown beside the backend). */
  whySingle?: string;
}

export const NOT_ISOLATED =
  'the page is not cross-origin isolated (its server sends no Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp headers), so the browser gives it no shared memory for threads; docs/HOSTING.md says what to send';

/** `requested`: a thread count to use instead of the default (the bench times 1 against several). */
export function planWasmThreads(env: WasmThreadEnvironment, requested?: number): WasmThreadPlan {
  if (!env.crossOriginIsolated) return { threads: 1, whySingle: NOT_ISOLATED };
  const cores = Math.max(1, Math.floor(env.hardwareConcurrency || 1));
  if (requested !== undefined) {
    const threads = Math.max(1, Math.min(Math.floor(requested), MAX_WASM_THREADS));
    return threads === 1 ? { threads, whySingle: 'one thread was asked for' } : { threads };
  }
  if (cores === 1) return { threads: 1, whySingle: 'the browser reports one CPU core' };
  return { threads: Math.min(cores, MAX_WASM_THREADS) };
}

/**
 * tfjs-backend-wasm 4.22 caps its thread pool at half of `navigator.hardwareConcurrency` (it takes every core for two
 * hyper-threads), whatever `setThreadsCount` asks: a 2-core machine would never get a second thread. The count it
 * must see while it starts so that `threads` are allowed; 0 when the real one already allows them.
 */
export function hardwareConcurrencyForTfjs(threads: number, hardwareConcurrency: number): number {
  return threads > 1 && Math.floor(hardwareConcurrency / 2) < threads ? 2 * threads : 0;
}

/** "wasm on 2 threads." or "wasm on 1 thread: <why>." — `ran` is what tfjs reports once the backend is up. */
export function describeWasmThreads(plan: WasmThreadPlan, ran: number): string {
  const count = `${ran} thread${ran === 1 ? '' : 's'}`;
  if (ran === 1 && plan.whySingle) return `wasm on ${count}: ${plan.whySingle}.`;
  if (ran !== plan.threads) return `wasm on ${count} (${plan.threads} asked for).`;
  return `wasm on ${count} (the page is cross-origin isolated).`;
}
