/**
 * How a record becomes a training row and a generation prompt: one of the studio's prompt templates ('paper',
 * 'alpaca', template.ts) or a chat template (the model's own or a built-in, chatTemplate.ts). Both give an
 * `EncodedExample` and a `GenerationPrompt`, so truncation, masks, batches, evaluation and generation read them alike.
 */
import {
  chatGenerationPrompt,
  chatPrompt,
  chatTemplateFor,
  chatTemplateFromParts,
  ChatTemplateError,
  encodeChatExample,
  endOfTurnToken,
  recordConversation,
  renderChat,
  type ChatRecord,
  type ChatTemplate,
  type ChatTemplateFiles,
  type ChatTokenizer,
} from './chatTemplate';
import { isChatTemplateSpec, type ChatTemplateSpec, type RunTemplate } from './runTemplate';
import {
  encodeExample,
  generationPrompt,
  roundedRowLength,
  type EncodedExample,
  type GenerationPrompt,
  type TemplateInput,
  type TemplateName,
} from './template';
import type { TokenizerLike } from './tokenizerLike';
import { trainingTexts } from './trainingTexts';

export type RecordFormat = TemplateName | ChatTemplate;

/** A chat template reads special tokens written in its text, which only a model's own tokenizer does. */
export type FormatTokenizer = TokenizerLike & Partial<ChatTokenizer>;

function chatTokenizer(format: ChatTemplate, tok: FormatTokenizer): ChatTokenizer {
  if (!tok.encodeWithSpecialTokens)
    throw new ChatTemplateError(
      `The chat template ${format.name} needs the model's own tokenizer (one that reads special tokens in text); ` +
        `pick the studio's own template for this model.`,
    );
  return { encodeWithSpecialTokens: (text) => tok.encodeWithSpecialTokens!(text) };
}

export function encodeRecord(format: RecordFormat, tok: FormatTokenizer, r: ChatRecord): EncodedExample {
  if (typeof format === 'string') return encodeExample(format, tok, r);
  return encodeChatExample(format, chatTokenizer(format, tok), r);
}

/** What the model is given to answer `r` (its final answer left out), tokenized as in training. */
export function recordPrompt(
  format: RecordFormat,
  tok: FormatTokenizer,
  r: TemplateInput & Pick<ChatRecord, 'id' | 'system' | 'tools'>,
): GenerationPrompt {
  if (typeof format === 'string') return generationPrompt(format, tok, r);
  const { ids, answerPrefix } = chatPrompt(format, chatTokenizer(format, tok), { ...r, output: '' });
  return answerPrefix ? { ids, heldBack: [], answerPrefix } : { ids, heldBack: [] };
}

/**
 * The ids that end a generation: `<eos>`, and under a chat template the token that closes an assistant turn
 * (`<|im_end|>`, `<|eot_id|>`), which is what the model was trained to stop with.
 */
export function stopIds(format: RecordFormat, tok: FormatTokenizer): number[] {
  if (typeof format === 'string') return [tok.eosId];
  const turnEnd = endOfTurnToken(format);
  const ids = chatTokenizer(format, tok).encodeWithSpecialTokens(turnEnd);
  if (ids.length !== 1)
    throw new ChatTemplateError(
      `The chat template ${format.name} ends a turn with ${turnEnd}, which this tokenizer reads as ${ids.length} tokens, not one`,
    );
  return ids[0] === tok.eosId ? [tok.eosId] : [tok.eosId, ids[0]!];
}

/** The row length a run needs: its longest example, rounded as `fittingContextLength` rounds, within the model. */
export function fittingRowLength(
  format: RecordFormat,
  tok: FormatTokenizer,
  records: readonly ChatRecord[],
  modelContext: number,
): number {
  let longest = 0;
  for (const r of records) longest = Math.max(longest, encodeRecord(format, tok, r).ids.length - 1);
  return roundedRowLength(longest, modelContext);
}

/** Compiled templates by spec, so a run compiles its template once however often it is asked for. */
const compiled = new WeakMap<ChatTemplateSpec, ChatTemplate>();

/** The format a run's template names; a chat template must have been read (`readRunTemplate`) first. */
export function formatOf(t: RunTemplate): RecordFormat {
  if (typeof t === 'string') return t;
  if (!isChatTemplateSpec(t))
    throw new ChatTemplateError(
      `The run names the ${t.chat} chat template but it was never read from the model's files; start the run again.`,
    );
  let c = compiled.get(t);
  if (!c) {
    c = chatTemplateFromParts(t);
    compiled.set(t, c);
  }
  return c;
}

/**
 * A run's template as the checkpoints keep it: a picked chat template read from the model's files (refused by name
 * when the model lacks it, or a token it writes); prompt templates and specs already read pass through.
 */
export function readRunTemplate(t: RunTemplate, files: ChatTemplateFiles | undefined): RunTemplate {
  if (typeof t === 'string' || isChatTemplateSpec(t)) return t;
  if (!files)
    throw new ChatTemplateError(
      `The ${t.chat} chat template needs a model with its own tokenizer files; this model has none, so pick the studio's own template.`,
    );
  const { name, source, tokens, specialTokens } = chatTemplateFor(t.chat, files);
  return { chat: t.chat, name, source, tokens, specialTokens: [...specialTokens] };
}

/**
 * The strings a run's tokenizer encodes for these records (vocabulary pruning keeps every id they use): the
 * template's pieces (`trainingTexts`), or under a chat template each conversation rendered whole and up to its
 * generation prompt, to be encoded with the special tokens read (`specialTokensInText`).
 */
export function formatTrainingTexts(
  format: RecordFormat,
  records: readonly ChatRecord[],
): { texts: string[]; specialTokensInText: boolean } {
  if (typeof format === 'string') return { texts: trainingTexts(records, format), specialTokensInText: false };
  const texts: string[] = [];
  for (const r of records) {
    const c = recordConversation(r);
    texts.push(renderChat(format, c), chatGenerationPrompt(format, { ...c, messages: c.messages.slice(0, -1) }));
  }
  return { texts, specialTokensInText: true };
}
