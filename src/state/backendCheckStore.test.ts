import { beforeEach, describe, expect, it, vi } from 'vitest';

const diagnostics = vi.hoisted(() => ({
  answer: undefined as unknown,
  error: undefined as Error | undefined,
  progress: [] as string[],
}));
vi.mock('../worker/diagnosticsClient', () => ({
  checkAgainstCpu: async (_backend: string, onProgress: (m: string) => void) => {
    for (const p of diagnostics.progress) onProgress(p);
    if (diagnostics.error) throw diagnostics.error;
    return diagnostics.answer;
  },
}));

const { useBackendCheckStore } = await import('./backendCheckStore');

beforeEach(() => {
  useBackendCheckStore.setState({ check: { status: 'idle' } });
  diagnostics.error = undefined;
  diagnostics.progress = [];
});

describe('backend check store', () => {
  it('reports progress, then the answer', async () => {
    const seen: string[] = [];
    const unsubscribe = useBackendCheckStore.subscribe(
      (s) => s.check.status === 'running' && seen.push(s.check.progress),
    );
    diagnostics.progress = ['cpu step…', 'webgl step…'];
    diagnostics.answer = { type: 'agreement', id: 1 };
    await useBackendCheckStore.getState().run('webgl');
    unsubscribe();
    expect(seen).toEqual(['starting…', 'cpu step…', 'webgl step…']);
    expect(useBackendCheckStore.getState().check).toEqual({ status: 'done', answer: diagnostics.answer });
  });

  it('says why the check could not run', async () => {
    diagnostics.error = new Error('The diagnostics worker crashed: out of memory');
    await useBackendCheckStore.getState().run('webgpu');
    expect(useBackendCheckStore.getState().check).toEqual({
      status: 'error',
      message: 'The diagnostics worker crashed: out of memory',
    });
  });
});
