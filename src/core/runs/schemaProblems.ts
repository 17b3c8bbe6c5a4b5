import * as v from 'valibot';

/**
 * Turns a valibot result into the sentences a person reads: one per problem, each naming its field by the path
 * written in the file ("train.hyper.batchSize", "arms[0].kind"). Unknown keys are found by walking the schema beside
 * the input, so every typo is named (valibot's strict objects stop at the first) and none is silently dropped.
 */
export interface ProblemWording {
  /** How an unknown key is introduced: `Unknown setting "train.lrr"`. */
  unknownKey(path: readonly (string | number)[]): string;
}

type AnySchema = v.GenericSchema & {
  entries?: Record<string, AnySchema>;
  wrapped?: AnySchema;
  item?: AnySchema;
  options?: AnySchema[];
  key?: string;
};

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

export function pathText(path: readonly (string | number)[]): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}

/** Keys of `input` that the (object, optional, array or variant) schema at this place has no entry for. */
function unknownKeys(
  schema: AnySchema,
  input: unknown,
  path: (string | number)[],
  out: { path: (string | number)[]; known: string[] }[],
): void {
  if (schema.wrapped) return unknownKeys(schema.wrapped, input, path, out);
  if (schema.options && schema.key !== undefined) {
    const key = schema.key;
    const option = schema.options.find((o) => isRecord(input) && o.entries?.[key] && v.is(o.entries[key], input[key]));
    if (option) unknownKeys(option, input, path, out);
    return;
  }
  if (schema.item && Array.isArray(input))
    return input.forEach((x, i) => unknownKeys(schema.item!, x, [...path, i], out));
  if (!schema.entries || !isRecord(input)) return;
  const known = Object.keys(schema.entries);
  for (const key of Object.keys(input)) {
    if (Object.hasOwn(schema.entries, key)) unknownKeys(schema.entries[key]!, input[key], [...path, key], out);
    else out.push({ path: [...path, key], known });
  }
}

/** Edit distance counting a swap of two neighbours as one edit (the commonest typo), for "did you mean". */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i]!;
      row[j] = Math.min(d[i - 1]![j]! + 1, row[j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

export function closestKey(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: { name: string; d: number } | undefined;
  for (const name of known) {
    const d = editDistance(lower, name.toLowerCase());
    if (d <= Math.max(1, Math.floor(name.length / 4)) && (!best || d < best.d)) best = { name, d };
  }
  return best?.name;
}

/** The schema of the entry at `path` (through optional wrappers), to say what a missing entry must be. */
function entryAt(schema: AnySchema, path: readonly (string | number)[]): AnySchema | undefined {
  let at: AnySchema | undefined = schema;
  for (const key of path) {
    while (at?.wrapped) at = at.wrapped;
    at = typeof key === 'string' ? at?.entries?.[key] : at?.item;
  }
  while (at?.wrapped) at = at.wrapped;
  return at;
}

function valueText(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    // Too deep or circular: its type says enough.
  }
  text ??= typeof value;
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}

/** Validates `input` against `schema` and returns the typed value, or every problem as a sentence. */
export function checkAgainst<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  wording: ProblemWording,
): { ok: true; value: v.InferOutput<S> } | { ok: false; problems: string[] } {
  const unknown: { path: (string | number)[]; known: string[] }[] = [];
  unknownKeys(schema as AnySchema, input, [], unknown);
  const problems = unknown.map(({ path, known }) => {
    const key = String(path[path.length - 1]);
    const guess = closestKey(key, known);
    return `${wording.unknownKey(path)}${guess ? ` — did you mean ${guess}?` : ` (known: ${known.join(', ')}).`}`;
  });
  const result = v.safeParse(schema, input);
  if (!result.success) {
    for (const issue of result.issues) {
      const path = (issue.path ?? []).map((p) => (p as { key: string | number }).key);
      const missing = issue.input === undefined && issue.path?.[issue.path.length - 1]?.origin === 'key';
      const where = path.length ? `"${pathText(path)}"` : 'The configuration';
      const need = missing
        ? (entryAt(schema as AnySchema, path) as { message?: unknown } | undefined)?.message
        : undefined;
      if (missing)
        problems.push(typeof need === 'string' ? `${where} ${need}; it is missing.` : `${where} is missing.`);
      else problems.push(`${where} ${issue.message} (got ${valueText(issue.input)}).`);
    }
  }
  return problems.length
    ? { ok: false, problems }
    : { ok: true, value: (result as { output: v.InferOutput<S> }).output };
}
