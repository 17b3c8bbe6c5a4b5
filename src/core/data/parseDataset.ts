import type { ColumnMapping } from './columns';
import { listCsvColumns, readCsv, type CsvMapping } from './csv';
import { decodeText } from './decode';
import { formatLabel, type RecordShape } from './formats';
import { readJsonArray, readJsonLines } from './json';
import { listParquetColumns, readParquet } from './parquet';
import { ProgressTicker } from './progress';
import { READERS } from './readers';
import {
  DatasetError,
  type InstructionRecord,
  type ParsedDataset,
  type ParseProgress,
  type RejectedRow,
  type ValidationReport,
} from './record';
import { isParquet, refuseFakeParquet, sniffText } from './sniff';
import { RecordCollector, wherePlural } from './validate';

export { reportToCsv, reportToJson, reportToText } from './report';

export interface ParseOptions {
  /** For CSV/TSV/Parquet: which column holds what. Guessed from the header names when absent. */
  csvMapping?: CsvMapping;
  /** Called about every 2% of the file, and once at the end. */
  onProgress?: ParseProgress;
}

/**
 * Read any supported instruction dataset: sniff the format, decode, read every row, validate.
 * Rows that cannot be used are in `report.rejected` with their line (or index) and the reason; a file that cannot be
 * read at all throws `DatasetError` with a hint.
 */
export async function parseDataset(
  bytes: Uint8Array,
  fileName: string,
  options: ParseOptions = {},
): Promise<ParsedDataset> {
  const collector = new RecordCollector();
  const progress = new ProgressTicker(options.onProgress);
  progress.update(0, 0);
  const finish = (parsed: Omit<ParsedDataset, 'records' | 'report'>): ParsedDataset => {
    for (const note of [placeholderNote(collector.records), mediaNote(collector.records)])
      if (note) collector.note(note);
    const report = collector.report();
    if (report.accepted === 0 && report.rejected.length === 0) {
      const why = parsed.format === 'parquet' ? 'the table has no rows' : 'there is a header row but no rows under it';
      throw new DatasetError(`"${fileName}" holds no records: ${why}.`, 'Choose a file that holds records.');
    }
    // A file with nothing usable must not replace the dataset on screen: it is refused whole, saying why.
    if (report.accepted === 0) throw noUsableRecord(fileName, parsed.formatLabel, report);
    progress.done(collector.records.length);
    const result: ParsedDataset = { ...parsed, records: collector.records, report };
    if (!result.columns) delete result.columns;
    return result;
  };

  if (isParquet(bytes)) {
    const { shape, columns } = await readParquet(bytes, fileName, options.csvMapping, collector, progress);
    return finish({ format: 'parquet', formatLabel: formatLabel('parquet', { shape }), encoding: 'binary', columns });
  }
  refuseFakeParquet(fileName);

  const { text, encoding } = decodeText(bytes, fileName);
  const sniffed = sniffText(text, fileName);
  let columns: ParsedDataset['columns'];
  if (sniffed.container === 'delimited') {
    columns = readCsv(text, sniffed.delimiter ?? ',', fileName, options.csvMapping, collector, progress);
  } else {
    const read = READERS[sniffed.shape as RecordShape];
    if (sniffed.container === 'jsonl') readJsonLines(text, read, collector, progress);
    else readJsonArray(text, fileName, read, collector, progress);
  }
  if (encoding !== 'utf-8') collector.note(`The file was read as ${encoding.toUpperCase()}.`);
  return finish({ format: sniffed.format, formatLabel: sniffed.label, encoding, columns });
}

export interface TableColumns {
  format: 'csv' | 'tsv' | 'parquet';
  columns: string[];
  /** The mapping `parseDataset` would use when given none (instruction/output may be missing). */
  guessed: Partial<ColumnMapping>;
}

/**
 * The columns of a CSV, TSV or Parquet file and the guessed mapping, so the UI can let the user change it;
 * undefined for JSON formats, which are read by their field names.
 */
