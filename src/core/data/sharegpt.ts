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

/**
 * ShareGPT `{conversations: [{from, value}]}` and OpenAI `{messages: [{role, content}]}` (either key, either turn
 * spelling). The first user turn is the instruction and the assistant turn right after it the output; system turns
 * before it (or a top-level `system`) go to `meta.system`. Longer conversations keep their first exchange, with a
 * warning.
 */
export const readConversationRow: RowReader = (row, ctx) => {
  const key = row.conversations !== undefined ? 'conversations' : 'messages';
  const turns = row[key];
  if (turns === undefined || turns === null) {
    throw new RowRejection(`missing instruction and output: no \`conversations\` or \`messages\` field`);
  }
  if (!Array.isArray(turns)) throw new RowRejection(`wrong type: \`${key}\` is ${typeName(turns)}, expected a list of turns`);

  const system: string[] = [];
  if (typeof row.system === 'string' && row.system.trim() !== '') system.push(row.system);
  let skippedAssistant = 0;
  let user = -1;
  for (let i = 0; i < turns.length && user < 0; i++) {
    const turn = readTurn(turns[i], key, i);
    if (turn.role === 'user') user = i;
    else if (turn.role === 'system') system.push(textOf(contentText(turn.text, key, i, turn.textKey, ctx), `\`${key}[${i}].${turn.textKey}\``));
    else skippedAssistant++;
  }
  if (user < 0) throw new RowRejection(`missing instruction: no user turn in \`${key}\` (${turns.length} turn${turns.length === 1 ? '' : 's'})`);
  const userTurn = readTurn(turns[user], key, user);
  const instruction = checkText(contentText(userTurn.text, key, user, userTurn.textKey, ctx), 'instruction', `\`${key}[${user}].${userTurn.textKey}\``) as string;

  const a = user + 1;
  if (a >= turns.length) throw new RowRejection(`missing output: no assistant turn after the first user turn (\`${key}[${user}]\`)`);
  const reply = readTurn(turns[a], key, a);
  if (reply.role !== 'assistant') {
    throw new RowRejection(`missing output: \`${key}[${a}]\` after the first user turn is from "${reply.speaker}", not the assistant`);
  }
  const output = checkText(contentText(reply.text, key, a, reply.textKey, ctx), 'output', `\`${key}[${a}].${reply.textKey}\``) as string;

  if (skippedAssistant > 0) ctx.warn(`conversation opens with ${skippedAssistant} assistant turn(s) before the first user turn; skipped`);
  if (turns.length > a + 1) ctx.warn(`multi-turn conversation (${turns.length} turns): kept the first exchange only`);

  const draft: RowDraft = { id: ownId(row.id), instruction, input: '', output, meta: {} };
  if (system.length > 0) {
    const joined = system.join('\n\n');
    if (joined.length > MAX_FIELD_CHARS) throw new RowRejection(`oversize field: system message is ${joined.length} characters (limit ${MAX_FIELD_CHARS})`);
    draft.meta.system = joined;
  }
  const scoreKey = applyScoreFields(draft, row, ctx);
  collectMeta(row, OWN_FIELDS, draft.meta, ctx, scoreKey);
  return draft;
};

interface Turn {
  role: Role;
  speaker: string;
  text: unknown;
  textKey: string;
}

function readTurn(turn: unknown, key: string, i: number): Turn {
  if (typeof turn !== 'object' || turn === null || Array.isArray(turn)) {
    throw new RowRejection(`wrong type: \`${key}[${i}]\` is ${typeName(turn)}, expected {from, value} or {role, content}`);
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
  // An OpenAI assistant turn that calls tools has no content, only `tool_calls`: it is kept as their JSON text.
  if ((t[textKey] === undefined || t[textKey] === null) && Array.isArray(t.tool_calls)) {
    return { role, speaker, text: JSON.stringify(t.tool_calls), textKey: 'tool_calls' };
  }
  return { role, speaker, text: t[textKey], textKey };
}

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
      throw new RowRejection(`wrong type: \`${key}[${i}].${textKey}\` holds a part that is ${typeName(part)}, expected text or {type, text}`);
    }
    const p = part as Record<string, unknown>;
    const text = typeof p.text === 'string' ? p.text : typeof p.value === 'string' && (p.type === undefined || p.type === 'text') ? p.value : undefined;
    if (text !== undefined) parts.push(text);
    else ctx.tally(`dropped a non-text content part (${typeof p.type === 'string' ? p.type : 'without a type'}): the studio trains on text only`);
  }
  return parts.join('\n');
}

function textOf(value: unknown, label: string): string {
  if (typeof value !== 'string') throw new RowRejection(`wrong type: ${label} is ${typeName(value)}, expected text`);
  return value;
}
