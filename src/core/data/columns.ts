import { DatasetError, type ColumnMapping } from './record';
import { applyScore, checkText, collectMeta, ownId, type RowDraft, type RowReader } from './validate';

export type { ColumnMapping };

/** Header names that suggest each field, best first; compared lower-cased with non-alphanumerics removed. */
const NAMES: Record<keyof ColumnMapping, string[]> = {
  instruction: ['instruction', 'prompt', 'question', 'query', 'problem', 'instructions'],
  input: ['input', 'context'],
  output: ['output', 'response', 'answer', 'completion', 'solution', 'target'],
  score: ['score', 'difficulty', 'level', 'difficultyscore'],
  id: ['id', 'uid', 'uuid'],
};
/** Fields whose names may also match inside a longer header ("model_response", "Question Body"). */
const LOOSE: (keyof ColumnMapping)[] = ['instruction', 'output', 'input'];
const ORDER: (keyof ColumnMapping)[] = ['instruction', 'output', 'input', 'score', 'id'];

const norm = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Guess which column feeds which field from the header names. Fields with no likely column are left out. */
export function guessMapping(columns: string[]): Partial<ColumnMapping> {
  const guess: Partial<ColumnMapping> = {};
  const used = new Set<string>();
  const normalised = columns.map(norm);
  const take = (field: keyof ColumnMapping, match: (n: string, candidate: string) => boolean) => {
    if (guess[field] !== undefined) return;
    for (const candidate of NAMES[field]) {
      const column = columns.find((c, i) => !used.has(c) && match(normalised[i]!, candidate));
      if (column !== undefined) {
        guess[field] = column;
        used.add(column);
        return;
      }
    }
  };
  for (const field of ORDER) take(field, (n, c) => n === c);
  for (const field of LOOSE) take(field, (n, c) => n.includes(c));
  return guess;
}

/** The mapping to read with: the user's, or the guess; refused when instruction or output has no column. */
export function resolveMapping(columns: string[], fileName: string, chosen?: Partial<ColumnMapping>): ColumnMapping {
  const mapping = chosen ?? guessMapping(columns);
  const found = columns.length > 0 ? columns.map((c) => `"${c}"`).join(', ') : 'none';
  const missing = (['instruction', 'output'] as const).filter((f) => !mapping[f]);
  if (missing.length > 0) {
    throw new DatasetError(
      `No column for the ${missing.join(' or the ')} in "${fileName}". Columns found: ${found}.`,
      'Name the columns instruction / input / output (prompt / response and question / answer also work), ' +
        'or choose in the column mapping which column holds what.',
    );
  }
  for (const field of ORDER) {
    const column = mapping[field];
    if (column !== undefined && column !== '' && !columns.includes(column)) {
      throw new DatasetError(
        `The column "${column}" chosen for the ${field} is not in "${fileName}". Columns found: ${found}.`,
        'Choose one of the columns found.',
      );
    }
  }
  if (mapping.instruction === mapping.output) {
    throw new DatasetError(
      `The column "${mapping.instruction}" is chosen for both the instruction and the output.`,
      'Choose a different column for each.',
    );
  }
  const clean: ColumnMapping = { instruction: mapping.instruction as string, output: mapping.output as string };
  if (mapping.input) clean.input = mapping.input;
  if (mapping.score) clean.score = mapping.score;
  if (mapping.id) clean.id = mapping.id;
  return clean;
}

/** A reader for table rows (CSV, TSV, Parquet) keyed by column name; unused scalar columns go to meta. */
export function mappedRowReader(mapping: ColumnMapping): RowReader {
  const used: ReadonlySet<string> = new Set(Object.values(mapping).filter((c): c is string => Boolean(c)));
  const label = (column: string) => `column "${column}"`;
  return (row, ctx) => {
    const draft: RowDraft = {
      id: mapping.id ? ownId(row[mapping.id], label(mapping.id)) : undefined,
      instruction: checkText(row[mapping.instruction], 'instruction', label(mapping.instruction)) as string,
      input: mapping.input ? (checkText(row[mapping.input], 'input', label(mapping.input)) ?? '') : '',
      output: checkText(row[mapping.output], 'output', label(mapping.output)) as string,
      meta: {},
    };
    if (mapping.score) applyScore(draft, row[mapping.score], mapping.score, ctx, label(mapping.score));
    collectMeta(row, used, draft.meta, ctx);
    return draft;
  };
}
