import type { BackendPreference } from './settings';

/** A backend a run can train on ('auto' resolved). */
export type BackendName = Exclude<BackendPreference, 'auto'>;

/** The WebGPU adapter as the browser describes it, with the two buffer limits training depends on. */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  description: string;
  isFallbackAdapter: boolean;
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
}

/** The backend a worker picked, and why: the worker decides, the page shows it and keeps it with the run. */
export interface BackendChoice {
  name: BackendName;
  /** One sentence: why this backend runs (and why a faster one does not). */
  reason: string;
  adapter?: AdapterSummary;
  /** On wasm: the threads tfjs runs on, and a sentence saying so (and, at 1, why no more). */
  wasmThreads?: { count: number; note: string };
  /** Backends tried before this one, with what stopped each. */
  skipped: { name: BackendName; why: string }[];
}
