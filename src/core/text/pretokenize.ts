/**
 * Every record of a phase encoded (its template or chat template) and fitted to the context once; batches are then
 * assembled from these rows (batches.ts) without touching text again. Apart from batches.ts so that code which only
 * fits rows (the page's data-fit note) does not load the chat-template renderer.
 */
import { fitToContext, truncationStats, type PackedExample, type TruncationStats } from './batches';
import { encodeRecord, type FormatTokenizer, type RecordFormat } from './recordFormat';
import type { TemplateRecord } from './template';

export interface Pretokenized {
  examples: PackedExample[];
  stats: TruncationStats;
}

export function pretokenize(
  records: readonly TemplateRecord[],
  template: RecordFormat,
  tok: FormatTokenizer,
  contextLength: number,
): Pretokenized {
  const examples = records.map((r) => fitToContext(encodeRecord(template, tok, r), contextLength));
  return { examples, stats: truncationStats(examples) };
}
