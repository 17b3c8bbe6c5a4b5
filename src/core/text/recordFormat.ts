/**
 * How a record becomes a training row: one of the studio's prompt templates ('paper', 'alpaca', template.ts) or a
 * chat template (the model's own or a built-in, chatTemplate.ts). Both give an `EncodedExample`, so truncation,
 * masks and batches read them alike.
 */
import { encodeChatExample, type ChatRecord, type ChatTemplate, type ChatTokenizer } from './chatTemplate';
import { encodeExample, type EncodedExample, type TemplateName } from './template';
import type { TokenizerLike } from './tokenizerLike';

export type RecordFormat = TemplateName | ChatTemplate;

/** A chat template reads special tokens written in its text, which only a model's own tokenizer does. */
export type FormatTokenizer = TokenizerLike & Partial<ChatTokenizer>;

export function encodeRecord(format: RecordFormat, tok: FormatTokenizer, r: ChatRecord): EncodedExample {
  if (typeof format === 'string') return encodeExample(format, tok, r);
  if (!tok.encodeWithSpecialTokens)
    throw new Error(
      `The chat template ${format.name} needs the model's own tokenizer (one that reads special tokens in text); ` +
        `pick the 'paper' or 'alpaca' template for this tokenizer.`,
    );
  return encodeChatExample(format, { encodeWithSpecialTokens: (text) => tok.encodeWithSpecialTokens!(text) }, r);
}
