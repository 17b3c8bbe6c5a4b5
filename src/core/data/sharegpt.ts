import type { Exchange } from './record';
import {
  applyScoreFields,
  checkText,
  collectMeta,
  MAX_FIELD_CHARS,
  ownId,
  RowRejection,
  typeName,
  type RowContext,
  type RowDraft,
  type RowReader,
} from './validate';

type Role = 'user' | 'assistant' | 'system' | 'other';

/** ShareGPT `from` and OpenAI `role` values, lower-cased (a Map: a speaker named "constructor" is just unknown). */
const ROLES: ReadonlyMap<string, Role> = new Map<string, Role>([
  ['human', 'user'],
  ['user', 'user'],
  ['prompter', 'user'],
  ['gpt', 'assistant'],
  ['assistant', 'assistant'],
  ['chatgpt', 'assistant'],
  ['bard', 'assistant'],
  ['bing', 'assistant'],
  ['model', 'assistant'],
  ['bot', 'assistant'],
  // LLaMA-Factory's tool-use turns: the assistant's call, written as text, and the tool's answer.
  ['function_call', 'assistant'],
  ['system', 'system'],
  ['tool', 'other'],
  ['function', 'other'],
  ['observation', 'other'],
  ['ipython', 'other'],
]);

const OWN_FIELDS: ReadonlySet<string> = new Set(['conversations', 'messages', 'id', 'system']);

/** Consecutive turns of one side are joined with a blank line, as separate messages read. */
const TURN_JOIN = '\n\n';

/** One exchange being read: the user side (user and tool turns) and the assistant's turns after it. */
interface OpenExchange {
  user: string[];
  assistant: string[];
  /** Whether each assistant turn is trained (`loss_weight`/`weight` absent or 1). */
  trained: boolean[];
}

/**
 * ShareGPT `{conversations: [{from, value}]}` and OpenAI `{messages: [{role, content}]}` (either key, either turn
 * spelling), read whole. The turns after the first user turn fall into exchanges: user-side turns (user, and tool or
 * observation results) up to the next assistant turn are the exchange's user text, consecutive assistant turns its
 * answer. The last exchange is instruction → output; the earlier ones are `history`, oldest first. System turns
 * (and a top-level `system`) go to `meta.system`. Assistant turns before the first user turn are skipped with a
 * warning; user turns after the last answer are dropped (nothing answers them), counted in a note.
 *
 * A per-message `loss_weight` (LLaMA-Factory) or `weight` (OpenAI fine-tuning) of 0 on an assistant turn makes its
 * answer context only: an exchange is trained unless every one of its assistant turns has weight 0. Exchanges after
 * the last trained answer are dropped (a causal model learns nothing from text after its last target), so the
 * final exchange is always a trained one; a conversation with no trained answer is rejected.
 */
