import type { TrainRequest, TrainResponse } from './trainProtocol';

/**
 * The page's handle on the training worker. One worker per run: a finished or failed run's worker is torn down,
 * so GPU memory is returned to the browser between runs.
 */
export class TrainClient {
  private worker: Worker | undefined;

  start(request: Extract<TrainRequest, { type: 'start' }>, onMessage: (message: TrainResponse) => void): void {
    this.terminate();
    const worker = new Worker(new URL('./trainWorker.ts', import.meta.url), { type: 'module', name: 'train' });
    this.worker = worker;
    worker.onmessage = (event: MessageEvent<TrainResponse>) => {
      onMessage(event.data);
      if (event.data.type === 'finished' || event.data.type === 'failed') this.terminate(worker);
    };
    worker.onerror = (event) => {
      // A worker that fails to load (e.g. the studio was updated while this tab stayed open) reports no message.
      const why =
        event.message ||
        'it could not start, or stopped without a word from the browser; if the studio was updated, reload the page';
      onMessage({ type: 'failed', runId: request.runId, message: `The training worker crashed: ${why}.` });
      this.terminate(worker);
    };
    const transfer = request.model.kind === 'checkpoint' ? [request.model.bytes] : [];
    worker.postMessage(request, transfer);
  }

  send(request: Exclude<TrainRequest, { type: 'start' }>): void {
    this.worker?.postMessage(request);
  }

  private terminate(which = this.worker): void {
    which?.terminate();
    if (which === this.worker) this.worker = undefined;
  }
}

export const trainClient = new TrainClient();
