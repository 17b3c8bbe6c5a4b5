/**
 * `window.__studioBench(request)` and `window.__studioBenchInterleaved(request)`: the hooks cli/bench.ts drives
 * through a headless browser. Registered only when the page's URL has `?bench` (see main.tsx). Each call runs in a
 * fresh diagnostics worker, exactly as the studio would train there, and resolves with the backend it got (adapter
 * included) and the step timings; the interleaved one times variants of the step in alternation (e.g. wasm's stock
 * BatchMatMul against ours). `window.__studioBenchWorkers(request)` alternates variants that need a worker each
 * (wasm's thread count is fixed once a worker starts it): one fresh worker per variant per round, one warm-up step
 * and one timed step in each.
 */
import { runDiagnostics, type DiagnosticsRequest, type DiagnosticsResponse } from '../worker/diagnosticsClient';
import { alternateRounds, type AlternatedRounds } from '../core/bench/alternateRounds';

export type BrowserBenchRequest = Omit<Extract<DiagnosticsRequest, { type: 'bench' }>, 'id' | 'type'>;
export type BrowserBenchAnswer = Extract<DiagnosticsResponse, { type: 'bench' }>;
export type BrowserInterleavedRequest = Omit<Extract<DiagnosticsRequest, { type: 'benchInterleaved' }>, 'id' | 'type'>;
export type BrowserInterleavedAnswer = Extract<DiagnosticsResponse, { type: 'benchInterleaved' }>;

/** A step variant run in a worker of its own: which wasm BatchMatMul, and how many threads (unset: the default). */
export type WorkerVariant = Pick<BrowserBenchRequest, 'backend' | 'wasmMatMul' | 'wasmThreads'>;
export interface BrowserWorkersRequest {
  model: BrowserBenchRequest['model'];
  batchSize: number;
  variants: { label: string; variant: WorkerVariant }[];
  rounds: number;
}
export interface BrowserWorkersAnswer {
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  /** Each variant's `last`: the threads and the BatchMatMul its last worker ran on (wasm), and the backend's note. */
  result: AlternatedRounds<WorkerVariant>;
}

declare global {
  interface Window {
    __studioBench?: (request: BrowserBenchRequest) => Promise<BrowserBenchAnswer>;
    __studioBenchInterleaved?: (request: BrowserInterleavedRequest) => Promise<BrowserInterleavedAnswer>;
    __studioBenchWorkers?: (request: BrowserWorkersRequest) => Promise<BrowserWorkersAnswer>;
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
  window.__studioBenchInterleaved = (request) =>
    runDiagnostics<'benchInterleaved'>({ type: 'benchInterleaved', ...request }, progress);
  window.__studioBenchWorkers = async ({ model, batchSize, variants, rounds }) => {
    const result = await alternateRounds(
      variants,
      rounds,
      async (variant) => {
        const { choice, result: step } = await runDiagnostics<'bench'>({
          type: 'bench',
          ...variant,
          model,
          batchSize,
          warmupSteps: 1,
          runs: 1,
          stepsPerRun: 1,
          profile: false,
        });
        return {
          msPerStep: step.msPerStep,
          detail: {
            threads: choice.wasmThreads?.count ?? null,
            wasmMatMul: step.wasmMatMul,
            note: choice.wasmThreads?.note ?? choice.reason,
            lastLoss: step.lastLoss,
          },
        };
      },
      progress,
    );
    return {
      crossOriginIsolated: self.crossOriginIsolated === true,
      hardwareConcurrency: navigator.hardwareConcurrency,
      result,
    };
  };
}
