/**
 * The template a run formats its records with, as it is stored with the run and crosses to the worker (plain data):
 * one of the studio's prompt templates by name, or a chat template. The page only names the chat template it wants
 * (`ChatTemplatePick`: the model's own, ChatML, Llama 3); the worker, which holds the model's files, reads it into a
 * `ChatTemplateSpec` (its source and the model's special tokens) before training starts, and that spec is what the
 * run's checkpoints keep: a resume, the evaluation and the export read the very template the run trained with.
 */
import type { ChatTemplateChoice, ChatTemplateParts } from './chatTemplate';
import type { TemplateName } from './template';

/** A chat template named, not yet read from the model's files. */
export interface ChatTemplatePick {
  chat: ChatTemplateChoice;
}

/** A chat template read: everything needed to compile it again, anywhere. */
export interface ChatTemplateSpec extends ChatTemplateParts {
  chat: ChatTemplateChoice;
}

export type RunTemplate = TemplateName | ChatTemplatePick | ChatTemplateSpec;

export function isChatTemplateSpec(t: RunTemplate): t is ChatTemplateSpec {
  return typeof t === 'object' && typeof (t as Partial<ChatTemplateSpec>).source === 'string';
}

/** How a person reads which template a run used: `paper`, `the model's own chat template (…)`, `built-in chatml`. */
export function describeRunTemplate(t: RunTemplate): string {
  if (typeof t === 'string') return `the studio's ${t} template`;
  if (!isChatTemplateSpec(t)) return t.chat === 'model' ? "the model's own chat template" : `the built-in ${t.chat}`;
  return t.chat === 'model' ? `the model's own chat template (${t.name})` : t.name;
}