export const readConversationRow: RowReader = (row, ctx) => {
  const key = row.conversations !== undefined ? 'conversations' : 'messages';
  const turns = row[key];
  if (turns === undefined || turns === null) {
    throw new RowRejection(`missing instruction and output: no \`conversations\` or \`messages\` field`);
  }
  if (!Array.isArray(turns))
    throw new RowRejection(`wrong type: \`${key}\` is ${typeName(turns)}, expected a list of turns`);

  const system: string[] = [];
  if (typeof row.system === 'string' && row.system.trim() !== '') system.push(row.system);
  let skippedAssistant = 0;
  let firstUser = -1;
  const exchanges: OpenExchange[] = [];
  let open: OpenExchange | undefined;
  for (let i = 0; i < turns.length; i++) {
    const turn = readTurn(turns[i], key, i);
    const label = `\`${key}[${i}].${turn.textKey}\``;
    const text = contentText(turn.text, key, i, turn.textKey, ctx);
    if (turn.role === 'system') {
      system.push(textOf(text, label));
      continue;
    }
    if (turn.role === 'user' && firstUser < 0) firstUser = i;
    if (firstUser < 0) {
      skippedAssistant++;
      continue;
    }
    if (turn.role === 'assistant') {
      open!.assistant.push(checkText(text, 'output', label) as string);
      open!.trained.push(turn.weight !== 0);
      continue;
    }
    // LLaMA-Factory writes `loss_weight: 0` on every user turn, which says what the studio does anyway.
    if (turn.weight === 1)
      ctx.tally('`loss_weight` 1 on a user or tool turn ignored: only assistant turns are trained');
    // A user turn is an instruction (never blank); a tool's result may be empty.
    const userText = checkText(text, turn.role === 'user' ? 'instruction' : 'input', label) ?? '';
    if (open === undefined || open.assistant.length > 0) {
      open = { user: [], assistant: [], trained: [] };
      exchanges.push(open);
    }
    open.user.push(userText);
  }

  if (firstUser < 0)
    throw new RowRejection(
      `missing instruction: no user turn in \`${key}\` (${turns.length} turn${turns.length === 1 ? '' : 's'})`,
    );
  const unanswered = open !== undefined && open.assistant.length === 0;
  if (unanswered) exchanges.pop();
  if (exchanges.length === 0) {
    const a = firstUser + 1;
    if (a >= turns.length)
      throw new RowRejection(`missing output: no assistant turn after the first user turn (\`${key}[${firstUser}]\`)`);
    throw new RowRejection(
      `missing output: \`${key}[${a}]\` after the first user turn is from "${readTurn(turns[a], key, a).speaker}", not the assistant`,
    );
  }
  if (unanswered) ctx.tally('user turn(s) after the last answer dropped: nothing answers them');

  const last = exchanges.findLastIndex((x) => x.trained.some(Boolean));
  if (last < 0)
    throw new RowRejection(
      `no trained answer: every assistant turn in \`${key}\` has \`loss_weight\` (or \`weight\`) 0`,
    );
  if (last < exchanges.length - 1)
    ctx.tally('exchanges after the last trained answer (`loss_weight` 0) dropped: they train nothing');

  const final = exchanges[last]!;
  const draft: RowDraft = {
    id: ownId(row.id),
    instruction: joined(final.user, 'user turns'),
    input: '',
    output: joined(final.assistant, 'assistant turns'),
    meta: {},
  };
  const history: Exchange[] = exchanges.slice(0, last).map((x) => {
    const exchange: Exchange = {
      user: joined(x.user, 'user turns'),
      assistant: joined(x.assistant, 'assistant turns'),
    };
    if (!x.trained.some(Boolean)) exchange.trained = false;
    return exchange;
  });
  if (history.length > 0) draft.history = history;
  noteHistory(history, ctx);

  if (skippedAssistant > 0)
    ctx.warn(`conversation opens with ${skippedAssistant} assistant turn(s) before the first user turn; skipped`);
  if (system.length > 0) {
    const joinedSystem = system.join('\n\n');
    if (joinedSystem.length > MAX_FIELD_CHARS)
      throw new RowRejection(
        `oversize field: system message is ${joinedSystem.length} characters (limit ${MAX_FIELD_CHARS})`,
      );
    draft.meta.system = joinedSystem;
  }
  const scoreKey = applyScoreFields(draft, row, ctx);
  collectMeta(row, OWN_FIELDS, draft.meta, ctx, scoreKey);
  return draft;
};

/** The once-per-file note for a record that holds earlier exchanges (every reader of conversations says it alike). */
export function noteHistory(history: readonly Exchange[], ctx: RowContext): void {
  if (history.length === 0) return;
  ctx.tally(
    history.every((x) => x.trained !== false)
      ? 'multi-turn conversation, every assistant turn trained'
      : 'multi-turn conversation, assistant turns with `loss_weight` 0 kept as context, not trained',
  );
}

/** Consecutive turns of one side as one text, within the field limit. */
function joined(parts: readonly string[], what: string): string {
  const text = parts.join(TURN_JOIN);
  if (text.length > MAX_FIELD_CHARS)
    throw new RowRejection(
      `oversize field: consecutive ${what} are ${text.length} characters together (limit ${MAX_FIELD_CHARS})`,
    );
  return text;
}

