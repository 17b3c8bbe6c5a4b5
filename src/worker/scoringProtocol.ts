import type { InstructionRecord } from '../core/data/record';
import type { ModelScorerId } from '../core/difficulty/ifdEntry';
import type { BackendPreference } from '../core/runs/settings';

export type { ModelScorerId };

/** What the page asks the scoring worker: score every record with a pretrained model it sends as bytes. */
export interface ScoringRequest {
  type: 'score';
  id: number;
  scorer: ModelScorerId;
  /** A studio checkpoint (safetensors with config and tokenizer), e.g. the demo base model. Transferred. */
  modelBytes: ArrayBuffer;
  /** How the model is named in messages ("the demo base model", a file name). */
  modelName: string;
  records: InstructionRecord[];
  backend: BackendPreference;
  batchSize?: number;
}

export interface ModelScoringSummary {
  backend: string;
  backendReason: string;
  /** "3 layers, width 128, context 256, char tokenizer" */
  model: string;
  seconds: number;
  truncated: number;
  batchShapes: [number, number][];
  readbacks: number;
}

export type ScoringResponse =
  | { type: 'status'; id: number; message: string }
  | { type: 'progress'; id: number; fraction: number }
  | {
      type: 'done';
      id: number;
      scorer: ModelScorerId;
      /** 1–5 by rank; NaN = unscored. */
      scores: Float64Array;
      /** IFD, or s(A|Q) for response loss, before the rank mapping. */
      raw: Float64Array;
      problems: { index: number; id: string; message: string }[];
      summary: ModelScoringSummary;
    }
  | { type: 'error'; id: number; message: string };
