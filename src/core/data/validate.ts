import type { InstructionRecord, RejectedRow, RowLocation, ValidationReport } from './record';

/** A field longer than this is refused: no instruction example needs it, and one would swamp a batch. */
export const MAX_FIELD_CHARS = 100_000;
/** Metadata strings longer than this are not kept (an Alpaca `text` column repeats the whole record). */
export const MAX_META_CHARS = 1_000;
/** The difficulty scale of the paper (GPT-4 scores 1–5); values outside are reported, never clamped. */
export const SCORE_RANGE = { min: 1, max: 5 } as const;
/** Fields that carry a difficulty in any JSON format, in order of preference. */
export const SCORE_FIELDS = ['score', 'difficulty', 'level'] as const;
const EXCERPT_CHARS = 120;

/** Thrown by a row reader to refuse the row it is reading; the collector files it under the row's location. */
export class RowRejection extends Error {}

/**
 * What a row reader makes of one row, before ids are checked across the file: a record whose `id` is the file's own,
 * absent when the row has none (the collector then numbers it by position).
 */
export type RowDraft = Omit<InstructionRecord, 'id'> & { id?: string };

/** What a row reader may tell the collector about the row it is reading. */
export interface RowContext {
  /** A problem with this row that does not cost the record. */
  warn(message: string): void;
  /** A fact to be counted over the whole file and reported once as a note. */
  tally(note: string): void;
}

/** Turns one parsed row (an object, whatever the file format) into a draft, or throws `RowRejection`. */
export type RowReader = (row: Record<string, unknown>, ctx: RowContext) => RowDraft;

/** "line 7" for line-oriented formats, "record 7" (0-based index) otherwise. */
/** Where a row is, as people count: its line, else its 1-based position among the records. */
export function where(loc: RowLocation): string {
  return loc.line !== undefined ? `line ${loc.line}` : `record ${loc.index + 1}`;
}

/** Several rows' places in one phrase: "lines 1 and 2", "records 3, 7, 9, …" (up to `shown`, then "…"). */
export function wherePlural(locs: readonly RowLocation[], shown = 3): string {
  if (locs.length === 1) return where(locs[0]!);
  const byLine = locs.every((l) => l.line !== undefined);
  const numbers = locs.slice(0, shown).map((l) => (byLine ? l.line! : l.index + 1));
  const list =
    locs.length > shown
      ? `${numbers.join(', ')}, …`
      : `${numbers.slice(0, -1).join(', ')} and ${numbers[numbers.length - 1]}`;
  return `${byLine ? 'lines' : 'records'} ${list}`;
}

export function excerpt(text: string): string {
  const flat = text.length > EXCERPT_CHARS * 2 ? text.slice(0, EXCERPT_CHARS * 2) : text;
  const oneLine = flat.replace(/\s+/g, ' ').trim();
  return oneLine.length > EXCERPT_CHARS ? `${oneLine.slice(0, EXCERPT_CHARS - 1)}…` : oneLine;
}

/** Text for an excerpt: strings as they are, anything else as JSON (BigInt written as a string). */
export function excerptSource(source: unknown): string {
  if (typeof source === 'string') return source;
  try {
    return (
      JSON.stringify(source, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)) ??
      String(source)
    );
  } catch {
    // Nested deeper than JSON.stringify's stack allows: the excerpt is not worth failing the whole file for.
    return `(${typeName(source)} nested too deeply to show)`;
  }
}

/**
 * Collects accepted records, rejected rows and warnings; checks ids across the whole file. It is also the context
 * handed to row readers (for the row being read), so reading a row allocates nothing beyond the record itself.
 */
export class RecordCollector implements RowContext {
  readonly records: InstructionRecord[] = [];
  /** How a row's source (its line, fields or parsed object) becomes the text of an excerpt. */
  excerptOf: (source: unknown) => string = excerptSource;
  private readonly rejected: RejectedRow[] = [];
  private readonly warnings: ValidationReport['warnings'] = [];
  private readonly notes: string[] = [];
  private readonly tallies = new Map<string, number>();
  /** The rows' own ids, with where each was first seen. */
  private readonly ownIds = new Map<string, RowLocation>();
  /** Rows numbered by position (no own id), by index: their line (0 for formats without lines) and record. */
  private readonly positional = new Map<number, { line: number; record: InstructionRecord }>();
  /** Ids made up to avoid a clash. */
  private readonly madeUp = new Set<string>();
  private index = 0;
  private line: number | undefined;

  /** Read the row at `index` (and 1-based `line`, for line formats) with `read`; accept it or file why not. */
  add(index: number, line: number | undefined, row: Record<string, unknown>, read: RowReader, source: unknown): void {
    this.index = index;
    this.line = line;
    let draft: RowDraft;
    try {
      draft = read(row, this);
    } catch (error) {
      if (error instanceof RowRejection) {
        this.reject(this.here(), error.message, source);
        return;
      }
      throw error;
    }
    this.accept(draft, source);
  }

