import type { DiagnosticsRequest, DiagnosticsResponse } from './diagnosticsProtocol';

export type { DiagnosticsRequest, DiagnosticsResponse } from './diagnosticsProtocol';

type Answer<T extends DiagnosticsRequest['type']> = Extract<DiagnosticsResponse, { type: T }>;
/** A request without its id (the client numbers them). */
type Ask<T extends DiagnosticsRequest['type']> = Omit<Extract<DiagnosticsRequest, { type: T }>, 'id'>;

let nextId = 1;

/**
 * Runs one diagnostics request in a fresh worker and tears the worker down when it answers, so the GPU device and
 * memory it took are given back at once and never shared with the training worker.
 */
export function runDiagnostics<T extends DiagnosticsRequest['type']>(
  request: Ask<T>,
  onProgress?: (message: string) => void,
  options: { timeoutMs?: number } = {},
): Promise<Answer<T>> {
  const id = nextId++;
  const worker = new Worker(new URL('./diagnosticsWorker.ts', import.meta.url), {
    type: 'module',
    name: 'diagnostics',
  });
  return new Promise<Answer<T>>((resolve, reject) => {
    let last = 'starting';
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            worker.terminate();
            reject(new DiagnosticsTimeout(options.timeoutMs!, last));
          }, options.timeoutMs);
    worker.onmessage = (event: MessageEvent<DiagnosticsResponse>) => {
      const message = event.data;
      if (message.id !== id) return;
      if (message.type === 'progress') {
        last = message.message;
        onProgress?.(message.message);
        return;
      }
      clearTimeout(timer);
      worker.terminate();
      if (message.type === 'error') reject(new Error(message.message));
      else if (message.type === request.type) resolve(message as Answer<T>);
      else reject(new Error(`The diagnostics worker answered a ${request.type} request with "${message.type}".`));
    };
    worker.onerror = (event) => {
      clearTimeout(timer);
      worker.terminate();
      reject(new Error(`The diagnostics worker crashed: ${event.message || 'unknown error'}`));
    };
    worker.postMessage({ ...request, id } as DiagnosticsRequest);
  });
}

/** A diagnostics run stopped for taking too long; `reached` is the last thing it said it was doing. */
export class DiagnosticsTimeout extends Error {
  constructor(
    readonly afterMs: number,
    readonly reached: string,
  ) {
    super(`stopped after ${Math.round(afterMs / 1000)} s without a result (it was ${reached.replace(/…$/, '')})`);
    this.name = 'DiagnosticsTimeout';
  }
}

/** Checks `backend` against cpu with one training step of the micro model (batch 4). */
export function checkAgainstCpu(
  backend: Ask<'agreement'>['backend'],
  onProgress?: (message: string) => void,
): Promise<Answer<'agreement'>> {
  return runDiagnostics<'agreement'>({ type: 'agreement', backend, preset: 'micro', batchSize: 4 }, onProgress);
}

/** The longest "Size for this machine" waits: wasm measures in ~15 s here, a software WebGPU adapter can take hours. */
export const SPEED_PROBE_TIMEOUT_MS = 90_000;

/** Times a training step, a forward pass and a generated token on `backend` at a run's shape (a few seconds). */
export function measureRunSpeed(
  ask: Omit<Ask<'speed'>, 'type'>,
  onProgress?: (message: string) => void,
  timeoutMs = SPEED_PROBE_TIMEOUT_MS,
): Promise<Answer<'speed'>> {
  return runDiagnostics<'speed'>({ type: 'speed', ...ask }, onProgress, { timeoutMs });
}
