/**
 * "Does this backend train the same model as the CPU?": one check at a time, in a diagnostics worker of its own,
 * and what it found. The panel shows this store; it does not talk to the worker.
 */
import { create } from 'zustand';
import type { BackendPreference } from '../core/runs/settings';
import { checkAgainstCpu, type DiagnosticsResponse } from '../worker/diagnosticsClient';

export type AgreementAnswer = Extract<DiagnosticsResponse, { type: 'agreement' }>;

export type BackendCheckState =
  | { status: 'idle' }
  | { status: 'running'; progress: string }
  | { status: 'done'; answer: AgreementAnswer }
  | { status: 'error'; message: string };

interface BackendCheckStore {
  check: BackendCheckState;
  run(backend: BackendPreference): Promise<void>;
}

export const useBackendCheckStore = create<BackendCheckStore>()((set, get) => ({
  check: { status: 'idle' },
  async run(backend) {
    if (get().check.status === 'running') return;
    set({ check: { status: 'running', progress: 'starting…' } });
    try {
      const answer = await checkAgainstCpu(backend, (progress) => set({ check: { status: 'running', progress } }));
      set({ check: { status: 'done', answer } });
    } catch (error) {
      set({ check: { status: 'error', message: error instanceof Error ? error.message : String(error) } });
    }
  },
}));