  /** File a row as rejected; `source` becomes its excerpt. */
  reject(loc: RowLocation, reason: string, source?: unknown): void {
    const row: RejectedRow = { ...loc, reason };
    if (source !== undefined) row.excerpt = excerpt(this.excerptOf(source));
    this.rejected.push(row);
  }

  /** A warning about the row being read (RowContext). */
  warn(message: string): void {
    this.warnAt(this.here(), message);
  }

  warnAt(loc: RowLocation, message: string): void {
    this.warnings.push({ ...loc, message });
  }

  note(message: string): void {
    this.notes.push(message);
  }

  tally(note: string): void {
    this.tallies.set(note, (this.tallies.get(note) ?? 0) + 1);
  }

  report(): ValidationReport {
    const notes = [...this.notes];
    for (const [note, count] of this.tallies) notes.push(`${count} row${count === 1 ? '' : 's'}: ${note}`);
    const report: ValidationReport = {
      accepted: this.records.length,
      rejected: this.rejected,
      warnings: this.warnings,
    };
    if (notes.length > 0) report.notes = notes;
    return report;
  }

  private here(): RowLocation {
    return this.line !== undefined ? { line: this.line, index: this.index } : { index: this.index };
  }

  private accept(draft: RowDraft, source: unknown): void {
    const index = this.index;
    let id = draft.id;
    const record: InstructionRecord = {
      id: '',
      instruction: draft.instruction,
      input: draft.input,
      output: draft.output,
      meta: draft.meta,
    };
    if (draft.history !== undefined && draft.history.length > 0) record.history = draft.history;
    if (id !== undefined) {
      const first = this.ownIds.get(id);
      if (first !== undefined) {
        this.reject(this.here(), `duplicate id "${id}": first seen at ${where(first)}`, source);
        return;
      }
      this.ownIds.set(id, this.here());
      this.renumberPositional(id);
    } else {
      id = String(index);
      if (this.taken(id)) {
        // Another row already carries this number as its id: keep both, say so.
        const taken = id;
        id = this.freshId(index);
        this.warn(`row has no id and its position "${taken}" is already another row's id; numbered it "${id}"`);
      } else {
        this.positional.set(index, { line: this.line ?? 0, record });
      }
    }
    record.id = id;
    if (draft.score !== undefined) record.score = draft.score;
    this.records.push(record);
  }

  private taken(id: string): boolean {
    return this.ownIds.has(id) || this.madeUp.has(id) || (/^(0|[1-9]\d*)$/.test(id) && this.positional.has(Number(id)));
  }

  private freshId(index: number): string {
    let n = 2;
    while (this.taken(`${index}#${n}`)) n++;
    const id = `${index}#${n}`;
    this.madeUp.add(id);
    return id;
  }

  /**
   * A row's own id may equal the number an earlier id-less row got from its position (or one made up for a clash).
   * The file's own id wins; the numbered row keeps its place under a new number, and the report says so.
   */
  private renumberPositional(id: string): void {
    if (this.madeUp.has(id)) {
      const record = this.records.find((r) => r.id === id);
      this.madeUp.delete(id);
      if (record) record.id = this.freshId(Number(id.split('#')[0]));
      return;
    }
    if (!/^(0|[1-9]\d*)$/.test(id)) return;
    const at = Number(id);
    const earlier = this.positional.get(at);
    if (earlier === undefined) return;
    this.positional.delete(at);
    earlier.record.id = this.freshId(at);
    const loc: RowLocation = earlier.line > 0 ? { line: earlier.line, index: at } : { index: at };
    this.warnAt(
      loc,
      `row has no id and its position "${id}" is a later row's own id (${where(this.here())}); numbered it "${earlier.record.id}"`,
    );
  }
}

// ---- Field checks shared by every reader. `label` names the field as the user's file does ("`response`",
// ---- "column \"answer\"", "`conversations[1].value`").

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'number':
    case 'bigint':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'an object';
    case 'string':
      return 'text';
    default:
      return typeof value;
  }
}

/**
 * Check one text field. `role` is what the field becomes ('instruction', 'input', 'output'); instruction and output
 * must be present and not blank. Returns undefined for an absent optional field.
 */
export function checkText(value: unknown, role: 'instruction' | 'input' | 'output', label: string): string | undefined {
  const required = role !== 'input';
  if (value === undefined || value === null) {
    if (!required) return undefined;
    throw new RowRejection(value === null ? `missing ${role}: ${label} is null` : `missing ${role}: no ${label} field`);
  }
  if (typeof value !== 'string') {
    throw new RowRejection(`wrong type: ${label} is ${typeName(value)}, expected text`);
  }
  if (value.length > MAX_FIELD_CHARS) {
    throw new RowRejection(`oversize field: ${label} is ${value.length} characters (limit ${MAX_FIELD_CHARS})`);
  }
  if (value.includes('\0')) {
    throw new RowRejection(
      `binary data: ${label} holds a NUL character, which no text has (bytes pasted into the file?)`,
    );
  }
  if (required && isBlank(value)) {
    throw new RowRejection(`empty ${role}: ${label} ${value.length === 0 ? 'is empty' : 'holds only whitespace'}`);
  }
  return value;
}

