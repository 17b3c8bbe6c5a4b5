import type { InstructionRecord } from '../core/data/record';
import type { GptConfig } from '../core/model/config';
import type { RunConfig } from '../core/train/runConfig';
import type { RunEvent } from '../core/train/events';
import type { ModelSource } from '../core/train/modelSource';
import type { HeldOutRecord } from '../core/eval/heldOutLoss';
import type { RunSummary } from '../core/train/runSummary';
import type { BackendChoice } from '../core/runs/backendChoice';
import type { ExactMatchOutcome } from '../core/runs/run';
import type { BackendPreference } from '../core/runs/settings';
import type { SampleSnapshot } from '../core/eval/samples';

/** Where a run's starting weights come from (defined beside the code that loads them). */
export type { ModelSource };

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
  | {
      type: 'finished';
      runId: string;
      summary: Omit<RunSummary, 'losses'>;
      memory: { numTensors: number; numBytes: number };
    }
  | { type: 'failed'; runId: string; message: string };
