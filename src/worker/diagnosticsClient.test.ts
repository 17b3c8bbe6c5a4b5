import { afterEach, describe, expect, it, vi } from 'vitest';
import { DiagnosticsTimeout, runDiagnostics } from './diagnosticsClient';

/** A worker that reports progress once and then never answers, as a speed probe on a software adapter. */
class SilentWorker {
  static last: SilentWorker | undefined;
  onmessage: ((e: MessageEvent) => void) | null = null;
  onerror: ((e: ErrorEvent) => void) | null = null;
  terminated = false;
  constructor() {
    SilentWorker.last = this;
  }
  postMessage(request: { id: number }) {
    setTimeout(
      () =>
        this.onmessage?.({
          data: { type: 'progress', id: request.id, message: 'webgpu: timing a training step…' },
        } as MessageEvent),
      1,
    );
  }
  terminate() {
    this.terminated = true;
  }
}

describe('runDiagnostics', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('gives up after its time limit, ends the worker and says what it was doing', async () => {
    vi.stubGlobal('Worker', SilentWorker);
    const progress: string[] = [];
    const answer = runDiagnostics({ type: 'speed' } as never, (m) => progress.push(m), { timeoutMs: 1000 });
    const error = await answer.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiagnosticsTimeout);
    expect((error as Error).message).toBe('stopped after 1 s without a result (it was webgpu: timing a training step)');
    expect(progress).toEqual(['webgpu: timing a training step…']);
    expect(SilentWorker.last!.terminated).toBe(true);
  });
});
