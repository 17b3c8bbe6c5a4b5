/**
 * `window.__studioBench(request)` and `window.__studioBenchInterleaved(request)`: the hooks cli/bench.ts drives
 * through a headless browser. Registered only when the page's URL has `?bench` (see main.tsx). Each call runs in a
 * fresh diagnostics worker, exactly as the studio would train there, and resolves with the backend it got (adapter
 * included) and the step timings; the interleaved one times variants of the step in alternation (e.g. wasm's stock
 * BatchMatMul against ours).
 */
import { runDiagnostics, type DiagnosticsRequest, type DiagnosticsResponse } from '../worker/diagnosticsClient';

export type BrowserBenchRequest = Omit<Extract<DiagnosticsRequest, { type: 'bench' }>, 'id' | 'type'>;
export type BrowserBenchAnswer = Extract<DiagnosticsResponse, { type: 'bench' }>;
export type BrowserInterleavedRequest = Omit<Extract<DiagnosticsRequest, { type: 'benchInterleaved' }>, 'id' | 'type'>;
export type BrowserInterleavedAnswer = Extract<DiagnosticsResponse, { type: 'benchInterleaved' }>;

declare global {
  interface Window {
    __studioBench?: (request: BrowserBenchRequest) => Promise<BrowserBenchAnswer>;
    __studioBenchInterleaved?: (request: BrowserInterleavedRequest) => Promise<BrowserInterleavedAnswer>;
    /** Progress lines of the bench in flight, for the driver to print. */
    __studioBenchLog?: string[];
  }
}

export function registerBrowserBench(): void {
  window.__studioBenchLog = [];
  const progress = (message: string) => {
    window.__studioBenchLog?.push(message);
    console.log(`[bench] ${message}`);
  };
  window.__studioBench = (request) => runDiagnostics<'bench'>({ type: 'bench', ...request }, progress);
  window.__studioBenchInterleaved = (request) => runDiagnostics<'benchInterleaved'>({ type: 'benchInterleaved', ...request }, progress);
}
