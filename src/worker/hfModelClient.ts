import type { HfFileBytes, HfModelRequest, HfModelResponse, RecordText } from './hfModelProtocol';
import type { HfModelDescription, HfProblem } from '../core/hf/modelDescription';
import type { RunTemplate } from '../core/text/runTemplate';

type Body<T extends HfModelRequest['type']> = Omit<Extract<HfModelRequest, { type: T }>, 'id'>;

/** A failure the worker reported (or a crash), naming the file at fault when there is one. */
export class HfModelError extends Error {
  constructor(
    readonly problem: HfProblem,
    /** The files of an inspect, handed back so the page keeps what it read. */
    readonly files?: HfFileBytes,
  ) {
    super(problem.message);
    this.name = 'HfModelError';
  }
}

/** The page's handle on `hfModelWorker`: one request at a time is typical, but ids keep replies apart. */
export class HfModelClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (m: HfModelResponse) => void; reject: (e: Error) => void }>();

  private getWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./hfModelWorker.ts', import.meta.url), { type: 'module', name: 'hf-model' });
    worker.onmessage = (event: MessageEvent<HfModelResponse>) => {
      const message = event.data;
      const waiter = this.waiting.get(message.id);
      if (!waiter) return;
      this.waiting.delete(message.id);
      if (message.type === 'error') waiter.reject(new HfModelError(message.problem, message.files));
      else waiter.resolve(message);
    };
    worker.onerror = (event) => {
      // Out of memory on a huge file, most likely: every request in flight fails, the next one starts a fresh worker.
      const error = new HfModelError({
        file: '',
        message: `The model worker crashed (${event.message || 'out of memory?'}).`,
      });
      for (const waiter of this.waiting.values()) waiter.reject(error);
      this.waiting.clear();
      worker.terminate();
      if (this.worker === worker) this.worker = undefined;
    };
    this.worker = worker;
    return worker;
  }

  private call<T extends HfModelRequest['type']>(body: Body<T>, transfer: Transferable[]): Promise<HfModelResponse> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.getWorker().postMessage({ ...body, id } as HfModelRequest, transfer);
    });
  }

  /** Checks a folder; its buffers are transferred and handed back (in the result or in the HfModelError). */
  async inspect(
    files: HfFileBytes,
  ): Promise<{ description: HfModelDescription; fingerprint: string; files: HfFileBytes }> {
    const reply = await this.call<'inspect'>({ type: 'inspect', files }, Object.values(files));
    if (reply.type !== 'inspected') throw new Error(`Unexpected reply ${reply.type}`);
    return reply;
  }

  /** The worker writes the records in the run's template, as a run encodes them, and counts the ids kept. */
  async pruneCount(
    tokenizerFiles: HfFileBytes,
    records: readonly RecordText[],
    template: RunTemplate = 'paper',
  ): Promise<{ keptTokens: number; originalTokens: number }> {
    const texts = records.map(({ instruction, input, output, history }) =>
      history ? { instruction, input, output, history } : { instruction, input, output },
    );
    const reply = await this.call<'pruneCount'>(
      { type: 'pruneCount', files: tokenizerFiles, records: texts, template },
      [],
    );
    if (reply.type !== 'pruneCount') throw new Error(`Unexpected reply ${reply.type}`);
    return reply;
  }

  /** The files are copied (they stay stored); the checkpoint bytes are copied too. */
  async exportRun(
    files: HfFileBytes,
    checkpoint: Uint8Array,
    as: 'merged' | 'peft',
    folder: string,
    baseModel?: string,
  ): Promise<ExportedFolder> {
    const bytes = checkpoint.slice().buffer;
    const reply = await this.call<'export'>(
      { type: 'export', files, checkpoint: bytes, as, folder, ...(baseModel ? { baseModel } : {}) },
      [bytes],
    );
    if (reply.type !== 'exported') throw new Error(`Unexpected reply ${reply.type}`);
    return reply;
  }
}

/** An exported folder as one zip, the names of its files and what the export noted. */
export interface ExportedFolder {
  fileName: string;
  zip: Uint8Array;
  names: string[];
  notes: string[];
}

export const hfModelClient = new HfModelClient();
