/**
 * The tokens that end generation for a model with a chat template, from its parsed JSON files: what
 * `generation_config.json` says (`eos_token_id`, one id or a list; else `config.json`'s), the tokenizer's `eos_token`,
 * and the token the template closes an assistant turn with (`endOfTurnToken`). The last matters where the files do
 * not name it: Llama 3's first tokenizer_config.json says `<|end_of_text|>` while every turn ends in `<|eot_id|>`.
 */
import { ChatTemplateError, endOfTurnToken, type ChatTemplate, type TokenizerConfigLike } from './chatTemplate';

export interface StopTokenFiles {
  tokenizerConfig: TokenizerConfigLike;
  generationConfig?: { eos_token_id?: number | number[] | null };
  modelConfig?: { eos_token_id?: number | number[] | null };
}

export interface StopTokens {
  /** In order: the generation config's, the tokenizer's eos, the template's end of turn; each once. */
  ids: number[];
  /** Where each id came from, for the UI and errors. */
  from: string[];
}

function asList(v: number | number[] | null | undefined): number[] {
  return v == null ? [] : Array.isArray(v) ? v : [v];
}

function idOf(config: TokenizerConfigLike, token: string): number | undefined {
  for (const [id, t] of Object.entries(config.added_tokens_decoder ?? {})) if (t.content === token) return Number(id);
  return undefined;
}

export function stopTokens(files: StopTokenFiles, template?: ChatTemplate): StopTokens {
  const ids: number[] = [];
  const from: string[] = [];
  const add = (id: number, source: string) => {
    if (!ids.includes(id)) {
      ids.push(id);
      from.push(source);
    }
  };
  const declared = asList(files.generationConfig?.eos_token_id);
  if (declared.length > 0) for (const id of declared) add(id, 'generation_config.json eos_token_id');
  else for (const id of asList(files.modelConfig?.eos_token_id)) add(id, 'config.json eos_token_id');
  const eos = files.tokenizerConfig.eos_token;
  const eosText = eos == null ? undefined : typeof eos === 'string' ? eos : eos.content;
  if (eosText !== undefined) {
    const id = idOf(files.tokenizerConfig, eosText);
    if (id !== undefined) add(id, `tokenizer_config.json eos_token ${eosText}`);
  }
  if (template) {
    const turnEnd = endOfTurnToken(template);
    const id = idOf(files.tokenizerConfig, turnEnd);
    if (id === undefined)
      throw new ChatTemplateError(
        `The chat template ${template.name} ends a turn with ${turnEnd}, which tokenizer_config.json has no id for`,
      );
    add(id, `the template's end of turn ${turnEnd}`);
  }
  if (ids.length === 0)
    throw new ChatTemplateError('No stop token: generation_config.json, config.json and the tokenizer name no eos');
  return { ids, from };
}
