import type { InstructionRecord } from '../core/data/record';
import type { HfModelDescription, HfProblem } from '../core/hf/modelDescription';
import type { RunTemplate } from '../core/text/runTemplate';

/** The parts of a record a run's tokenizer encodes. */
export type RecordText = Pick<InstructionRecord, 'instruction' | 'input' | 'output' | 'history'>;

/** File name → bytes, as dropped or downloaded. */
export type HfFileBytes = Record<string, ArrayBuffer>;

/** Requests to `hfModelWorker`: checking a dropped folder, a pruning count, an export. Each carries an id. */
export type HfModelRequest =
  /** Check a whole folder as a run would load it. The files are transferred and come back in the reply. */
  | { id: number; type: 'inspect'; files: HfFileBytes }
  /**
   * How many token ids vocabulary pruning keeps for these records written in this template (the tokenizer files are
   * enough: tokenizer.json, and tokenizer_config.json / chat_template.jinja for a chat template).
   */
  | { id: number; type: 'pruneCount'; files: HfFileBytes; records: RecordText[]; template: RunTemplate }
  /** A run's checkpoint back into the imported model's Hugging Face layout (merged), or a LoRA run's peft adapter. */
  | {
      id: number;
      type: 'export';
      files: HfFileBytes;
      checkpoint: ArrayBuffer;
      as?: 'merged' | 'peft';
      baseModel?: string;
      /** The folder name inside the zip the export comes back as. */
      folder: string;
    };

export type HfModelResponse =
  | { id: number; type: 'inspected'; description: HfModelDescription; fingerprint: string; files: HfFileBytes }
  | { id: number; type: 'pruneCount'; keptTokens: number; originalTokens: number }
  /** The folder as one zip (`fileName`), and the names of the files in it. */
  | { id: number; type: 'exported'; fileName: string; zip: Uint8Array; names: string[]; notes: string[] }
  /** `files` come back when the request transferred them (an inspect), so the page keeps what it read. */
  | { id: number; type: 'error'; problem: HfProblem; files?: HfFileBytes };
