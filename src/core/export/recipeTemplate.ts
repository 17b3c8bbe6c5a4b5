/**
 * The template a scale-out recipe writes its records in: the run's own (`RunTemplate`, a name, a pick or the spec a
 * checkpoint keeps), reduced to what a machine without the studio can render. The studio's prompt templates travel
 * by name (train_phased.py has them as chat templates); a built-in chat template travels as its Jinja source; the
 * model's own chat template travels as "the base model's own", since the recipe may start from a larger model of
 * the same family, whose tokenizer brings it.
 */
import { builtinChatTemplate } from '../text/builtinChatTemplates';
import { isChatTemplateSpec, type RunTemplate } from '../text/runTemplate';
import { TEMPLATE_NAMES, type TemplateName } from '../text/template';

export type RecipeTemplate =
  | { kind: 'studio'; name: TemplateName }
  | { kind: 'chat'; choice: 'model' }
  | { kind: 'chat'; choice: 'chatml' | 'llama3'; source: string; needsTokens: string[] };

/** The recipe's template for a run's; throws a message naming what is wrong (the caller adds the hint). */
export function recipeTemplateOf(t: RunTemplate): RecipeTemplate {
  if (typeof t === 'string') {
    if (!TEMPLATE_NAMES.includes(t)) throw new Error(`"${String(t)}" is not one of the studio's prompt templates.`);
    return { kind: 'studio', name: t };
  }
  const choice = (t as { chat?: unknown } | null)?.chat;
  if (choice === 'model') return { kind: 'chat', choice: 'model' };
  // The studio's own template as a chat template renders what its prompt template does (builtinChatTemplates.ts).
  if (choice === 'paper') return { kind: 'studio', name: 'paper' };
  if (choice === 'chatml' || choice === 'llama3') {
    const builtin = builtinChatTemplate(choice);
    const source = isChatTemplateSpec(t) ? t.source : builtin.source;
    return { kind: 'chat', choice, source, needsTokens: [...builtin.needsTokens] };
  }
  throw new Error(`The chat template "${String(choice)}" is not one the recipe can write (model, chatml, llama3).`);
}

/** How the READMEs name it. */
export function describeRecipeTemplate(t: RecipeTemplate): string {
  if (t.kind === 'studio') return `the studio's ${t.name} template`;
  return t.choice === 'model' ? "the base model's own chat template" : `the built-in ${t.choice} chat template`;
}

/**
 * The LLaMA-Factory template that renders the same text, where one does: its `chatml` and `llama3` write the
 * built-ins' turns (no default system prompt); otherwise none (the caller picks by the base model's name).
 */
export function llamaFactoryTemplateOf(t: RecipeTemplate): string | undefined {
  return t.kind === 'chat' && t.choice !== 'model' ? t.choice : undefined;
}

/** What the export's template menu offers, each with the run template it stands for. */
export const RECIPE_TEMPLATE_CHOICES: readonly { value: string; label: string; template: RunTemplate }[] = [
  { value: 'paper', label: "The studio's own (User: / Assistant:)", template: 'paper' },
  { value: 'alpaca', label: "The studio's Alpaca", template: 'alpaca' },
  { value: 'chat:model', label: "The base model's own chat template", template: { chat: 'model' } },
  { value: 'chat:chatml', label: 'ChatML (Qwen, SmolLM2-Instruct)', template: { chat: 'chatml' } },
  { value: 'chat:llama3', label: 'Llama 3', template: { chat: 'llama3' } },
];

/** The menu value of a run's template (the studio's own for anything the menu lacks). */
export function recipeTemplateValue(t: RunTemplate): string {
  if (typeof t === 'string') return t;
  const value = t.chat === 'paper' ? 'paper' : `chat:${t.chat}`;
  return RECIPE_TEMPLATE_CHOICES.some((c) => c.value === value) ? value : 'paper';
}
