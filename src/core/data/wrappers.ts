/**
 * Records wrapped in an object, as dataset hubs and viewers hand them out: `{"data": [...]}`, `{"train": [...],
 * "test": [...]}`, and the viewer's `{"rows": [{"row_idx": 0, "row": {...}}], ...}`. A single JSON document is
 * unwrapped here; anything that is not one of these shapes is left for the readers (a single object is one record).
 */

export interface Unwrapped {
  rows: unknown[];
  /** What was unwrapped, for the report. */
  note: string;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** An array whose first element is an object (a list of records rather than PhasedSFT's [prompt, response]). */
const isRecordList = (value: unknown): value is unknown[] =>
  Array.isArray(value) && value.length > 0 && isObject(value[0]);

/** Keys that hold the records, in the order they are looked for; `train` wins over the other splits. */
const RECORD_KEYS = ['data', 'train', 'rows', 'records', 'examples', 'instances'] as const;
const OTHER_SPLITS = ['test', 'validation', 'valid', 'dev', 'eval'];

export function unwrapRecords(document: unknown): Unwrapped | undefined {
  if (!isObject(document)) return undefined;
  // A self-instruct task ({instruction, instances: [{input, output}]}) is a record, not a wrapper of its instances.
  if (Object.hasOwn(document, 'instruction')) return undefined;
  for (const key of RECORD_KEYS) {
    if (!Object.hasOwn(document, key)) continue;
    const list = document[key];
    if (!isRecordList(list)) continue;
    if (key === 'rows' && list.every((r) => isObject(r) && isObject(r.row))) {
      return {
        rows: list.map((r) => (r as { row: unknown }).row),
        note: `The file is a dataset-viewer download ({"rows": [{"row": …}]}); the ${list.length} rows inside were read.`,
      };
    }
    const others = OTHER_SPLITS.filter((k) => k !== key && isRecordList(document[k]));
    const left =
      others.length > 0
        ? ` The ${others.map((k) => `"${k}"`).join(', ')} split${others.length > 1 ? 's were' : ' was'} left out; save ${others.length > 1 ? 'them' : 'it'} as a file of its own to use ${others.length > 1 ? 'them' : 'it'}.`
        : '';
    return {
      rows: list,
      note: `The records sit in the file's "${key}" list (${list.length}); they were read from there.${left}`,
    };
  }
  return undefined;
}
