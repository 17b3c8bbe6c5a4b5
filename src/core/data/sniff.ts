import { decodeText } from './decode';
import { formatLabel, KNOWN_SHAPES, shapeToFormat, type Container, type RecordShape } from './formats';
import { jsonSyntaxError } from './json';
import { findJsonProblem, lineColumn, quoteUnsafeIntegers, splitConcatenatedValues } from './jsonScan';
import { DatasetError, type DatasetFormat } from './record';
import { isBlank, typeName } from './validate';
import { unwrapRecords } from './wrappers';

export interface SniffResult {
  format: DatasetFormat;
  container: Container;
  /** The JSON row shape; undefined for CSV/TSV (read by columns) and for Parquet until its columns are seen. */
  shape?: RecordShape;
  /** The field separator of CSV/TSV. */
  delimiter?: string;
  label: string;
}

/** How many rows the shape is judged on. */
const SAMPLE_ROWS = 20;

const KNOWN_FILES =
  'The studio reads Alpaca, WizardLM, Dolly, ShareGPT, OpenAI-messages and PhasedSFT records as a JSON array or JSONL, ' +
  'CSV/TSV with a header row, and Parquet.';

/** Parquet files start and end with the magic bytes "PAR1". */
export function isParquet(bytes: Uint8Array): boolean {
  const n = bytes.length;
  const par1 = (at: number) =>
    bytes[at] === 0x50 && bytes[at + 1] === 0x41 && bytes[at + 2] === 0x52 && bytes[at + 3] === 0x31;
  return n >= 12 && par1(0) && par1(n - 4);
}

export function extensionOf(fileName: string): string {
  const m = /\.([a-z0-9]+)$/i.exec(fileName);
  return m ? m[1]!.toLowerCase() : '';
}

/** Decide the format from the file name and the bytes (decoding the text when it is not Parquet). */
export function sniffFormat(bytes: Uint8Array, fileName: string): SniffResult {
  if (isParquet(bytes)) return { format: 'parquet', container: 'parquet', label: formatLabel('parquet') };
  refuseFakeParquet(fileName);
  return sniffText(decodeText(bytes, fileName).text, fileName);
}

export function refuseFakeParquet(fileName: string): void {
  if (extensionOf(fileName) === 'parquet') {
    throw new DatasetError(
      `"${fileName}" is named .parquet but is not a Parquet file: it does not start and end with the "PAR1" marker.`,
      'The download may be cut short; fetch the file again.',
    );
  }
}

/**
 * Decide the format of decoded text. Content wins over the extension for JSON (a `.json` file holding one object per
 * line is JSONL); `.csv`/`.tsv` are taken at their word.
 */
export function sniffText(text: string, fileName: string): SniffResult {
  const ext = extensionOf(fileName);
  if (ext === 'csv' || ext === 'tsv' || ext === 'tab') {
    const delimiter = ext === 'csv' ? (sniffDelimiter(firstLine(text)) ?? ',') : '\t';
    return delimited(delimiter);
  }
  const start = firstNonSpace(text);
  const c = text[start];
  if (c === '[') {
    const samples = firstArrayElements(text, start, SAMPLE_ROWS);
    if (samples.length === 0) {
      if (/^\[\s*\]\s*$/.test(text.slice(start))) {
        throw new DatasetError(
          `"${fileName}" holds an empty JSON array: there are no records in it.`,
          'Choose a file that holds records.',
        );
      }
      // None of the first elements parses: the syntax error is the news, not "no records".
      if (findJsonProblem(text) !== undefined) throw jsonSyntaxError(text, fileName, 'invalid JSON');
    }
    const shape = detectShape(samples, fileName);
    return json(shape, 'json-array');
  }
  if (c === '{') {
    // One JSON document (a pretty-printed record, or records wrapped in {"data": [...]}), or one object per line.
    // On JSONL, JSON.parse stops at the end of the first line, so trying it first costs little.
    let whole: unknown;
    try {
      whole = JSON.parse(quoteUnsafeIntegers(text));
    } catch {
      whole = undefined;
    }
    const unwrapped = unwrapRecords(whole);
    if (unwrapped) return json(detectShape(unwrapped.rows.slice(0, SAMPLE_ROWS), fileName), 'json-array');
    const { objects, firstError } = firstJsonLines(text, SAMPLE_ROWS);
    // A single pretty-printed object is one record; a single line is JSONL with one row.
    if (whole !== undefined && objects.length === 0) return json(detectShape([whole], fileName), 'json-array');
    if (objects.length > 0) return json(detectShape(objects, fileName), 'jsonl');
    throw new DatasetError(
      `"${fileName}" looks like JSON lines, but none of its first ${SAMPLE_ROWS} lines is a whole JSON object (${firstError}).`,
      'Put one complete JSON object on each line (JSONL), or wrap the records in a JSON array [ … ].',
    );
  }
  const delimiter = sniffDelimiter(firstLine(text));
  if (delimiter) return delimited(delimiter);
  throw new DatasetError(
    `Could not tell the format of "${fileName}": it does not start like JSON ([ or {) and its first line ` +
      `(${JSON.stringify(firstLine(text).slice(0, 60))}) has no comma, tab or semicolon separating columns.`,
    KNOWN_FILES,
  );
}

