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
): Promise<Answer<T>> {
  const id = nextId++;
  const worker = new Worker(new URL('./diagnosticsWorker.ts', import.meta.url), {
    type: 'module',
    name: 'diagnostics',
  });
  return new Promise<Answer<T>>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<DiagnosticsResponse>) => {
      const message = event.data;
      if (message.id !== id) return;
      if (message.type === 'progress') {
        onProgress?.(message.message);
        return;
      }
      worker.terminate();
      if (message.type === 'error') reject(new Error(message.message));
      else if (message.type === request.type) resolve(message as Answer<T>);
      else reject(new Error(`The diagnostics worker answered a ${request.type} request with "${message.type}".`));
    };
    worker.onerror = (event) => {
      worker.terminate();
      reject(new Error(`The diagnostics worker crashed: ${event.message || 'unknown error'}`));
    };
    worker.postMessage({ ...request, id } as DiagnosticsRequest);
  });
}

/** Checks `backend` against cpu with one training step of the micro model (batch 4). */
export function checkAgainstCpu(
  backend: Ask<'agreement'>['backend'],
  onProgress?: (message: string) => void,
): Promise<Answer<'agreement'>> {
  return runDiagnostics<'agreement'>({ type: 'agreement', backend, preset: 'micro', batchSize: 4 }, onProgress);
}

/** Times a training step, a forward pass and a generated token on `backend` at a run's shape (a few seconds). */
export function measureRunSpeed(
  ask: Omit<Ask<'speed'>, 'type'>,
  onProgress?: (message: string) => void,
): Promise<Answer<'speed'>> {
  return runDiagnostics<'speed'>({ type: 'speed', ...ask }, onProgress);
}
