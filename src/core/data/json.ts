import type { ProgressTicker } from './progress';
import { DatasetError } from './record';
import { excerptSource, isBlank, typeName, type RecordCollector, type RowReader } from './validate';

/**
 * A JSON array of records: one `JSON.parse` (the fastest way through a big array), then each element through
 * `read`. A syntax error anywhere fails the whole file, with the line and column where it sits.
 */
export function readJsonArray(text: string, fileName: string, read: RowReader, collector: RecordCollector, progress: ProgressTicker): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw jsonSyntaxError(text, fileName, (error as Error).message);
  }
  // A single pretty-printed object is one record.
  const rows = Array.isArray(value) ? value : [value];
  if (!Array.isArray(value)) collector.note('The file holds a single JSON object; it was read as one record.');
  const n = rows.length;
  for (let index = 0; index < n; index++) {
    const row: unknown = rows[index];
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      collector.reject({ index }, `not an object: the element is ${typeName(row)}`, excerptSource(row));
    } else {
      collector.add(index, undefined, row as Record<string, unknown>, read, row);
    }
    progress.update((index + 1) / n, collector.records.length);
  }
}

/**
 * JSON lines: one record per line, parsed line by line from the text (no array of lines is built). Blank lines are
 * not rows; every other line is accepted or rejected with its 1-based line number.
 */
export function readJsonLines(text: string, read: RowReader, collector: RecordCollector, progress: ProgressTicker): void {
  const n = text.length;
  let pos = 0;
  let lineNumber = 0;
  while (pos < n) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = n;
    lineNumber++;
    const line = text.slice(pos, end);
    pos = end + 1;
    if (isBlank(line)) continue;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (error) {
      collector.reject({ line: lineNumber, index: lineNumber - 1 }, `malformed JSON: ${(error as Error).message}`, line);
      continue;
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      collector.reject({ line: lineNumber, index: lineNumber - 1 }, `not an object: the line holds ${typeName(row)}`, line);
    } else {
      collector.add(lineNumber - 1, lineNumber, row as Record<string, unknown>, read, line);
    }
    progress.update(pos / n, collector.records.length);
  }
}

/** Turn JSON.parse's "… at position N" into a line and column the user can go to. */
export function jsonSyntaxError(text: string, fileName: string, message: string): DatasetError {
  const m = /position (\d+)/.exec(message);
  let where = '';
  if (m) {
    const position = Number(m[1]);
    let line = 1;
    let lineStart = 0;
    for (let i = text.indexOf('\n'); i >= 0 && i < position; i = text.indexOf('\n', i + 1)) {
      line++;
      lineStart = i + 1;
    }
    where = ` at line ${line}, column ${position - lineStart + 1}`;
  }
  return new DatasetError(
    `"${fileName}" is not valid JSON${where}: ${message}`,
    'Fix the file at that spot (a trailing comma, an unescaped quote or a cut-off end are the usual causes), ' +
      'or convert it to JSONL so that one bad record costs only its own line.',
  );
}
