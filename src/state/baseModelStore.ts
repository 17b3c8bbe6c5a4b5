import { create } from 'zustand';
import { baseModelRef, type ModelRef } from '../core/runs/settings';
import { isModelFile } from './modelScoring';

/** The model the studio fine-tunes by default: made by `npm run make:base`, served from `public/models/base/`. */
export const BASE_MODEL: ModelRef & { kind: 'base' } = baseModelRef(import.meta.env.BASE_URL);

export type BaseModelStatus = 'unknown' | 'checking' | 'available' | 'missing';

interface BaseModelState {
  status: BaseModelStatus;
  /** Asks the server once whether the base model is there; later calls reuse the answer. */
  check(): Promise<BaseModelStatus>;
}

let pending: Promise<BaseModelStatus> | undefined;

/** Whether the shipped base model can be fetched: one HEAD request for the whole page. */
export const useBaseModelStore = create<BaseModelState>((set) => ({
  status: 'unknown',
  check() {
    pending ??= (async () => {
      set({ status: 'checking' });
      const status: BaseModelStatus = await fetch(BASE_MODEL.url, { method: 'HEAD' }).then(
        (r) => (isModelFile(r.ok, r.headers.get('content-type')) ? 'available' : 'missing'),
        () => 'missing',
      );
      set({ status });
      return status;
    })();
    return pending;
  },
}));
