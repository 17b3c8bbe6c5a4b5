import type { DatasetFormat, InstructionRecord, ValidationReport } from '../core/data/record';
import type { CsvMapping } from '../core/data/csv';
import type { ScoreSet } from '../core/data/scoreSet';

/** Messages between the page and the data worker. Records travel in chunks so no single message blocks the page. */
export type DataRequest = {
  id: number;
  type: 'parse';
  bytes: ArrayBuffer;
  fileName: string;
  csvMapping?: CsvMapping;
};

export type DataResponse =
  | { id: number; type: 'progress'; stage: 'reading' | 'scoring'; fraction: number; records: number }
  | { id: number; type: 'records'; records: InstructionRecord[] }
  | {
      id: number;
      type: 'done';
      /** Hash of the file's bytes: what a run records so it can be reproduced (and resumed) on the same data. */
      contentHash: string;
      format: DatasetFormat;
      formatLabel: string;
      report: ValidationReport;
      scoreSets: ScoreSet[];
      /** For CSV/TSV/Parquet: the columns found and the mapping used, so the user can change it. */
      columns?: { names: string[]; mapping: CsvMapping };
    }
  | { id: number; type: 'error'; message: string; hint: string };

export const RECORD_CHUNK = 4000;
