/**
 * Which template a run writes its records in: the imported model's own chat template when it has one, else one the
 * person picks from the built-ins. The choice is `TrainSettings.template` (kept with the form and in every run's
 * settings, so the exporter reads what the run was trained with through `chosenTemplate(run.settings, …)`).
 */
import type { RunTemplate } from '../core/text/runTemplate';
import type { TemplateChoice, TrainSettings } from '../core/runs/settings';
import type { StoredModelMeta } from '../storage/modelStorage';

export const TEMPLATE_LABELS: Record<TemplateChoice, string> = {
  model: 'From the model (its own chat template)',
  chatml: 'ChatML (<|im_start|>user … <|im_end|>)',
  llama3: 'Llama 3 (<|start_header_id|>user<|end_header_id|> …)',
  paper: "The studio's own (User: … Assistant: …, the paper's)",
};

const BUILT_IN: readonly TemplateChoice[] = ['paper', 'chatml', 'llama3'];

/**
 * What the template menu offers: the model's own first when it has one, then the built-ins; the studio's own only for
 * a model whose tokenizer cannot read a chat template's special tokens (`readsChatTemplates`).
 */
export function templateOptions(ownTemplate: boolean, chatCapable = true): TemplateChoice[] {
  if (!chatCapable) return ['paper'];
  return ownTemplate ? ['model', ...BUILT_IN] : [...BUILT_IN];
}

/**
 * The template a run with these settings uses. Nothing picked: the model's own when it has one, else the studio's.
 * `model` picked for a model without one (the model was changed after) falls back the same way: never a template
 * that does not exist.
 */
export function chosenTemplate(
  settings: Pick<TrainSettings, 'template'>,
  ownTemplate: boolean,
  chatCapable = true,
): TemplateChoice {
  const picked = settings.template;
  if (!chatCapable) return 'paper';
  if (picked === undefined || (picked === 'model' && !ownTemplate)) return ownTemplate ? 'model' : 'paper';
  return picked;
}

/**
 * Whether an imported model brings a chat template: `chat_template.jinja` among its files, or the one the import
 * found (`HfModelDescription.chatTemplate`: the jinja file or tokenizer_config.json's `chat_template`).
 */
export function ownChatTemplate(meta: Pick<StoredModelMeta, 'fileSizes' | 'description'> | undefined): boolean {
  if (!meta) return false;
  if ('chat_template.jinja' in meta.fileSizes) return true;
  return typeof meta.description.chatTemplate === 'string' && meta.description.chatTemplate.length > 0;
}

/**
 * The template the trainer is given: the studio's own by name, a chat template by its choice (the worker reads it
 * from the model's files and the run keeps what it read; see core/text/runTemplate.ts).
 */
export function trainerTemplate(choice: TemplateChoice): RunTemplate {
  return choice === 'paper' ? 'paper' : { chat: choice };
}

/**
 * Whether a model can be written in a chat template at all: one with its own tokenizer.json, which reads the special
 * tokens a template writes. The studio's base model and GPT-2's vocab.json + merges.txt have none of them.
 */
export function readsChatTemplates(meta: Pick<StoredModelMeta, 'fileSizes'> | undefined): boolean {
  return !!meta && 'tokenizer.json' in meta.fileSizes;
}
