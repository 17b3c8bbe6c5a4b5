import type { ScoreSet } from './scoreSet';
import type { DatasetFormat, InstructionRecord, ValidationReport } from './record';

/** A loaded dataset as the studio holds it, and what survives a reload: the records and every score computed for them. */
export interface StoredDataset {
  fileName: string;
  byteSize: number;
  /** Hash of the file's bytes (absent for datasets saved by older versions). */
  contentHash?: string;
  format: DatasetFormat;
  formatLabel: string;
  loadedAt: number;
  records: InstructionRecord[];
  report: ValidationReport;
  scoreSets: ScoreSet[];
}
