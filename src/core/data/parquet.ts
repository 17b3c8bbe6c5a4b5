import { parquetMetadata, parquetReadObjects, parquetSchema, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { guessMapping, mappedRowReader, resolveMapping, type ColumnMapping } from './columns';
import type { RecordShape } from './formats';
import type { ProgressTicker } from './progress';
import { READERS } from './readers';
import { DatasetError } from './record';
import type { RecordCollector, RowReader } from './validate';

export interface ParquetColumns {
  columns: string[];
  guessed: Partial<ColumnMapping>;
  /** Set when the columns are those of a conversation or PhasedSFT file, which are read by shape, not mapping. */
  shape?: RecordShape;
  rows: number;
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer)
    return bytes.buffer;
  return bytes.slice().buffer;
}

function readMetadata(buffer: ArrayBuffer, fileName: string): FileMetaData {
  try {
    return parquetMetadata(buffer);
  } catch (error) {
    throw new DatasetError(
      `Could not read the Parquet footer of "${fileName}": ${(error as Error).message}.`,
      'The file may be cut short or damaged; fetch it again, or convert it to JSONL.',
    );
  }
}

function topLevelColumns(metadata: FileMetaData): string[] {
  return parquetSchema(metadata).children.map((child) => child.element.name);
}

/** Feedback, conversation and PhasedSFT tables are read by their shape; everything else through a column mapping. */
function shapeOfColumns(columns: string[]): RecordShape | undefined {
  if (columns.includes('chosen') && columns.includes('rejected')) return 'preference';
  if (
    columns.includes('label') &&
    (columns.includes('messages') || columns.includes('conversations') || columns.includes('completion'))
  )
    return 'kto';
  if (columns.includes('conversations')) return 'sharegpt';
  if (columns.includes('messages')) return 'openai-messages';
  if (
    columns.includes('data') &&
    (columns.includes('score') || columns.includes('id')) &&
    !columns.includes('instruction')
  )
    return 'phasedsft';
  if (columns.includes('prompt') && columns.includes('completion')) return 'prompt-completion';
  return undefined;
}

/** The columns of a Parquet file and the mapping guessed from their names, for the UI to show and change. */
export function listParquetColumns(bytes: Uint8Array, fileName: string): ParquetColumns {
  const metadata = readMetadata(toArrayBuffer(bytes), fileName);
  const columns = topLevelColumns(metadata);
  const shape = shapeOfColumns(columns);
  const result: ParquetColumns = { columns, guessed: guessMapping(columns), rows: Number(metadata.num_rows) };
  if (shape) result.shape = shape;
  return result;
}

/**
 * Read a Parquet file row group by row group (progress after each). Strings arrive decoded, INT64 as BigInt (ids
 * become strings, scores numbers). A user's mapping always wins over the shape guess.
 */
export async function readParquet(
  bytes: Uint8Array,
  fileName: string,
  chosen: Partial<ColumnMapping> | undefined,
  collector: RecordCollector,
  progress: ProgressTicker,
): Promise<{ shape?: RecordShape; columns?: { names: string[]; mapping: ColumnMapping } }> {
  const file = toArrayBuffer(bytes);
  const metadata = readMetadata(file, fileName);
  const names = topLevelColumns(metadata);
  const shape = chosen ? undefined : shapeOfColumns(names);
  let read: RowReader;
  let mapping: ColumnMapping | undefined;
  if (shape) read = READERS[shape];
  else {
    mapping = resolveMapping(names, fileName, chosen);
    read = mappedRowReader(mapping);
  }
  const total = Number(metadata.num_rows);
  const inGroups = metadata.row_groups.reduce((sum, group) => sum + Number(group.num_rows), 0);
  if (inGroups !== total) {
    throw new DatasetError(
      `The Parquet footer of "${fileName}" contradicts itself: it counts ${total} rows, but its row groups hold ${inGroups}.`,
      'The file is damaged or was written by a faulty tool; write it again, or convert it to JSONL.',
    );
  }
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file, metadata, rowStart, rowEnd, compressors });
    } catch (error) {
      throw readFailure(fileName, error as Error);
    }
    // The footer's counts are the file's word, not a fact. Rows it promises that no page holds come back from
    // hyparquet as rows whose every column is undefined (a real row of nulls holds nulls).
    const held = rows.filter((row) => Object.values(row).some((value) => value !== undefined)).length;
    if (rows.length !== rowEnd - rowStart || held !== rows.length) {
      throw new DatasetError(
        `"${fileName}" is damaged: its footer promises rows ${rowStart}–${rowEnd - 1} in a row group, but the pages hold ${held} row${held === 1 ? '' : 's'}.`,
        'Fetch or write the file again, or convert it to JSONL.',
      );
    }
    for (const [k, row] of rows.entries()) collector.add(rowStart + k, undefined, row, read, row);
    rowStart = rowEnd;
    progress.update(total > 0 ? rowStart / total : 1, collector.records.length);
  }
  const result: { shape?: RecordShape; columns?: { names: string[]; mapping: ColumnMapping } } = {};
  if (shape) result.shape = shape;
  if (mapping) result.columns = { names, mapping };
  return result;
}

function readFailure(fileName: string, error: Error): DatasetError {
  const codec = /unsupported compression codec: (\w+)/.exec(error.message);
  if (codec) {
    return new DatasetError(
      `"${fileName}" is compressed with ${codec[1]}, which the studio cannot unpack (it reads uncompressed, Snappy, GZIP, Brotli, ZSTD, LZ4 and LZ4_RAW Parquet).`,
      "Re-save it with one of those, e.g. pandas: df.to_parquet(path, compression='zstd'), or convert it to JSONL.",
    );
  }
  return new DatasetError(
    `Could not read the rows of "${fileName}": ${error.message}.`,
    'The file may be damaged or use a Parquet feature this reader lacks; convert it to JSONL or CSV.',
  );
}
