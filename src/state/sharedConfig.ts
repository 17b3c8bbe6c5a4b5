import type { SharedConfig } from '../core/runs/shareConfig';
import { usePhasesStore } from './phasesStore';
import { useTrainStore } from './trainStore';

/**
 * A configuration from a file or a link, applied to both stores it touches: the training settings, and the phase
 * settings when a dataset is loaded (the scorer stays the one the dataset has).
 */
export function applySharedConfig(config: SharedConfig): void {
  useTrainStore.getState().replaceSettings(config.train);
  if (config.phases && usePhasesStore.getState().settings) {
    const { scorerId: _ignored, ...phases } = config.phases;
    usePhasesStore.getState().update(phases);
  }
}
