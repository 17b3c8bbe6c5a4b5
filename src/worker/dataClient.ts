import type { InstructionRecord } from '../core/data/record';
import type { DataRequest, DataResponse } from './dataProtocol';

type Done = Extract<DataResponse, { type: 'done' }>;
export type ParsedInWorker = Omit<Done, 'id' | 'type'> & { records: InstructionRecord[] };
export type WorkerProgress = Extract<DataResponse, { type: 'progress' }>;

/** Thrown when the worker could not read the file; `hint` says what the user can do. */
export class WorkerParseError extends Error {
  constructor(
    message: string,
    readonly hint: string,
    readonly cancelled = false,
  ) {
    super(message);
    this.name = 'WorkerParseError';
  }
}

/** The page's handle on the data worker: parsing and scoring happen there, never on the main thread. */
export class DataClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private cancelCurrent: (() => void) | undefined;

  /** Stops the parse in flight (the worker is torn down; the next parse starts a fresh one). */
  cancel(): void {
    this.cancelCurrent?.();
  }

  private getWorker(): Worker {
    this.worker ??= new Worker(new URL('./dataWorker.ts', import.meta.url), { type: 'module', name: 'data' });
    return this.worker;
  }

  parse(
    file: { bytes: ArrayBuffer; fileName: string },
    options: Pick<DataRequest, 'csvMapping'> & { onProgress?: (p: WorkerProgress) => void } = {},
  ): Promise<ParsedInWorker> {
    const worker = this.getWorker();
    const id = this.nextId++;
    const records: InstructionRecord[] = [];
    return new Promise((resolve, reject) => {
      const onMessage = (event: MessageEvent<DataResponse>) => {
        const message = event.data;
        if (message.id !== id) return;
        if (message.type === 'progress') options.onProgress?.(message);
        else if (message.type === 'records') {
          for (const record of message.records) records.push(record);
        } else {
          worker.removeEventListener('message', onMessage);
          worker.removeEventListener('error', onError);
          this.cancelCurrent = undefined;
          if (message.type === 'error') reject(new WorkerParseError(message.message, message.hint));
          else {
            const { id: _id, type: _type, ...rest } = message;
            resolve({ ...rest, records });
          }
        }
      };
      const stop = (error: WorkerParseError) => {
        worker.removeEventListener('message', onMessage);
        worker.removeEventListener('error', onError);
        this.cancelCurrent = undefined;
        worker.terminate();
        if (this.worker === worker) this.worker = undefined;
        reject(error);
      };
      const onError = (event: ErrorEvent) =>
        stop(new WorkerParseError(`The data worker crashed: ${event.message}`, 'Reload the page and try again.'));
      this.cancelCurrent = () => stop(new WorkerParseError('Loading cancelled.', '', true));
      worker.addEventListener('message', onMessage);
      worker.addEventListener('error', onError);
      const request: DataRequest = {
        id,
        type: 'parse',
        bytes: file.bytes,
        fileName: file.fileName,
        csvMapping: options.csvMapping,
      };
      worker.postMessage(request, [file.bytes]);
    });
  }
}

export const dataClient = new DataClient();
