/**
 * A record as the model sees it under a chat template (the model's own, or a built-in with the model's special
 * tokens): the rendered text cut into trained and context pieces by the template's mask rule (`chatSegments`),
 * each special token the template writes apart, and the token counts of the training row when the model's tokenizer
 * reads special tokens (`encodeWithSpecialTokens`). Loaded on demand: the Jinja renderer stays out of the page.
 */
import {
  builtinForModel,
  chatSegments,
  encodeChatExample,
  modelChatTemplate,
  ChatTemplateError,
  type ChatRecord,
  type ChatTemplate,
  type ChatTemplateFiles,
  type ChatTokenizer,
} from '../core/text/chatTemplate';
import { responseMask } from '../core/text/masks';
import type { TemplateChoice } from '../core/runs/settings';
import type { RenderedRecord, RenderedSegment } from './recordRendering';

/** The template a choice names for this model; refused by name when the model lacks what it needs. */
export function chatTemplateFor(choice: Exclude<TemplateChoice, 'paper'>, files: ChatTemplateFiles): ChatTemplate {
  if (choice !== 'model') return builtinForModel(choice, files.tokenizerConfig);
  const own = modelChatTemplate(files);
  if (!own)
    throw new ChatTemplateError(
      'This model has no chat template of its own (no chat_template.jinja, none in tokenizer_config.json): pick a built-in.',
    );
  return own;
}

/** Splits a piece of text at every special token the template knows, longest first so none hides a longer one. */
function splitSpecials(text: string, trained: boolean, specials: readonly string[]): RenderedSegment[] {
  const tokens = specials.filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  const out: RenderedSegment[] = [];
  let plain = '';
  for (let at = 0; at < text.length;) {
    const token = tokens.find((t) => text.startsWith(t, at));
    if (token) {
      if (plain) out.push({ text: plain, trained, special: false });
      plain = '';
      out.push({ text: token, trained, special: true });
      at += token.length;
    } else {
      plain += text[at];
      at++;
    }
  }
  if (plain) out.push({ text: plain, trained, special: false });
  return out;
}

/** The record under `template`; token counts only with a tokenizer that reads the template's special tokens. */
export function renderChatRecord(template: ChatTemplate, r: ChatRecord, tok?: ChatTokenizer): RenderedRecord {
  const segments = chatSegments(template, r).flatMap((s) => splitSpecials(s.text, s.trained, template.specialTokens));
  if (!tok) return { segments };
  const example = encodeChatExample(template, tok, r);
  const trainedTokens = responseMask(example).reduce((n, m) => n + m, 0);
  return { segments, tokens: example.ids.length, trainedTokens };
}
