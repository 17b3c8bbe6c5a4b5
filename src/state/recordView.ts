/**
 * What the record view shows for a record: its row under the chosen template, with the model's tokenizer. The
 * studio's own template is rendered from its token ids here; a chat template by a module loaded on demand (the
 * Jinja renderer stays out of the page's chunk).
 */
import type { InstructionRecord } from '../core/data/record';
import type { TemplateChoice } from '../core/runs/settings';
import { renderStudioRecord, type RenderedRecord } from './recordRendering';
import type { ViewTokenizer } from './viewTokenizer';

export async function renderForView(
  view: ViewTokenizer,
  template: TemplateChoice,
  record: InstructionRecord,
): Promise<RenderedRecord> {
  if (template === 'paper') return renderStudioRecord(view.tokenizer, 'paper', record);
  const { chatTemplateFor, renderChatRecord } = await import('./chatRendering');
  return renderChatRecord(chatTemplateFor(template, view.chatFiles), record, view.chatTokenizer);
}