export function inspectColumns(bytes: Uint8Array, fileName: string): TableColumns | undefined {
  if (isParquet(bytes)) {
    const { columns, guessed, shape } = listParquetColumns(bytes, fileName);
    return shape ? undefined : { format: 'parquet', columns, guessed };
  }
  refuseFakeParquet(fileName);
  const { text } = decodeText(bytes, fileName);
  const sniffed = sniffText(text, fileName);
  if (sniffed.container !== 'delimited') return undefined;
  const { columns, guessed } = listCsvColumns(text, fileName, sniffed.delimiter);
  return { format: sniffed.format === 'tsv' ? 'tsv' : 'csv', columns, guessed };
}

const PLACEHOLDER = /\{\{\s*[A-Za-z_][\w.]*\s*\}\}/g;

/**
 * Template placeholders left in the text (LLaMA-Factory's `identity.json` writes `{{name}}` and `{{author}}` for its
 * user to fill before training): trained as written unless replaced, which a person rarely means.
 */
function placeholderNote(records: readonly InstructionRecord[]): string | undefined {
  const seen = new Map<string, number>();
  let holding = 0;
  for (const r of records) {
    const texts = [r.instruction, r.input, r.output, ...(r.history ?? []).flatMap((x) => [x.user, x.assistant])];
    const found = new Set(texts.flatMap((t) => t.match(PLACEHOLDER) ?? []).map((m) => m.replace(/\s+/g, '')));
    if (found.size === 0) continue;
    holding++;
    for (const f of found) seen.set(f, (seen.get(f) ?? 0) + 1);
  }
  if (holding === 0) return undefined;
  const names = [...seen.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([name]) => name)
    .join(', ');
  return (
    `${holding} record${holding === 1 ? ' holds' : 's hold'} template placeholders (${names}): they are trained as ` +
    "written. Replace them with the names you mean before training (LLaMA-Factory's identity data expects that)."
  );
}

const MEDIA_TAG = /<(image|video|audio)>/;

/**
 * Multimodal records (LLaMA-Factory's `mllm_demo`: `<image>` in the text, the files under `images`): the studio trains
 * text models, so the media are not seen and the tag is trained as text.
 */
function mediaNote(records: readonly InstructionRecord[]): string | undefined {
  let holding = 0;
  const tags = new Set<string>();
  for (const r of records) {
    const texts = [r.instruction, r.input, r.output, ...(r.history ?? []).flatMap((x) => [x.user, x.assistant])];
    const tag = texts.map((t) => MEDIA_TAG.exec(t)?.[0]).find((t) => t !== undefined);
    if (!tag) continue;
    holding++;
    tags.add(tag);
  }
  if (holding === 0) return undefined;
  return (
    `${holding} record${holding === 1 ? ' refers' : 's refer'} to media (${[...tags].join(', ')} in the text): the studio ` +
    'trains text models, so the images, videos or audio are not read and the tag is trained as plain text. Leave these ' +
    'records out, or remove the tags, for a text-only fine-tune.'
  );
}

/** Every row was rejected: the most common reasons, with how many rows each cost and where the first one is. */
function noUsableRecord(fileName: string, formatLabel: string, report: ValidationReport): DatasetError {
  const byReason = new Map<string, { reason: string; rows: RejectedRow[] }>();
  for (const row of report.rejected) {
    // Group by the reason's kind ("missing output", "malformed JSON"), not its details.
    const kind = row.reason.split(':')[0]!; // split gives at least one part
    const entry = byReason.get(kind);
    if (entry) entry.rows.push(row);
    else byReason.set(kind, { reason: row.reason, rows: [row] });
  }
  const top = [...byReason.values()].sort((a, b) => b.rows.length - a.rows.length).slice(0, 3);
  const rows = report.rejected.length;
  // the first row's reason in full, then how many rows had that kind and where
  const list = top
    .map((e) => `${e.reason} — ${e.rows.length} row${e.rows.length === 1 ? '' : 's'}, ${wherePlural(e.rows)}`)
    .join('; ');
  return new DatasetError(
    `"${fileName}" (read as ${formatLabel}) has no usable record: all ${rows} row${rows === 1 ? ' was' : 's were'} rejected (${list}${byReason.size > 3 ? '; …' : ''}).`,
    'The dataset you had is unchanged. Fix the rows (the reasons above name the field), or map other columns for CSV/Parquet.',
  );
}
