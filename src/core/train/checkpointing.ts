import * as tf from '@tensorflow/tfjs-core';
import { saveCheckpointAsync } from '../model/checkpoint';
import type { GptConfig } from '../model/config';
import type { GptParams } from '../model/gpt';
import type { Tokenizer } from '../tokenizer/tokenizer';
import type { CheckpointReason } from './events';
import type { RunCursor } from './runCursor';
import type { AdamW } from './optimizer';

export interface SavedCheckpoint {
  bytes: Uint8Array;
  cursor: RunCursor;
  reason: CheckpointReason;
}

/**
 * A run's checkpoint bytes: the weights, the AdamW moments and the cursor a resume starts from. `phase` is the stage
 * the checkpoint belongs to (a phase-end cursor already points at the next one). One GPU → CPU read.
 */
export async function runCheckpointBytes(
  run: { model: { config: GptConfig; params: GptParams }; tokenizer: Tokenizer; opt: AdamW; armLabel: string },
  reason: CheckpointReason,
  phase: number,
  cursor: RunCursor,
): Promise<Uint8Array> {
  const optimizerState = run.opt.stateTensors();
  try {
    return await saveCheckpointAsync({
      config: run.model.config,
      tokenizer: run.tokenizer,
      params: run.model.params,
      optimizerState,
      cursor,
      extraMeta: { reason, arm: run.armLabel, phase: String(phase + 1), globalStep: String(cursor.globalStep) },
    });
  } finally {
    tf.dispose(Object.values(optimizerState));
  }
}
