/** One instruction-tuning example, whatever file format it came from. */
export interface InstructionRecord {
  /** Stable id: the file's own id when it has one, else `${index}` of the record in the file (0-based). */
  id: string;
  instruction: string;
  /** Extra context for the instruction (Alpaca `input`, Dolly `context`); '' when absent. */
  input: string;
  output: string;
  /**
   * The exchanges of a conversation before the final one (`instruction` → `output`), oldest first; absent for a
   * single exchange. Each assistant answer is trained on unless `trained: false` (a `loss_weight`/`weight` of 0).
   */
  history?: Exchange[];
  /** A difficulty that came with the file (PhasedSFT `score`, a `difficulty` or `level` column), already parsed. */
  score?: number;
  /** Everything else worth keeping and showing (Dolly `category`, the demo's `task`, …). */
  meta: Record<string, string | number>;
}

/** One earlier exchange of a conversation: the user's side (tool results included) and the assistant's answer. */
export interface Exchange {
  user: string;
  assistant: string;
  /** Present only as `false`: the answer is context, not a training target. */
  trained?: false;
}

/** Where a rejected or suspicious row sits in the file, as a person would look for it. */
export interface RowLocation {
  /** 1-based line for line-oriented formats (JSONL, CSV); undefined for JSON arrays and Parquet. */
  line?: number;
  /** 0-based position of the record in the file (array index, row number, line number − 1 for JSONL). */
  index: number;
}

export interface RejectedRow extends RowLocation {
  reason: string;
  /** A short excerpt of the offending text, so the user recognises the row. */
  excerpt?: string;
}

export interface ValidationReport {
  accepted: number;
  rejected: RejectedRow[];
  /** Problems that did not cost a record (a trimmed score, an unknown extra field, …). */
  warnings: (RowLocation & { message: string })[];
  /** Facts about the whole file rather than one row ("412 scores carried trailing whitespace and were trimmed"). */
  notes?: string[];
}

export type DatasetFormat =
  | 'alpaca-json'
  | 'alpaca-jsonl'
  | 'phasedsft'
  | 'dolly'
  | 'sharegpt'
  | 'openai-messages'
  | 'prompt-completion'
  | 'preference'
  | 'kto'
  | 'csv'
  | 'tsv'
  | 'parquet';

/** Which column of a table (CSV, TSV, Parquet) feeds which field of an `InstructionRecord`. Values are column names. */
export interface ColumnMapping {
  instruction: string;
  input?: string;
  output: string;
  score?: string;
  id?: string;
}

export interface ParsedDataset {
  format: DatasetFormat;
  /** A human label for the format, shown in the UI ("Alpaca JSON array", …). */
  formatLabel: string;
  records: InstructionRecord[];
  report: ValidationReport;
  /** The text encoding the file was read in ('utf-8', 'utf-16le', 'utf-16be'); 'binary' for Parquet. */
  encoding?: string;
  /** For CSV/TSV/Parquet read by columns: the columns found and the mapping used, so the user can change it. */
  columns?: { names: string[]; mapping: ColumnMapping };
}

/** Thrown when a whole file cannot be read (empty, binary, wrong encoding, unknown shape). */
export class DatasetError extends Error {
  constructor(
    message: string,
    /** What the user can do about it. */
    readonly hint: string,
  ) {
    super(message);
    this.name = 'DatasetError';
  }
}

/** Progress of a long parse: fraction in [0, 1] plus records seen so far. */
export type ParseProgress = (fraction: number, recordsSoFar: number) => void;
