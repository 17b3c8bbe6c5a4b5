import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import type { ValidationReport } from './record';
import { reportToCsv, reportToJson, reportToText } from './report';

const report: ValidationReport = {
  accepted: 3,
  rejected: [
    { line: 2, index: 1, reason: 'malformed JSON: Unexpected token', excerpt: '{"a": "b, "c"' },
    { index: 5, reason: 'missing output: no `output` field', excerpt: '=HYPERLINK("x")' },
  ],
  warnings: [{ line: 7, index: 6, message: 'score 9 (`score`) is outside the 1–5 scale; kept as it is' }],
  notes: ['2 rows: score `score` had whitespace around the number, trimmed'],
};

describe('report downloads', () => {
  it('CSV round-trips through a CSV parser, with formulas defused', () => {
    const rows = Papa.parse<string[]>(reportToCsv(report).trim(), { header: false }).data;
    expect(rows).toEqual([
      ['kind', 'line', 'index', 'message', 'excerpt'],
      ['rejected', '2', '1', 'malformed JSON: Unexpected token', '{"a": "b, "c"'],
      ['rejected', '', '5', 'missing output: no `output` field', `'=HYPERLINK("x")`],
      ['warning', '7', '6', 'score 9 (`score`) is outside the 1–5 scale; kept as it is', ''],
      ['note', '', '', '2 rows: score `score` had whitespace around the number, trimmed', ''],
    ]);
  });

  it('JSON is the report itself; text names each row', () => {
    expect(JSON.parse(reportToJson(report))).toEqual(report);
    const text = reportToText(report, { fileName: 'a.jsonl', formatLabel: 'Alpaca JSONL' });
    expect(text).toContain('File: a.jsonl (Alpaca JSONL)\nAccepted: 3\nRejected: 2\nWarnings: 1\n');
    expect(text).toContain('  line 2: malformed JSON: Unexpected token  [{"a": "b, "c"]');
    expect(text).toContain('  record 6: missing output'); // index 5: the sixth record
    expect(text).toContain('  line 7: score 9');
  });
});