interface Turn {
  role: Role;
  speaker: string;
  text: unknown;
  textKey: string;
  /** `loss_weight` / `weight` when the turn has one: 0 = not trained, 1 = trained. */
  weight?: 0 | 1;
}

function readTurn(turn: unknown, key: string, i: number): Turn {
  if (typeof turn !== 'object' || turn === null || Array.isArray(turn)) {
    throw new RowRejection(
      `wrong type: \`${key}[${i}]\` is ${typeName(turn)}, expected {from, value} or {role, content}`,
    );
  }
  const t = turn as Record<string, unknown>;
  const speakerKey = t.from !== undefined ? 'from' : 'role';
  const speaker = t[speakerKey];
  if (typeof speaker !== 'string') {
    throw new RowRejection(
      speaker === undefined
        ? `\`${key}[${i}]\` has no \`from\` or \`role\``
        : `wrong type: \`${key}[${i}].${speakerKey}\` is ${typeName(speaker)}, expected text`,
    );
  }
  const role = ROLES.get(speaker.toLowerCase());
  if (!role) {
    throw new RowRejection(
      `unknown speaker "${speaker}" in \`${key}[${i}].${speakerKey}\` (known: human, user, gpt, assistant, system, function_call, observation, tool)`,
    );
  }
  const textKey = t.value !== undefined ? 'value' : 'content';
  const weight = readWeight(t, key, i);
  // An OpenAI assistant turn that calls tools has no content, only `tool_calls`: it is kept as their JSON text.
  if ((t[textKey] === undefined || t[textKey] === null) && Array.isArray(t.tool_calls)) {
    return { role, speaker, text: JSON.stringify(t.tool_calls), textKey: 'tool_calls', weight };
  }
  return { role, speaker, text: t[textKey], textKey, weight };
}

function readWeight(t: Record<string, unknown>, key: string, i: number): 0 | 1 | undefined {
  const weightKey = t.loss_weight !== undefined ? 'loss_weight' : 'weight';
  const w = t[weightKey];
  if (w === undefined || w === null) return undefined;
  if (w === 0 || w === 1) return w;
  throw new RowRejection(
    `wrong type: \`${key}[${i}].${weightKey}\` is ${typeof w === 'number' ? w : typeName(w)}, expected 0 or 1`,
  );
}

/**
 * Part types whose value is text the model reads or writes: LLaMA-Factory's reasoning and tool-call parts are
 * trained as text, like the turns they stand for; media parts (image, audio, video, file) are not text.
 */
const TEXT_PARTS: ReadonlySet<string> = new Set(['text', 'reasoning', 'thinking', 'tool_call', 'function_call']);

/**
 * Content may be a list of parts (OpenAI's API, LLaMA-Factory's newer files): `{type: 'text', text}` or
 * `{type: 'text', value}`. Text parts are joined; images, audio and other media are dropped and counted in the
 * report, since the studio trains text models.
 */
function contentText(content: unknown, key: string, i: number, textKey: string, ctx: RowContext): unknown {
  if (!Array.isArray(content)) return content;
  const parts: string[] = [];
  for (const part of content) {
    if (typeof part === 'string') {
      parts.push(part);
      continue;
    }
    if (typeof part !== 'object' || part === null || Array.isArray(part)) {
      throw new RowRejection(
        `wrong type: \`${key}[${i}].${textKey}\` holds a part that is ${typeName(part)}, expected text or {type, text}`,
      );
    }
    const p = part as Record<string, unknown>;
    const text =
      typeof p.text === 'string'
        ? p.text
        : typeof p.value === 'string' &&
            (p.type === undefined || (typeof p.type === 'string' && TEXT_PARTS.has(p.type)))
          ? p.value
          : undefined;
    if (text !== undefined) parts.push(text);
    else
      ctx.tally(
        `dropped a non-text content part (${typeof p.type === 'string' ? p.type : 'without a type'}): the studio trains on text only`,
      );
  }
  return parts.join('\n');
}

function textOf(value: unknown, label: string): string {
  if (typeof value !== 'string') throw new RowRejection(`wrong type: ${label} is ${typeName(value)}, expected text`);
  return value;
}