export function requiredText(
  row: Record<string, unknown>,
  key: string,
  role: 'instruction' | 'output',
  label = `\`${key}\``,
): string {
  return checkText(row[key], role, label) as string;
}

export function optionalText(row: Record<string, unknown>, key: string, label = `\`${key}\``): string {
  return checkText(row[key], 'input', label) ?? '';
}

export function isBlank(text: string): boolean {
  // Fast path: a visible ASCII first character settles it without copying the string.
  const c = text.charCodeAt(0);
  if (c > 32 && c < 127) return false;
  return text.trim() === '';
}

/** The row's own id as a string; undefined when absent or empty. Rejects ids that are objects or arrays. */
export function ownId(value: unknown, label = '`id`'): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return value.toString();
  throw new RowRejection(`wrong type: ${label} is ${typeName(value)}, expected text or a number`);
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export interface ParsedScore {
  score?: number;
  /** Why the value is not a usable score (undefined when it is one, or when it is absent). */
  problem?: string;
  /** The value was a string with whitespace around the number. */
  trimmed?: boolean;
}

/** Numbers, bigints and numeric strings (surrounding whitespace allowed: `"3.5625\n\n"`) become scores. */
export function parseScore(value: unknown): ParsedScore {
  if (value === undefined) return {};
  if (typeof value === 'number') return Number.isFinite(value) ? { score: value } : { problem: `is ${value}` };
  if (typeof value === 'bigint')
    return Number.isFinite(Number(value)) ? { score: Number(value) } : { problem: 'is too large to be a score' };
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (trimmed === '') return { problem: 'is empty' };
    if (!DECIMAL.test(trimmed))
      return {
        problem: `${JSON.stringify(trimmed.length > 40 ? `${trimmed.slice(0, 40)}…` : trimmed)} is not a number`,
      };
    const score = Number(trimmed);
    if (!Number.isFinite(score)) return { problem: `${JSON.stringify(trimmed)} is too large to be a score` };
    return { score, trimmed: trimmed.length !== value.length };
  }
  return { problem: `is ${typeName(value)}, not a number` };
}

/**
 * Read a score into `draft`: a value that is not a number is a warning (the record stays, unscored; the raw value is
 * kept in meta under `key`); one outside the 1–5 scale is a warning and kept as it is.
 */
export function applyScore(draft: RowDraft, value: unknown, key: string, ctx: RowContext, label = `\`${key}\``): void {
  const parsed = parseScore(value);
  if (parsed.problem !== undefined) {
    ctx.warn(`score ${label} ${parsed.problem}; record kept unscored`);
    if (typeof value === 'string' && value.length <= MAX_META_CHARS && value.trim() !== '') draft.meta[key] = value;
    return;
  }
  if (parsed.score === undefined) return;
  if (parsed.trimmed) ctx.tally(`score ${label} had whitespace around the number, trimmed`);
  if (parsed.score < SCORE_RANGE.min || parsed.score > SCORE_RANGE.max) {
    ctx.warn(
      `score ${parsed.score} (${label}) is outside the ${SCORE_RANGE.min}–${SCORE_RANGE.max} scale; kept as it is`,
    );
  }
  draft.score = parsed.score;
}

/** The first of `score`, `difficulty`, `level` present in the row becomes the score; returns its key. */
export function applyScoreFields(draft: RowDraft, row: Record<string, unknown>, ctx: RowContext): string | undefined {
  for (const key of SCORE_FIELDS) {
    if (Object.hasOwn(row, key) && row[key] !== undefined) {
      applyScore(draft, row[key], key, ctx);
      return key;
    }
  }
  return undefined;
}

/** Keep the row's other scalar fields (category, task, source, …) as metadata. */
export function collectMeta(
  row: Record<string, unknown>,
  skip: ReadonlySet<string>,
  meta: Record<string, string | number>,
  ctx: RowContext,
  alsoSkip?: string,
): void {
  for (const key of Object.keys(row)) {
    // `__proto__` as a field name would set the metadata's prototype instead of a field.
    if (skip.has(key) || key === alsoSkip || Object.hasOwn(meta, key) || key === '__proto__') continue;
    const value = row[key];
    if (typeof value === 'string') {
      if (value === '') continue;
      if (value.length > MAX_META_CHARS)
        ctx.tally(`field \`${key}\` longer than ${MAX_META_CHARS} characters not kept as metadata`);
      else meta[key] = value;
    } else if (typeof value === 'number') {
      if (Number.isFinite(value)) meta[key] = value;
    } else if (typeof value === 'boolean') {
      meta[key] = String(value);
    } else if (typeof value === 'bigint') {
      meta[key] = Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
    }
  }
}
