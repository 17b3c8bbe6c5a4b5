import type { ScoringRequest, ScoringResponse } from './scoringProtocol';

export type { ModelScorerId, ModelScoringSummary, ScoringRequest, ScoringResponse } from './scoringProtocol';

export type ScoringDone = Extract<ScoringResponse, { type: 'done' }>;

/** A run cancelled by the user (the worker was terminated). */
export class ScoringCancelled extends Error {
  constructor() {
    super('Scoring was cancelled.');
    this.name = 'AbortError';
  }
}

export interface ScoringJob {
  result: Promise<ScoringDone>;
  /** Terminates the worker at once (GPU memory given back); `result` rejects with {@link ScoringCancelled}. */
  cancel(): void;
}

let nextId = 1;

/** Runs one model-based scoring request in a fresh worker, torn down when it answers or is cancelled. */
export function startModelScoring(
  request: Omit<ScoringRequest, 'id' | 'type'>,
  handlers: { onStatus?: (message: string) => void; onProgress?: (fraction: number) => void } = {},
): ScoringJob {
  const id = nextId++;
  const worker = new Worker(new URL('./scoringWorker.ts', import.meta.url), { type: 'module', name: 'scoring' });
  let settle: { reject: (e: Error) => void } | undefined;
  const result = new Promise<ScoringDone>((resolve, reject) => {
    settle = { reject };
    worker.onmessage = (event: MessageEvent<ScoringResponse>) => {
      const message = event.data;
      if (message.id !== id) return;
      if (message.type === 'status') handlers.onStatus?.(message.message);
      else if (message.type === 'progress') handlers.onProgress?.(message.fraction);
      else {
        worker.terminate();
        settle = undefined;
        if (message.type === 'error') reject(new Error(message.message));
        else resolve(message);
      }
    };
    worker.onerror = (event) => {
      worker.terminate();
      settle = undefined;
      reject(new Error(`The scoring worker crashed: ${event.message || 'unknown error'}`));
    };
  });
  worker.postMessage({ ...request, type: 'score', id } satisfies ScoringRequest, [request.modelBytes]);
  return {
    result,
    cancel() {
      if (!settle) return;
      worker.terminate();
      settle.reject(new ScoringCancelled());
      settle = undefined;
    },
  };
}
