/** A cell as a spreadsheet reads it: numbers as they are, blanks for missing or non-finite values, text quoted when needed. */
function csvCell(v: number | string | undefined | null): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** A chart's data as CSV: one column per key of `columns` (its header the column's label, units included), one row per row. */
export function seriesCsv<Row extends Record<string, unknown>>(
  columns: readonly { key: keyof Row & string; label: string }[],
  rows: readonly Row[],
): string {
  const lines = [columns.map((c) => csvCell(c.label)).join(',')];
  for (const row of rows) {
    lines.push(
      columns
        .map((c) => {
          const v = row[c.key];
          return csvCell(typeof v === 'number' || typeof v === 'string' ? v : undefined);
        })
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}
