import type { InstructionRecord } from './record';

/**
 * Lengths of a whole record as the statistics and the heuristic difficulty see it: a conversation's earlier user
 * turns count as prompt and its earlier answers as response, since the model reads and learns all of them.
 */

/** Characters of the prompt: earlier user turns, then the instruction and (+1 for the newline joining it) the input. */
export function promptChars(record: Pick<InstructionRecord, 'instruction' | 'input' | 'history'>): number {
  let n = record.instruction.length + (record.input.length > 0 ? record.input.length + 1 : 0);
  for (const x of record.history ?? []) n += x.user.length;
  return n;
}

/** Characters of the response: earlier answers (trained or not) and the output. */
export function responseChars(record: Pick<InstructionRecord, 'output' | 'history'>): number {
  let n = record.output.length;
  for (const x of record.history ?? []) n += x.assistant.length;
  return n;
}

/** Every text of a record a model reads or writes, joined by newlines (e.g. for a character vocabulary). */
export function recordText(record: Pick<InstructionRecord, 'instruction' | 'input' | 'output' | 'history'>): string {
  const turns = (record.history ?? []).flatMap((x) => [x.user, x.assistant]);
  return [...turns, record.instruction, record.input, record.output].join('\n');
}
