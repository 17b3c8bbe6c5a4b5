import Papa from 'papaparse';
import { guessMapping, mappedRowReader, resolveMapping, type ColumnMapping } from './columns';
import type { ProgressTicker } from './progress';
import { DatasetError } from './record';
import { sniffText } from './sniff';
import type { RecordCollector } from './validate';

/** Which CSV/TSV column feeds which record field (the same mapping serves Parquet). */
export type CsvMapping = ColumnMapping;

export interface CsvRow {
  fields: string[];
  /** 1-based line where the row starts. */
  line: number;
  /** How many lines the row spans (quoted fields may hold newlines). */
  lineCount: number;
  /** Papaparse's complaint about this row, if any. */
  error?: string;
}

export interface CsvTable {
  columns: string[];
  delimiter: string;
  rows: CsvRow[];
}

const NEWLINES = /\r\n|\r|\n/g;

function countNewlines(text: string): number {
  if (text.indexOf('\n') < 0 && text.indexOf('\r') < 0) return 0;
  return text.match(NEWLINES)?.length ?? 0;
}

/** Split CSV/TSV text into a header and rows, keeping each row's line so rejections can name it. */
export function parseDelimited(text: string, delimiter: string, fileName: string): CsvTable {
  const result = Papa.parse<string[]>(text, { delimiter, header: false, skipEmptyLines: false, quoteChar: '"' });
  const errors = new Map<number, string>();
  for (const error of result.errors) {
    if (error.row !== undefined && error.row !== null && !errors.has(error.row))
      errors.set(error.row, `${error.message} (${error.code})`);
  }
  const data = result.data;
  let line = 1;
  let headerAt = -1;
  const rows: CsvRow[] = [];
  let columns: string[] = [];
  for (const [r, fields] of data.entries()) {
    let newlines = 0;
    for (const field of fields) newlines += countNewlines(field);
    const lineCount = newlines + 1;
    const blank = fields.length === 1 && fields[0]!.trim() === '';
    if (!blank) {
      if (headerAt < 0) {
        headerAt = r;
        columns = headerNames(fields);
      } else {
        const row: CsvRow = { fields, line, lineCount };
        const error = errors.get(r);
        if (error) row.error = error;
        rows.push(row);
      }
    }
    line += lineCount;
  }
  if (headerAt < 0) throw new DatasetError(`"${fileName}" has no header row.`, 'The first line must name the columns.');
  return { columns, delimiter, rows };
}

/** Header cells, trimmed; blank ones become "column N" and repeated ones get a suffix, so each name is unique. */
function headerNames(cells: string[]): string[] {
  const seen = new Map<string, number>();
  return cells.map((cell, i) => {
    let name = cell.trim() || `column ${i + 1}`;
    const n = seen.get(name) ?? 0;
    seen.set(name, n + 1);
    if (n > 0) name = `${name} (${n + 1})`;
    return name;
  });
}

/** The columns of a CSV/TSV file and the mapping guessed from their names, for the UI to show and change. */
export function listCsvColumns(
  text: string,
  fileName: string,
  delimiter?: string,
): { columns: string[]; delimiter: string; guessed: Partial<CsvMapping> } {
  const sep = delimiter ?? sniffText(text, fileName).delimiter ?? ',';
  // The header row only (papaparse stops after `preview` rows, quoted newlines included).
  const result = Papa.parse<string[]>(text, { delimiter: sep, header: false, preview: 1 });
  const columns = headerNames(result.data[0] ?? []);
  return { columns, delimiter: sep, guessed: guessMapping(columns) };
}

/** Read CSV/TSV rows into records through `mapping` (guessed from the header when not given). */
export function readCsv(
  text: string,
  delimiter: string,
  fileName: string,
  chosen: Partial<CsvMapping> | undefined,
  collector: RecordCollector,
  progress: ProgressTicker,
): { names: string[]; mapping: CsvMapping } {
  const table = parseDelimited(text, delimiter, fileName);
  const mapping = resolveMapping(table.columns, fileName, chosen);
  const read = mappedRowReader(mapping);
  const { columns, rows } = table;
  const n = rows.length;
  collector.excerptOf = (fields) => (fields as string[]).join(delimiter === '\t' ? ' | ' : delimiter);
  for (const [i, { fields, line, lineCount, error }] of rows.entries()) {
    const span = lineCount > 1 ? ` (the row spans lines ${line}–${line + lineCount - 1})` : '';
    if (error) {
      collector.reject({ line, index: i }, `malformed CSV: ${error}${span}`, fields);
    } else if (fields.length !== columns.length) {
      collector.reject(
        { line, index: i },
        `wrong number of fields: ${fields.length} where the header has ${columns.length}${span} — an unquoted ` +
          `${delimiter === '\t' ? 'tab' : `"${delimiter}"`} or quote inside a field?`,
        fields,
      );
    } else {
      // No prototype: a column named "__proto__" or "constructor" is a column like any other.
      const row = Object.create(null) as Record<string, unknown>;
      for (const [c, column] of columns.entries()) {
        const field = fields[c]!; // as many fields as columns, checked above
        // A byte-order mark inside a field (files concatenated after export) is invisible and never meant as text.
        if (field.includes('\uFEFF')) {
          row[column] = field.replaceAll('\uFEFF', '');
          collector.tally('held a byte-order mark (U+FEFF) inside a field; removed');
        } else {
          row[column] = field;
        }
      }
      collector.add(i, line, row, read, fields);
    }
    progress.update((i + 1) / n, collector.records.length);
  }
  return { names: columns, mapping };
}