function json(shape: RecordShape, container: Container): SniffResult {
  const format = shapeToFormat(shape, container);
  return { format, container, shape, label: formatLabel(format, { container, shape }) };
}

function delimited(delimiter: string): SniffResult {
  const format = delimiter === '\t' ? 'tsv' : 'csv';
  return { format, container: 'delimited', delimiter, label: formatLabel(format, { delimiter }) };
}

/** The shape of one row, by its own keys; undefined when it matches none. */
export function shapeOf(row: Record<string, unknown>): RecordShape | undefined {
  const has = (key: string) => Object.hasOwn(row, key);
  // Feedback shapes first: they also carry the fields of the shapes below, and must not be read as plain SFT.
  if (has('chosen') && has('rejected')) return 'preference';
  if (
    (typeof row.label === 'boolean' || typeof row.kto_tag === 'boolean') &&
    (has('messages') || has('conversations') || has('completion') || has('output'))
  )
    return 'kto';
  // PhasedSFT's data is [prompt, response]; a list of objects under `data` is a wrapper, unwrapped elsewhere.
  if (Array.isArray(row.data) && (has('score') || has('id')) && typeof row.data[0] !== 'object') return 'phasedsft';
  if (Array.isArray(row.conversations)) return 'sharegpt';
  if (Array.isArray(row.messages)) return 'openai-messages';
  if (has('instruction')) {
    if (has('output')) return has('input') ? 'alpaca' : 'wizardlm';
    if (has('response')) return 'dolly';
  }
  if (has('prompt') && has('completion')) return 'prompt-completion';
  return undefined;
}

/** The shape of the file: that of the first sampled row that has one. Otherwise say what was seen. */
export function detectShape(samples: unknown[], fileName: string): RecordShape {
  const keys = new Set<string>();
  const others: string[] = [];
  let shape: RecordShape | undefined;
  for (const sample of samples) {
    if (typeof sample !== 'object' || sample === null || Array.isArray(sample)) {
      others.push(typeName(sample));
      continue;
    }
    const row = sample as Record<string, unknown>;
    const own = shapeOf(row);
    if (own && !shape) shape = own;
    // Alpaca rows without `input` are WizardLM-like; one row with `input` makes the file Alpaca.
    if (own === 'alpaca' && shape === 'wizardlm') shape = 'alpaca';
    for (const key of Object.keys(row)) keys.add(key);
  }
  if (shape) return shape;
  if (keys.size === 0) {
    const seen = others.length > 0 ? `its first rows are ${[...new Set(others)].join(', ')}` : 'no rows could be read';
    throw new DatasetError(
      `"${fileName}" holds no records (JSON objects): ${seen}.`,
      `Each record must be a JSON object. Known shapes: ${KNOWN_SHAPES}.`,
    );
  }
  const known = knownNonInstructionFile(samples, keys, fileName);
  if (known) throw known;
  const list = [...keys]
    .slice(0, 15)
    .map((k) => `"${k}"`)
    .join(', ');
  throw new DatasetError(
    `Could not recognise the records in "${fileName}": their fields are ${list}${keys.size > 15 ? ', …' : ''}. ` +
      `Known shapes: ${KNOWN_SHAPES}.`,
    'Rename the fields to one of these shapes, or save the file as CSV and choose which column is the instruction and which the output.',
  );
}

/**
 * Files people drop that are not instruction data, or not yet: each refused with what it is and what would help,
 * instead of "could not recognise the fields".
 */
