import type { ValidationReport } from './record';
import { where } from './validate';

/** One CSV cell: quoted when needed; a leading = + - @ is defused so a spreadsheet does not run it as a formula. */
function cell(value: string | number | undefined): string {
  if (value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The whole report as CSV (`kind,line,index,message,excerpt`): every rejection, then every warning, then notes. */
export function reportToCsv(report: ValidationReport): string {
  const lines = ['kind,line,index,message,excerpt'];
  for (const r of report.rejected)
    lines.push([cell('rejected'), cell(r.line), cell(r.index), cell(r.reason), cell(r.excerpt)].join(','));
  for (const w of report.warnings)
    lines.push([cell('warning'), cell(w.line), cell(w.index), cell(w.message), ''].join(','));
  for (const note of report.notes ?? []) lines.push([cell('note'), '', '', cell(note), ''].join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function reportToJson(report: ValidationReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** A plain-text summary for reading or pasting into an issue. */
export function reportToText(
  report: ValidationReport,
  about: { fileName?: string; formatLabel?: string } = {},
): string {
  const out: string[] = [];
  if (about.fileName) out.push(`File: ${about.fileName}${about.formatLabel ? ` (${about.formatLabel})` : ''}`);
  out.push(
    `Accepted: ${report.accepted}`,
    `Rejected: ${report.rejected.length}`,
    `Warnings: ${report.warnings.length}`,
  );
  if (report.rejected.length > 0) {
    out.push('', 'Rejected rows:');
    for (const r of report.rejected) out.push(`  ${where(r)}: ${r.reason}${r.excerpt ? `  [${r.excerpt}]` : ''}`);
  }
  if (report.warnings.length > 0) {
    out.push('', 'Warnings:');
    for (const w of report.warnings) out.push(`  ${where(w)}: ${w.message}`);
  }
  if (report.notes?.length) {
    out.push('', 'Notes:');
    for (const note of report.notes) out.push(`  ${note}`);
  }
  return `${out.join('\n')}\n`;
}
