/**
 * A model's own chat template (the Jinja string in `tokenizer_config.json` or `chat_template.jinja`), rendered with
 * `@huggingface/jinja` in the context transformers' `apply_chat_template` gives it, and the assistant-only loss mask.
 *
 * The mask, per assistant turn, in characters of the rendered conversation, then in tokens as transformers maps
 * characters to tokens (a token is trained when it holds a trained character):
 * - Where the template marks the assistant's part with `{% generation %}…{% endgeneration %}`, the marked text, as
 *   `return_assistant_tokens_mask` and TRL's `assistant_only_loss` read it. `@huggingface/jinja` parses these tags
 *   but drops them, so they are rewritten into marker characters before rendering and the markers cut out after.
 * - Otherwise (every template the models ship today) the documented rule: the turn starts where the conversation up
 *   to it, rendered with `add_generation_prompt`, ends (so the header the generation prompt writes is context), and
 *   ends with the first end-of-turn token after that (included: the model must learn to stop), where the end-of-turn
 *   token is the first special token the template writes after an assistant's content (`<|im_end|>`, `<|eot_id|>`,
 *   `<end_of_turn>`). The newline after it is context. A template whose rendering up to a turn is not a prefix of the
 *   whole conversation cannot be masked this way and is refused by name.
 *   Qwen3: its template writes an empty `<think>\n\n</think>\n\n` block into every assistant turn after the last user
 *   query and drops thinking from earlier turns; the generation prompt stops at `<|im_start|>assistant\n`, so that
 *   block is trained on those turns (what `apply_chat_template` gives the model to learn), never on earlier ones.
 */
import { Template } from '@huggingface/jinja';
import type { Exchange } from '../data/record';
import { BUILTIN_CHAT_TEMPLATES, builtinChatTemplate, type BuiltinChatTemplateName } from './builtinChatTemplates';
import type { EncodedExample, TemplateRecord, TokenSpan } from './template';

export interface ToolCall {
  type: 'function';
  function: { name: string; arguments: Record<string, unknown> | string };
}

/** A tool the model may call, as transformers passes `tools` (a JSON schema per function). */
export type ToolSpec = Record<string, unknown>;

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  tool_calls?: ToolCall[];
  /** Present only as `false` on an assistant turn: context, not a training target. */
  trained?: false;
}

export interface Conversation {
  messages: ChatMessage[];
  tools?: ToolSpec[];
}

/** A record as a conversation reads it; `system` and `tools` where the dataset has them. */
export type ChatRecord = TemplateRecord & {
  id?: string;
  system?: string;
  tools?: ToolSpec[];
};

export class ChatTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChatTemplateError';
  }
}

export interface ChatTemplate {
  /** Where it came from, for messages: `tokenizer_config.json chat_template`, `built-in chatml`, … */
  name: string;
  source: string;
  /** Special-token strings the template may read (`bos_token`, `eos_token`, …), as transformers passes them. */
  tokens: Record<string, string>;
  /** Every special token's text: where the end-of-turn token is looked for. */
  specialTokens: readonly string[];
  /** True when the template marks assistant text with `{% generation %}`. */
  marksGeneration: boolean;
  /** Internal: the parsed template (with generation marks turned into marker characters). */
  readonly compiled: Template;
}

// Private-use characters: the `{% generation %}` marks become these in the rendered text.
const GEN_START = '\uE000';
const GEN_END = '\uE001';
const GENERATION_TAG = /{%(-?)\s*(end)?generation\s*(-?)%}/g;

/** The `{% generation %}` tags as block tags that print a marker, keeping their whitespace control. */
function markGeneration(source: string): string {
  return source.replace(
    GENERATION_TAG,
    (_m, l: string, end: string | undefined, r: string) =>
      `{%${l} if true %}{{ '${end ? GEN_END : GEN_START}' }}{% endif ${r}%}`,
  );
}

const STRIP = '__studio_py_strip';
type StripMode = 'strip' | 'lstrip' | 'rstrip';

