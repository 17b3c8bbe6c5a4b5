/**
 * The TRL recipe's data: one JSONL row per record in TRL's conversational form, which `train_phased.py` renders
 * with the studio's prompt template as the tokenizer's chat template (so no special token is written into the data).
 *
 * - A single exchange is a prompt/completion row: `prompt: [user]`, `completion: [assistant]`.
 * - A file that holds a conversation writes every row as `messages` (one schema per file).
 *
 * The script tokenizes and masks both itself by the studio's rule (`studio_tokens`): the final answer and every
 * assistant answer not marked `trained: false` are trained, a token straddling the seam before one included.
 *
 * A user message keeps the record's `input` apart (`input`), since the templates place it differently.
 */
import type { InstructionRecord } from '../data/record';

interface UserMessage {
  role: 'user';
  content: string;
  input: string;
}
interface AssistantMessage {
  role: 'assistant';
  content: string;
  /** Present (false) only on an earlier answer the studio keeps as context. */
  trained?: false;
}
type Message = UserMessage | AssistantMessage;

export type TrlRow = { id: string; phase: number; score: number } & (
  { prompt: Message[]; completion: AssistantMessage[] } | { messages: Message[] }
);

function earlierTurns(r: InstructionRecord): Message[] {
  return (r.history ?? []).flatMap((x): Message[] => [
    { role: 'user', content: x.user, input: '' },
    x.trained === false
      ? { role: 'assistant', content: x.assistant, trained: false }
      : { role: 'assistant', content: x.assistant },
  ]);
}

/** One record as a TRL row; `asMessages` when its file holds a conversation. */
export function trlRow(r: InstructionRecord, phase: number, score: number, asMessages: boolean): TrlRow {
  const prompt: Message[] = [...earlierTurns(r), { role: 'user', content: r.instruction, input: r.input }];
  const answer: AssistantMessage = { role: 'assistant', content: r.output };
  const head = { id: r.id, phase, score };
  return asMessages ? { ...head, messages: [...prompt, answer] } : { ...head, prompt, completion: [answer] };
}

/** The rows of `ids` (all in `records`), as one JSONL file; messages for all rows when any has a history. */
export function trlJsonl(
  ids: readonly string[],
  phaseOf: (id: string) => number,
  records: readonly InstructionRecord[],
  scores: ArrayLike<number>,
): string {
  const at = new Map(records.map((r, i) => [r.id, i]));
  const index = (id: string) => {
    const i = at.get(id);
    if (i === undefined) throw new Error(`The plan names record "${id}", which is not in this dataset.`);
    return i;
  };
  const asMessages = ids.some((id) => (records[index(id)]!.history?.length ?? 0) > 0);
  return ids
    .map((id) => `${JSON.stringify(trlRow(records[index(id)]!, phaseOf(id), scores[index(id)]!, asMessages))}\n`)
    .join('');
}
