/**
 * `window.__studioBench(request)`: the hook cli/bench.ts drives through a headless browser. Registered only when
 * the page's URL has `?bench` (see main.tsx). Each call runs in a fresh diagnostics worker, exactly as the studio
 * would train there, and resolves with the backend it got (adapter included) and the step timings.
 */
import { runDiagnostics, type DiagnosticsRequest, type DiagnosticsResponse } from '../worker/diagnosticsClient';

export type BrowserBenchRequest = Omit<Extract<DiagnosticsRequest, { type: 'bench' }>, 'id' | 'type'>;
export type BrowserBenchAnswer = Extract<DiagnosticsResponse, { type: 'bench' }>;

declare global {
  interface Window {
    __studioBench?: (request: BrowserBenchRequest) => Promise<BrowserBenchAnswer>;
    /** Progress lines of the bench in flight, for the driver to print. */
    __studioBenchLog?: string[];
  }
}

export function registerBrowserBench(): void {
  window.__studioBenchLog = [];
  window.__studioBench = (request) =>
    runDiagnostics<'bench'>({ type: 'bench', ...request }, (message) => {
      window.__studioBenchLog?.push(message);
      console.log(`[bench] ${message}`);
    });
}