/** Python's `str.strip(chars)` (and lstrip, rstrip): any of `chars` from the ends; whitespace when none given. */
function pyStrip(s: unknown, chars: unknown, mode: StripMode): unknown {
  if (typeof s !== 'string') throw new Error(`${mode}() on a ${typeof s}, not a string`);
  if (typeof chars !== 'string') return mode === 'strip' ? s.trim() : mode === 'lstrip' ? s.trimStart() : s.trimEnd();
  let a = 0;
  let b = s.length;
  if (mode !== 'rstrip') while (a < b && chars.includes(s[a]!)) a++;
  if (mode !== 'lstrip') while (b > a && chars.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}

type Node = { type?: string; [key: string]: unknown };

/**
 * `@huggingface/jinja` 0.5 ignores the argument of `strip('\n')` / `lstrip` / `rstrip` and trims all whitespace;
 * Qwen3's template strips only newlines from its thinking block. Calls with an argument are rewritten in the parsed
 * template into a call of `pyStrip`, passed in the render context.
 */
function pythonStrips(node: unknown): void {
  if (Array.isArray(node)) {
    for (const x of node) pythonStrips(x);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const n = node as Node;
  for (const v of Object.values(n)) pythonStrips(v);
  const callee = n.callee as Node | undefined;
  const property = callee?.property as Node | undefined;
  const args = n.args as Node[] | undefined;
  if (
    n.type === 'CallExpression' &&
    callee?.type === 'MemberExpression' &&
    !callee.computed &&
    property?.type === 'Identifier' &&
    ['strip', 'lstrip', 'rstrip'].includes(property.value as string) &&
    args?.length === 1
  ) {
    n.callee = { type: 'Identifier', value: STRIP };
    n.args = [callee.object as Node, args[0]!, { type: 'StringLiteral', value: property.value }];
  }
}

export interface TokenizerConfigLike {
  chat_template?: string | { name: string; template: string }[] | null;
  bos_token?: string | { content: string } | null;
  eos_token?: string | { content: string } | null;
  pad_token?: string | { content: string } | null;
  unk_token?: string | { content: string } | null;
  additional_special_tokens?: (string | { content: string })[];
  added_tokens_decoder?: Record<string, { content: string; special?: boolean }>;
}

function tokenText(t: string | { content: string } | null | undefined): string | undefined {
  return t == null ? undefined : typeof t === 'string' ? t : t.content;
}

function specialsOf(config: TokenizerConfigLike): { tokens: Record<string, string>; special: string[] } {
  const tokens: Record<string, string> = {};
  for (const key of ['bos_token', 'eos_token', 'pad_token', 'unk_token'] as const) {
    const text = tokenText(config[key]);
    if (text !== undefined) tokens[key] = text;
  }
  const special = new Set(Object.values(tokens));
  for (const t of config.additional_special_tokens ?? []) special.add(tokenText(t)!);
  for (const t of Object.values(config.added_tokens_decoder ?? {})) if (t.special) special.add(t.content);
  return { tokens, special: [...special] };
}

export interface ChatTemplateFiles {
  tokenizerConfig: TokenizerConfigLike;
  /** `chat_template.jinja`, which transformers prefers to the config's `chat_template` when both exist. */
  chatTemplateJinja?: string;
}

/** Compiles a template string; a parse error names the template. */
export function compileChatTemplate(name: string, source: string, config: TokenizerConfigLike = {}): ChatTemplate {
  const { tokens, special } = specialsOf(config);
  return chatTemplateFromParts({ name, source, tokens, specialTokens: special });
}

/** What a compiled template is made of, all plain data: a run keeps these to rebuild the same template in a worker. */
export type ChatTemplateParts = Pick<ChatTemplate, 'name' | 'source' | 'tokens' | 'specialTokens'>;

/** Compiles a template from its parts (`compileChatTemplate` reads the tokens from a tokenizer config instead). */
export function chatTemplateFromParts(parts: ChatTemplateParts): ChatTemplate {
  let compiled: Template;
  try {
    compiled = new Template(markGeneration(parts.source));
    pythonStrips(compiled.parsed);
  } catch (e) {
    throw new ChatTemplateError(`The chat template ${parts.name} does not parse: ${(e as Error).message}`);
  }
  GENERATION_TAG.lastIndex = 0;
  const marksGeneration = GENERATION_TAG.test(parts.source);
  return { ...parts, specialTokens: [...parts.specialTokens], tokens: { ...parts.tokens }, marksGeneration, compiled };
}

/**
 * The model's own template: `chat_template.jinja`, else the config's `chat_template` (a string, or the list form
 * `[{name, template}]`, of which `which` picks one: `default` unless asked; transformers picks `tool_use` when tools
 * are passed and the list has it). Undefined when the model has none (a base model: offer the built-ins).
 */
export function modelChatTemplate(files: ChatTemplateFiles, which?: string): ChatTemplate | undefined {
  const { tokenizerConfig: config } = files;
  if (files.chatTemplateJinja !== undefined)
    return compileChatTemplate('chat_template.jinja', files.chatTemplateJinja, config);
  const t = config.chat_template;
  if (t == null) return undefined;
  if (typeof t === 'string') return compileChatTemplate('tokenizer_config.json chat_template', t, config);
  const wanted = which ?? 'default';
  const named = t.find((x) => x.name === wanted);
  if (!named)
    throw new ChatTemplateError(
      `tokenizer_config.json has no chat template named "${wanted}"; it has ${t.map((x) => `"${x.name}"`).join(', ')}`,
    );
  return compileChatTemplate(`tokenizer_config.json chat_template "${wanted}"`, named.template, config);
}

/** A built-in template with this model's special tokens; refused when the tokenizer lacks a token it writes. */
export function builtinForModel(name: BuiltinChatTemplateName, config: TokenizerConfigLike): ChatTemplate {
  const b = builtinChatTemplate(name);
  const t = compileChatTemplate(`built-in ${name}`, b.source, config);
  const missing = b.needsTokens.filter((x) => !t.specialTokens.includes(x));
  if (missing.length > 0)
    throw new ChatTemplateError(
      `The built-in ${name} template writes ${missing.join(', ')}, which this tokenizer has no special token for; ` +
        `pick another template.`,
    );
  for (const key of name === 'paper' ? ['bos_token', 'eos_token'] : name === 'llama3' ? ['bos_token'] : [])
    if (!t.tokens[key])
      throw new ChatTemplateError(`The built-in ${name} template needs a ${key}; this tokenizer has none.`);
  return t;
}

export type ChatTemplateChoice = 'model' | BuiltinChatTemplateName;

export interface ChatTemplateOption {
  choice: ChatTemplateChoice;
  label: string;
  /** Why it cannot be picked for this model (no template of its own, a token the tokenizer lacks); absent when it can. */
  unavailable?: string;
}

/** What the template picker offers for a model: its own template first when it has one, then the built-ins. */
export function chatTemplateOptions(files: ChatTemplateFiles): ChatTemplateOption[] {
  const own: ChatTemplateOption = { choice: 'model', label: "The model's own" };
  try {
    if (!modelChatTemplate(files)) own.unavailable = 'this model ships no chat template';
  } catch (e) {
    own.unavailable = (e as Error).message;
  }
  return [
    own,
    ...BUILTIN_CHAT_TEMPLATES.map((b): ChatTemplateOption => {
      try {
        builtinForModel(b.name, files.tokenizerConfig);
        return { choice: b.name, label: b.label };
      } catch (e) {
        return { choice: b.name, label: b.label, unavailable: (e as Error).message };
      }
    }),
  ];
}

/** The template a picker's choice names, for this model's files. */
export function chatTemplateFor(choice: ChatTemplateChoice, files: ChatTemplateFiles): ChatTemplate {
  if (choice !== 'model') return builtinForModel(choice, files.tokenizerConfig);
  const t = modelChatTemplate(files);
  if (!t) throw new ChatTemplateError('This model ships no chat template; pick one of the built-ins.');
  return t;
}

/** The conversation a record is: system, every earlier exchange, then the final instruction and its answer. */
export function recordConversation(r: ChatRecord): Conversation {
  const messages: ChatMessage[] = [];
  if (r.system) messages.push({ role: 'system', content: r.system });
  for (const x of r.history ?? []) messages.push(...exchangeMessages(x));
  messages.push({ role: 'user', content: r.input ? `${r.instruction}\n${r.input}` : r.instruction });
  messages.push({ role: 'assistant', content: r.output });
  return r.tools ? { messages, tools: r.tools } : { messages };
}

function exchangeMessages(x: Exchange): ChatMessage[] {
  const answer: ChatMessage = { role: 'assistant', content: x.assistant };
  if (x.trained === false) answer.trained = false;
  return [{ role: 'user', content: x.user }, answer];
}

export interface RenderOptions {
  addGenerationPrompt?: boolean;
  /** Named in errors: the record's id. */
  recordId?: string;
}

/** The conversation rendered as `apply_chat_template(…, tokenize=False)` does. */
export function renderChat(t: ChatTemplate, c: Conversation, options: RenderOptions = {}): string {
  return stripMarks(renderMarked(t, c, options));
}

function renderMarked(t: ChatTemplate, c: Conversation, options: RenderOptions): string {
  const messages = c.messages.map(({ trained: _trained, ...m }) => m);
  const context: Record<string, unknown> = {
    ...t.tokens,
    [STRIP]: pyStrip,
    messages,
    add_generation_prompt: options.addGenerationPrompt ?? false,
  };
  if (c.tools) context.tools = c.tools;
  if (t.marksGeneration && c.messages.some((m) => m.content.includes(GEN_START) || m.content.includes(GEN_END)))
    throw new ChatTemplateError(
      `A message holds the private-use character U+E000 or U+E001, which marks generation spans; remove it` +
        (options.recordId !== undefined ? ` (record ${options.recordId})` : ''),
    );
  try {
    return t.compiled.render(context);
  } catch (e) {
    const which = options.recordId !== undefined ? `record ${options.recordId}` : 'a conversation';
    throw new ChatTemplateError(
      `The chat template ${t.name} could not render ${which} (${describe(c)}): ${(e as Error).message}`,
    );
  }
}

function describe(c: Conversation): string {
  return c.messages.map((m) => m.role).join(' → ') + (c.tools ? `, ${c.tools.length} tools` : '');
}

function stripMarks(s: string): string {
  return s.includes(GEN_START) || s.includes(GEN_END) ? s.replaceAll(GEN_START, '').replaceAll(GEN_END, '') : s;
}

/** Characters [start, end) of the rendered conversation. */
export interface CharSpan {
  start: number;
  end: number;
}

export interface AssistantSpan extends CharSpan {
  /** Index of the assistant message in the conversation. */
  message: number;
  trained: boolean;
}

/** The rendered conversation and where each assistant turn's trained text lies in it (see the rule above). */
export function assistantSpans(
  t: ChatTemplate,
  c: Conversation,
  options: Omit<RenderOptions, 'addGenerationPrompt'> = {},
): { text: string; spans: AssistantSpan[] } {
  const assistants = c.messages.flatMap((m, i) => (m.role === 'assistant' ? [i] : []));
  const marked = renderMarked(t, c, options);
  const text = stripMarks(marked);
  const where = () => (options.recordId !== undefined ? ` (record ${options.recordId})` : '');
  if (t.marksGeneration) {
    const marks = generationMarks(marked);
    if (marks.length !== assistants.length)
      throw new ChatTemplateError(
        `The chat template ${t.name} marked ${marks.length} generation spans for ${assistants.length} assistant turns${where()}`,
      );
    return {
      text,
      spans: marks.map((s, k) => ({
        ...s,
        message: assistants[k]!,
        trained: c.messages[assistants[k]!]!.trained !== false,
      })),
    };
  }
  const turnEnd = endOfTurnToken(t);
  const spans = assistants.map((i): AssistantSpan => {
    const before = renderChat(t, { ...c, messages: c.messages.slice(0, i) }, { ...options, addGenerationPrompt: true });
    if (!text.startsWith(before))
      throw new ChatTemplateError(
        `The chat template ${t.name} renders the conversation up to assistant turn ${i} (with its generation prompt) ` +
          `as text that the whole conversation does not start with${where()}, so its trained span cannot be found; ` +
          `pick a built-in template instead.`,
      );
    const at = text.indexOf(turnEnd, before.length);
    if (at < 0)
      throw new ChatTemplateError(
        `The chat template ${t.name} does not close assistant turn ${i} with ${turnEnd}${where()}`,
      );
    return { start: before.length, end: at + turnEnd.length, message: i, trained: c.messages[i]!.trained !== false };
  });
  return { text, spans };
}

function generationMarks(marked: string): CharSpan[] {
  const spans: CharSpan[] = [];
  let pos = 0;
  let open = -1;
  for (const ch of marked) {
    if (ch === GEN_START) open = pos;
    else if (ch === GEN_END) {
      if (open >= 0) spans.push({ start: open, end: pos });
      open = -1;
    } else pos += ch.length;
  }
  return spans;
}

const PROBE = 'Zq7Probe';

/**
 * The special token the template closes an assistant turn with: the first special token it writes after an
 * assistant's content (rendered for a one-exchange probe conversation).
 */
export function endOfTurnToken(t: ChatTemplate): string {
  const probe: Conversation = {
    messages: [
      { role: 'user', content: 'Zq7Question' },
      { role: 'assistant', content: PROBE },
    ],
  };
  const text = renderChat(t, probe);
  const after = text.indexOf(PROBE);
  if (after < 0) throw new ChatTemplateError(`The chat template ${t.name} does not write the assistant's content`);
  let best: { at: number; token: string } | undefined;
  for (const token of t.specialTokens) {
    const at = text.indexOf(token, after + PROBE.length);
    if (at >= 0 && (!best || at < best.at || (at === best.at && token.length > best.token.length)))
      best = { at, token };
  }
  if (!best)
    throw new ChatTemplateError(`The chat template ${t.name} writes no special token after an assistant's answer`);
  return best.token;
}

/** A piece of rendered text, trained or context: what the UI highlights. */
export interface ChatSegment {
  text: string;
  trained: boolean;
}

/** The record rendered by the template, cut into trained and context pieces in order (they join to the whole). */
export function chatSegments(t: ChatTemplate, r: ChatRecord): ChatSegment[] {
  const { text, spans } = assistantSpans(t, recordConversation(r), recordOptions(r));
  const out: ChatSegment[] = [];
  let at = 0;
  for (const s of spans) {
    if (!s.trained) continue;
    if (s.start > at) out.push({ text: text.slice(at, s.start), trained: false });
    out.push({ text: text.slice(s.start, s.end), trained: true });
    at = s.end;
  }
  if (at < text.length) out.push({ text: text.slice(at), trained: false });
  return out;
}

function recordOptions(r: ChatRecord): RenderOptions {
  return r.id !== undefined ? { recordId: r.id } : {};
}

/** What encoding reads of a tokenizer: special tokens written in the text are read as those tokens, no `<bos>` added. */
export interface ChatTokenizer {
  encodeWithSpecialTokens(text: string): number[];
}

/**
 * The token ids of a conversation as `apply_chat_template(…, tokenize=True)` gives them, and a 0/1 mask per token:
 * 1 on the tokens of trained assistant spans, each token holding a trained character counted (as
 * `return_assistant_tokens_mask` does through `char_to_token`).
 */
export function chatTokens(
  t: ChatTemplate,
  tok: ChatTokenizer,
  c: Conversation,
  options: Omit<RenderOptions, 'addGenerationPrompt'> = {},
): { ids: number[]; mask: Uint8Array; spans: TokenSpan[] } {
  const { text, spans } = assistantSpans(t, c, options);
  const ids = tok.encodeWithSpecialTokens(text);
  const mask = new Uint8Array(ids.length);
  const tokenSpans: TokenSpan[] = [];
  for (const s of spans) {
    if (!s.trained || s.end <= s.start) continue;
    const span = charsToTokens(tok, text, ids, s);
    mask.fill(1, span.start, span.end);
    tokenSpans.push(span);
  }
  return { ids, mask, spans: tokenSpans };
}

/**
 * The tokens holding characters [start, end) of `text`, without offsets: the tokens the text before a character
 * encodes to, as far as they agree with the whole text's, lie wholly before it; the next one holds it.
 */
function charsToTokens(tok: ChatTokenizer, text: string, ids: readonly number[], s: CharSpan): TokenSpan {
  const start = sharedPrefix(tok.encodeWithSpecialTokens(text.slice(0, s.start)), ids);
  const upTo = tok.encodeWithSpecialTokens(text.slice(0, s.end));
  const whole = sharedPrefix(upTo, ids);
  // A token straddling the span's end holds its last character.
  const end = whole === upTo.length ? whole : whole + 1;
  return { start, end: Math.max(start, Math.min(end, ids.length)) };
}

function sharedPrefix(a: readonly number[], b: readonly number[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/**
 * A record as a training row the batching reads (`fitToContext`, `BatchBuilder`): the template's ids up to the end of
 * the final answer's trained span (what follows it, a newline or a header, is untrained and would only take room),
 * the final answer's start as `promptLength`, and earlier trained answers as `trainedSpans`.
 */
export function encodeChatExample(t: ChatTemplate, tok: ChatTokenizer, r: ChatRecord): EncodedExample {
  const { ids, spans } = chatTokens(t, tok, recordConversation(r), recordOptions(r));
  const last = spans[spans.length - 1];
  if (!last)
    throw new ChatTemplateError(
      `The chat template ${t.name} left nothing to train in record ${r.id ?? '(no id)'}: its answer is empty`,
    );
  const e: EncodedExample = { ids: ids.slice(0, last.end), promptLength: last.start };
  if (spans.length > 1) e.trainedSpans = spans.slice(0, -1);
  return e;
}

/** What a model is given to answer a conversation (its last turn a user's or a tool's): the generation prompt. */
export function chatGenerationPrompt(t: ChatTemplate, c: Conversation, options: RenderOptions = {}): string {
  return renderChat(t, c, { ...options, addGenerationPrompt: true });
}

/** What a model is given to answer a record under a chat template, and what the template writes before the answer. */
export interface ChatPrompt {
  /** The record's conversation up to its final user turn, with the generation prompt, as token ids. */
  ids: number[];
  /**
   * Text the template writes at the start of every final answer after the generation prompt (Qwen3's empty
   * `<think>\n\n</think>\n\n`; '' for most): the model was trained to generate it, so the answer is what follows.
   */
  answerPrefix: string;
}

/** The generation prompt of a record (its final answer left out) and the answer's template-written prefix. */
export function chatPrompt(t: ChatTemplate, tok: ChatTokenizer, r: ChatRecord): ChatPrompt {
  const whole = recordConversation({ ...r, output: PROBE });
  const asked: Conversation = { ...whole, messages: whole.messages.slice(0, -1) };
  const options = recordOptions(r);
  const prompt = chatGenerationPrompt(t, asked, options);
  const answered = renderChat(t, whole, options);
  const at = answered.indexOf(PROBE, prompt.length);
  const answerPrefix = answered.startsWith(prompt) && at >= 0 ? answered.slice(prompt.length, at) : '';
  return { ids: tok.encodeWithSpecialTokens(prompt), answerPrefix };
}
