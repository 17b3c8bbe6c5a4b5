import { findJsonProblem, lineColumn, quoteUnsafeIntegers, splitConcatenatedValues } from './jsonScan';
import type { ProgressTicker } from './progress';
import { DatasetError } from './record';
import { excerptSource, isBlank, typeName, type RecordCollector, type RowReader } from './validate';
import { unwrapRecords } from './wrappers';

/**
 * A JSON array of records: one `JSON.parse` (the fastest way through a big array), then each element through
 * `read`. A syntax error anywhere fails the whole file, with the line and column where it sits.
 */
export function readJsonArray(
  text: string,
  fileName: string,
  read: RowReader,
  collector: RecordCollector,
  progress: ProgressTicker,
): void {
  let value: unknown;
  try {
    value = JSON.parse(quoteUnsafeIntegers(text));
  } catch (error) {
    throw jsonSyntaxError(text, fileName, (error as Error).message);
  }
  let rows: unknown[];
  if (Array.isArray(value)) {
    rows = value;
  } else {
    const unwrapped = unwrapRecords(value);
    if (unwrapped) collector.note(unwrapped.note);
    else collector.note('The file holds a single JSON object; it was read as one record.');
    rows = unwrapped ? unwrapped.rows : [value];
  }
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
export function readJsonLines(
  text: string,
  read: RowReader,
  collector: RecordCollector,
  progress: ProgressTicker,
): void {
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
    const safe = quoteUnsafeIntegers(line);
    let row: unknown;
    try {
      row = JSON.parse(safe);
    } catch (error) {
      const values = splitConcatenatedValues(safe);
      if (values) {
        collector.tally('held several JSON objects on one line; each was read as its own record');
        for (const value of values) readLineValue(JSON.parse(value), lineNumber, line, read, collector);
      } else {
        collector.reject(
          { line: lineNumber, index: lineNumber - 1 },
          `malformed JSON: ${describeProblem(line, (error as Error).message)}`,
          line,
        );
      }
      continue;
    }
    readLineValue(row, lineNumber, line, read, collector);
    progress.update(pos / n, collector.records.length);
  }
}

function readLineValue(
  row: unknown,
  lineNumber: number,
  line: string,
  read: RowReader,
  collector: RecordCollector,
): void {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) {
    collector.reject(
      { line: lineNumber, index: lineNumber - 1 },
      `not an object: the line holds ${typeName(row)}`,
      line,
    );
  } else {
    collector.add(lineNumber - 1, lineNumber, row as Record<string, unknown>, read, line);
  }
}

/**
 * JSON.parse's message where it names a position; otherwise ("Unexpected token …") where and why from our own
 * scan: "column 12: NaN is not JSON (…)".
 */
function describeProblem(text: string, parseMessage: string): string {
  if (/position \d+/.test(parseMessage)) return parseMessage;
  const problem = findJsonProblem(text);
  if (!problem) return parseMessage;
  const { column } = lineColumn(text, problem.offset);
  return `column ${column}: ${problem.reason}`;
}

/**
 * A syntax error in a whole JSON document, with the line and column where it sits. V8 gives a position only for
 * some errors, so the place and the likely cause come from our own scan of the text.
 */
export function jsonSyntaxError(text: string, fileName: string, message: string): DatasetError {
  const problem = findJsonProblem(text);
  let where = '';
  let what = message;
  if (problem) {
    const { line, column } = lineColumn(text, problem.offset);
    where = ` at line ${line}, column ${column}`;
    what = problem.reason;
  }
  return new DatasetError(
    `"${fileName}" is not valid JSON${where}: ${what}`,
    'Fix the file at that spot (a trailing comma, an unescaped quote or a cut-off end are the usual causes), ' +
      'or convert it to JSONL so that one bad record costs only its own line.',
  );
}