function knownNonInstructionFile(samples: unknown[], keys: Set<string>, fileName: string): DatasetError | undefined {
  const rows = samples.filter(
    (s): s is Record<string, unknown> => typeof s === 'object' && s !== null && !Array.isArray(s),
  );
  // LLaMA-Factory's dataset_info.json: {name: {file_name | hf_hub_url | …, formatting?, columns?}}
  const registry = rows.length === 1 ? Object.entries(rows[0]!) : [];
  const entries = registry.filter(
    ([, v]) =>
      typeof v === 'object' &&
      v !== null &&
      ['file_name', 'hf_hub_url', 'ms_hub_url', 'script_url'].some((k) => k in v),
  );
  if (entries.length > 0 && entries.length === registry.length) {
    const files = entries
      .map(([name, v]) => {
        const e = v as Record<string, unknown>;
        const where = e.file_name ?? e.hf_hub_url ?? e.ms_hub_url ?? e.script_url;
        return `${name} → ${String(where)}`;
      })
      .slice(0, 6);
    return new DatasetError(
      `"${fileName}" is LLaMA-Factory's dataset registry (dataset_info.json), not a dataset: it names ${entries.length} dataset${entries.length === 1 ? '' : 's'} (${files.join(', ')}${entries.length > 6 ? ', …' : ''}).`,
      'Drop one of the files it names instead (from its data folder, or the Hub dataset by id).',
    );
  }
  if (keys.has('instruction') && keys.has('instances'))
    return new DatasetError(
      `"${fileName}" holds self-instruct tasks: each has an "instruction" and its examples in "instances" (input/output), which the studio does not unpack yet.`,
      'Write one Alpaca record per instance ({"instruction", "input", "output"}: the task\'s instruction with each instance\'s input and output), e.g. with jq: jq -c \'.instruction as $i | .instances[] | {instruction: $i, input, output}\'.',
    );
  if (keys.has('turns') && (keys.has('question_id') || keys.has('category')) && !keys.has('choices'))
    return new DatasetError(
      `"${fileName}" holds questions without answers (MT-Bench's question file: "turns" has only the user's turns), and fine-tuning needs the answers to train on.`,
      "It is an evaluation set: use a file of instructions with their answers, or join these questions with model answers (MT-Bench's model_answer files) into ShareGPT or messages records.",
    );
  if (
    keys.has('text') &&
    !['instruction', 'prompt', 'output', 'response', 'messages', 'conversations'].some((k) => keys.has(k))
  )
    return new DatasetError(
      `"${fileName}" holds plain text (a "text" field per record): data for pretraining, not instructions with answers, which is what instruction fine-tuning trains on.`,
      'Use instruction → response records (Alpaca, ShareGPT, messages…). If each text is a whole chat already rendered, split it into turns first.',
    );
  return undefined;
}

function firstNonSpace(text: string): number {
  const i = text.search(/\S/);
  return i < 0 ? text.length : i;
}

function firstLine(text: string): string {
  const start = firstNonSpace(text);
  const end = text.indexOf('\n', start);
  return (end < 0 ? text.slice(start) : text.slice(start, end)).replace(/\r$/, '');
}

/** The separator of a header line: the most frequent of tab, comma, semicolon, pipe outside quotes (comma on ties). */
export function sniffDelimiter(header: string): string | undefined {
  const counts = new Map<string, number>([
    [',', 0],
    ['\t', 0],
    [';', 0],
    ['|', 0],
  ]);
  let quoted = false;
  for (const ch of header) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  let best: string | undefined;
  let bestCount = 0;
  for (const [ch, n] of counts) {
    if (n > bestCount) {
      best = ch;
      bestCount = n;
    }
  }
  return best;
}

/**
 * The first `k` elements of the JSON array that starts at `start`, parsed, without parsing the whole array
 * (elements that do not parse are skipped: the full parse will say where the problem is).
 */
export function firstArrayElements(text: string, start: number, k: number): unknown[] {
  const out: unknown[] = [];
  let i = start + 1;
  let depth = 0;
  let inString = false;
  let elementStart = -1;
  for (; i < text.length && out.length < k; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92 /* \ */) i++;
      else if (ch === 34 /* " */) inString = false;
      continue;
    }
    if (elementStart < 0) {
      if (ch === 93 /* ] */) break;
      if (ch <= 32 || ch === 44 /* , */) continue;
      elementStart = i;
    }
    if (ch === 34) inString = true;
    else if (ch === 123 || ch === 91) depth++;
    else if (ch === 125 || ch === 93) {
      if (depth === 0) {
        pushParsed(out, text.slice(elementStart, i));
        break;
      }
      depth--;
    } else if (ch === 44 && depth === 0) {
      pushParsed(out, text.slice(elementStart, i));
      elementStart = -1;
    }
  }
  return out;
}

function pushParsed(out: unknown[], element: string): void {
  try {
    out.push(JSON.parse(element));
  } catch {
    // Left for the full parse to report with its position.
  }
}

/** Up to `k` objects from the first lines of JSONL text, and where and why the first line that failed did. */
function firstJsonLines(text: string, k: number): { objects: unknown[]; firstError?: string } {
  const objects: unknown[] = [];
  let firstError: string | undefined;
  let pos = 0;
  let lines = 0;
  while (pos < text.length && lines < k) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const line = text.slice(pos, end);
    pos = end + 1;
    if (isBlank(line)) continue;
    lines++;
    try {
      const value: unknown = JSON.parse(quoteUnsafeIntegers(line));
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) objects.push(value);
    } catch (error) {
      const several = splitConcatenatedValues(line);
      if (several) {
        objects.push(...several.map((v) => JSON.parse(v) as unknown));
        continue;
      }
      if (firstError === undefined) {
        const problem = findJsonProblem(line);
        const lineNo = lineColumn(text, pos - 1).line;
        firstError = problem
          ? `line ${lineNo}, column ${lineColumn(line, problem.offset).column}: ${problem.reason}`
          : `line ${lineNo}: ${(error as Error).message}`;
      }
    }
  }
  return { objects, firstError };
}
