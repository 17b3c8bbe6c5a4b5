/**
 * Rows made for other training methods, read as instruction tuning without turning bad answers into targets:
 * - preference pairs (DPO, ORPO: `chosen` and `rejected`) train on the chosen answer only (a multi-turn context
 *   becomes the record's history);
 * - KTO feedback (`label: true | false`) trains on the desirable answers; `label: false` rows are rejected, named;
 * - TRL's prompt–completion rows (`prompt`, `completion`) are instruction and output.
 * Every spelling in use is accepted: LLaMA-Factory's (`conversations` + `chosen: {from, value}`; Alpaca fields +
 * `chosen` text; `messages` + `label`), TRL's (`prompt` text or messages, `chosen`/`completion` text or messages;
 * `chosen` holding the whole conversation) and Anthropic HH's (`chosen` = "\n\nHuman: …\n\nAssistant: …").
 */
import { readAlpacaRow } from './alpaca';
import { readConversationRow } from './sharegpt';
import { RowRejection, typeName, type RowContext, type RowDraft, type RowReader } from './validate';

type Row = Record<string, unknown>;

/** Fields that hold the pair or the label: never kept as metadata (a rejected answer must not ride along). */
const PAIR_FIELDS = ['chosen', 'rejected', 'label', 'prompt', 'completion', 'kto_tag'];

function without(row: Row, fields: readonly string[]): Row {
  const rest: Row = Object.create(null) as Row;
  for (const key of Object.keys(row)) if (!fields.includes(key)) rest[key] = row[key];
  return rest;
}

const isTurnList = (value: unknown): value is unknown[] =>
  Array.isArray(value) && value.every((t) => typeof t === 'object' && t !== null && !Array.isArray(t));

/** Anthropic HH's "\n\nHuman: …\n\nAssistant: …" transcript as turns; undefined when the text is not one. */
function transcriptTurns(text: string): { role: string; content: string }[] | undefined {
  const marks = [...text.matchAll(/(?:^|\n\n)(Human|Assistant): /g)];
  if (marks.length < 2) return undefined;
  return marks.map((m, k) => {
    const start = (m.index ?? 0) + m[0].length;
    const end = marks[k + 1]?.index ?? text.length;
    return { role: m[1] === 'Human' ? 'user' : 'assistant', content: text.slice(start, end) };
  });
}

/** The answer as the assistant's last turn, from text, a turn object, or a list of turns. */
function answerTurns(answer: unknown, field: string): unknown[] {
  if (typeof answer === 'string') return [{ role: 'assistant', content: answer }];
  if (isTurnList(answer)) return answer;
  if (typeof answer === 'object' && answer !== null) return [answer];
  throw new RowRejection(`wrong type: \`${field}\` is ${typeName(answer)}, expected text, a turn or a list of turns`);
}

/** The prompt as turns: text, a list of turns, a ShareGPT/OpenAI conversation, or Alpaca fields. */
function promptTurns(row: Row): unknown[] | undefined {
  if (typeof row.prompt === 'string') return [{ role: 'user', content: row.prompt }];
  if (isTurnList(row.prompt)) return row.prompt;
  if (Array.isArray(row.conversations)) return row.conversations;
  if (Array.isArray(row.messages)) return row.messages;
  return undefined;
}

/**
 * The prompt turns followed by the answer's turns, read by the conversation reader: the answer is the final
 * exchange (the trained output), and earlier exchanges of the context become the record's history.
 */
function readExchange(row: Row, prompt: unknown[], answer: unknown[], ctx: RowContext): RowDraft {
  return readConversationRow(
    { ...without(row, [...PAIR_FIELDS, 'conversations', 'messages']), messages: [...prompt, ...answer] },
    ctx,
  );
}

/** Preference pairs: the chosen answer is the target; the rejected one is dropped (and counted once, in a note). */
export const readPreferenceRow: RowReader = (row, ctx) => {
  if (row.chosen === undefined || row.chosen === null)
    throw new RowRejection('missing output: no `chosen` answer in a preference pair');
  ctx.tally('preference pair (chosen/rejected): trained on the chosen answer; the rejected one was dropped');
  if (typeof row.instruction === 'string' && typeof row.chosen === 'string') {
    return readAlpacaRow({ ...without(row, PAIR_FIELDS), output: row.chosen }, ctx);
  }
  const prompt = promptTurns(row);
  if (prompt) return readExchange(row, prompt, answerTurns(row.chosen, 'chosen'), ctx);
  // No prompt field: the chosen side holds the whole conversation (TRL's implicit prompt, Anthropic HH).
  const whole =
    typeof row.chosen === 'string' ? transcriptTurns(row.chosen) : isTurnList(row.chosen) ? row.chosen : undefined;
  if (!whole) {
    throw new RowRejection(
      'missing instruction: a preference pair with no `prompt`, `instruction`, `conversations` or `messages`, and a `chosen` that is not a conversation',
    );
  }
  return readExchange(row, [], whole, ctx);
};

/** KTO feedback: `label: false` marks an undesirable answer, never a target. */
export const readFeedbackRow: RowReader = (row, ctx) => {
  const label = row.label ?? row.kto_tag;
  if (label === false) throw new RowRejection('undesirable answer (KTO `label: false`): not a training target');
  if (label !== true) throw new RowRejection(`wrong type: \`label\` is ${typeName(label)}, expected true or false`);
  ctx.tally('KTO feedback marked desirable (`label: true`): trained on');
  if (row.completion !== undefined) return readPromptCompletionRow(without(row, ['label', 'kto_tag']), ctx);
  if (Array.isArray(row.conversations) || Array.isArray(row.messages))
    return readConversationRow(without(row, ['label', 'kto_tag']), ctx);
  return readAlpacaRow(without(row, ['label', 'kto_tag']), ctx);
};

/** TRL's prompt–completion rows: text or conversational. */
export const readPromptCompletionRow: RowReader = (row, ctx) => {
  if (typeof row.prompt === 'string' && typeof row.completion === 'string') {
    return readAlpacaRow({ ...without(row, PAIR_FIELDS), instruction: row.prompt, output: row.completion }, ctx);
  }
  const prompt = promptTurns(row);
  if (!prompt)
    throw new RowRejection(`wrong type: \`prompt\` is ${typeName(row.prompt)}, expected text or a list of turns`);
  if (row.completion === undefined || row.completion === null)
    throw new RowRejection('missing output: no `completion`');
  return readExchange(row, prompt, answerTurns(row.completion, 'completion'), ctx);
};
