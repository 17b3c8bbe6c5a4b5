import type { LoraSettings } from '../model/loraSettings';
import type { RunTemplate } from '../text/runTemplate';
import type { ArmSpec } from './arms';
import type { Hyper } from './hyper';

/**
 * What a run is: everything that fixes its data order, schedule and updates. Reproducible from this + the dataset +
 * the model's initial weights.
 */
export interface RunConfig {
  arm: ArmSpec;
  hyper: Hyper;
  seed: number;
  /** Read the loss back (asynchronously) every this many optimizer steps, and emit a `step` event. */
  logEvery: number;
  /** Held-out evaluation every this many optimizer steps (0 = only at phase ends). */
  evalEvery: number;
  /**
   * How records are written: a prompt template by name, or a chat template (named by the page, read from the model's
   * files by `startingModel` before the runner sees it; see runTemplate.ts).
   */
  template: RunTemplate;
  /** T of every [B, T] batch; at most the model's context length. */
  contextLength: number;
  /**
   * Train LoRA adapters (and the chosen biases / LayerNorms) instead of every weight; the model's params must hold
   * the adapters (`addLoraAdapters`). Absent: full fine-tuning.
   */
  lora?: LoraSettings;
}
