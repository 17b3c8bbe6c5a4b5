import type { InstructionRecord } from '../core/data/record';
import type { GptConfig } from '../core/model/config';
import type { RunConfig } from '../core/train/runConfig';
import type { RunEvent } from '../core/train/events';
import type { HeldOutRecord } from '../core/eval/heldOutLoss';
import type { RunSummary } from '../core/train/runSummary';
import type { BackendChoice } from '../core/runs/backendChoice';
import type { ExactMatchOutcome } from '../core/runs/run';
import type { BackendPreference } from '../core/runs/settings';
import type { SampleSnapshot } from '../core/eval/samples';

/** Where a run's starting weights come from. */
export type ModelSource =
  | { kind: 'random'; config: GptConfig; seed: number }
  /** A checkpoint (safetensors bytes written by this studio): resume a run, or start a new one from its weights. */
  | { kind: 'checkpoint'; bytes: ArrayBuffer; resume: boolean; name?: string }
  /**
   * A Hugging Face model folder the user imported (GPT-2 / GPT-Neo): its files by name. `prune` keeps only the
   * tokens the run's data uses; `maxContext` caps the positions used (the rest are kept for export).
   */
  | { kind: 'hf'; files: Record<string, ArrayBuffer>; prune: boolean; name: string; maxContext?: number };

export type TrainRequest =
  | {
      type: 'start';
      runId: string;
      backend: BackendPreference;
      model: ModelSource;
      /** Char tokenizer alphabet source; ignored when the checkpoint carries its tokenizer. */
      tokenizerTexts?: string[];
      config: RunConfig;
      phases: InstructionRecord[][];
      heldOut: HeldOutRecord[];
      maxSteps?: number;
    }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' };

export type TrainResponse =
  | { type: 'backend'; runId: string; choice: BackendChoice }
  | { type: 'model'; runId: string; config: GptConfig; parameters: number; vocabSize: number; notes: string[] }
  | { type: 'event'; runId: string; event: RunEvent }
  | { type: 'samples'; runId: string; snapshot: SampleSnapshot }
  | { type: 'exactMatch'; runId: string; outcome: ExactMatchOutcome }
  | { type: 'finished'; runId: string; summary: Omit<RunSummary, 'losses'>; memory: { numTensors: number; numBytes: number } }
  | { type: 'failed'; runId: string; message: string };
