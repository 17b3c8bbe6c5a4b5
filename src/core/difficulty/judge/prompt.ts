/**
 * The LLM judge's prompt: our own wording (the paper published its GPT-4 prompt only as an image), asking for the
 * paper's notion of difficulty — how hard the instruction is in itself, and how hard it is to turn it (with its
 * input) into the expected output — on a 1–5 scale, real numbers allowed.
 *
 * The user sees and may edit both messages. The user message is a template with three placeholders, `{instruction}`,
 * `{input}` and `{output}`; {@link validateJudgePrompt} refuses a template that lacks one of them or names an unknown
 * one (a typo such as `{instuction}` would otherwise send the literal text for every record). Substitution is one
 * pass, so a record whose text happens to contain "{output}" is sent as written.
 */
import type { InstructionRecord } from '../../data/record';

export const JUDGE_PLACEHOLDERS = ['instruction', 'input', 'output'] as const;
export type JudgePlaceholder = (typeof JUDGE_PLACEHOLDERS)[number];

export interface JudgePrompt {
  /** The system message; may be empty (then none is sent). */
  system: string;
  /** The user message, with `{instruction}`, `{input}` and `{output}` each appearing at least once. */
  user: string;
  /**
   * Each field is cut to this many characters before it is put in the prompt (a marker says how much was cut), so
   * one 100 KB record cannot blow the budget or the endpoint's context. Part of the cache key.
   */
  maxFieldChars: number;
}

/** What `{input}` becomes for a record with no input, so the judge sees the field is empty rather than missing. */
export const EMPTY_INPUT_TEXT = '(no input)';

export const DEFAULT_MAX_FIELD_CHARS = 4000;

export const DEFAULT_JUDGE_SYSTEM =
  'You are a careful annotator who rates how difficult instruction-following examples are. ' +
  'You answer with a single number and nothing else.';

export const DEFAULT_JUDGE_USER = `Rate the difficulty of the instruction-following example below on a scale from 1 to 5.

Judge two things together:
- how hard the instruction itself is: the knowledge, reasoning, planning or creativity it demands, and how many steps or constraints it has;
- how hard it is to turn the instruction and its input into the expected output: how much work, precision or expertise producing that response takes.

1 = trivial: a copy, a lookup or a one-step answer anyone could give.
2 = easy: a short, familiar task with one clear way to do it.
3 = moderate: several steps, some care or some specialised knowledge.
4 = hard: multi-step reasoning, tight constraints, or a long, structured response.
5 = very hard: expert knowledge, intricate reasoning or long precise work; easy to get wrong.

Use decimals (for example 2.5) when the example falls between two levels. Rate the difficulty of the task, not the quality of the expected output.

### Instruction
{instruction}

### Input
{input}

### Expected output
{output}

Reply with the score only: one number from 1 to 5.`;

export const DEFAULT_JUDGE_PROMPT: Readonly<JudgePrompt> = Object.freeze({
  system: DEFAULT_JUDGE_SYSTEM,
  user: DEFAULT_JUDGE_USER,
  maxFieldChars: DEFAULT_MAX_FIELD_CHARS,
});

/** `{word}`: anything else in braces (JSON examples, `{{`) is text and left alone. */
const PLACEHOLDER_RE = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Every problem with a prompt, each a sentence saying what to change; [] when it can be used. */
export function judgePromptProblems(prompt: JudgePrompt): string[] {
  const problems: string[] = [];
  if (typeof prompt.user !== 'string' || prompt.user.trim() === '') {
    return [
      'The user message is empty; it must show the judge the record through {instruction}, {input} and {output}.',
    ];
  }
  if (typeof prompt.system !== 'string') problems.push('The system message must be text (it may be empty).');
  const seen = new Set<string>();
  const unknown = new Set<string>();
  for (const m of prompt.user.matchAll(PLACEHOLDER_RE)) {
    const name = m[1]!;
    if ((JUDGE_PLACEHOLDERS as readonly string[]).includes(name)) seen.add(name);
    else unknown.add(name);
  }
  for (const name of JUDGE_PLACEHOLDERS) {
    if (!seen.has(name))
      problems.push(
        `The user message has no {${name}}: the judge would not see the record's ${name}. Add {${name}} where it belongs.`,
      );
  }
  for (const name of unknown) {
    problems.push(
      `The user message names {${name}}, which is not a placeholder; use {instruction}, {input} or {output} (check the spelling).`,
    );
  }
  if (typeof prompt.system === 'string') {
    const inSystem = [...prompt.system.matchAll(PLACEHOLDER_RE)].map((m) => m[1]!);
    if (inSystem.length > 0) {
      problems.push(
        `The system message contains {${inSystem[0]}}; placeholders are filled only in the user message. Move it there.`,
      );
    }
  }
  if (!Number.isInteger(prompt.maxFieldChars) || prompt.maxFieldChars < 100) {
    problems.push(`maxFieldChars must be an integer of at least 100, got ${String(prompt.maxFieldChars)}.`);
  }
  return problems;
}

export class JudgePromptError extends Error {
  constructor(readonly problems: string[]) {
    super(`The judge prompt cannot be used: ${problems.join(' ')}`);
    this.name = 'JudgePromptError';
  }
}

/** Throws a {@link JudgePromptError} listing every problem. */
export function validateJudgePrompt(prompt: JudgePrompt): void {
  const problems = judgePromptProblems(prompt);
  if (problems.length > 0) throw new JudgePromptError(problems);
}

/** `text` cut to `max` characters (never inside a surrogate pair), with a marker saying how much was left out. */
export function clipField(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  const c = text.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return `${text.slice(0, end)}\n[… ${text.length - end} more characters not shown]`;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** The user message for one record (fields clipped, empty input shown as {@link EMPTY_INPUT_TEXT}). */
export function renderJudgeUser(
  prompt: JudgePrompt,
  record: Pick<InstructionRecord, 'instruction' | 'input' | 'output'>,
): string {
  const values: Record<JudgePlaceholder, string> = {
    instruction: clipField(record.instruction, prompt.maxFieldChars),
    input: record.input.trim() === '' ? EMPTY_INPUT_TEXT : clipField(record.input, prompt.maxFieldChars),
    output: clipField(record.output, prompt.maxFieldChars),
  };
  return prompt.user.replace(PLACEHOLDER_RE, (whole, name: string) =>
    (JUDGE_PLACEHOLDERS as readonly string[]).includes(name) ? values[name as JudgePlaceholder] : whole,
  );
}

/** The chat messages sent for one record: the system message (when not empty), then the user message. */
export function renderJudgeMessages(
  prompt: JudgePrompt,
  record: Pick<InstructionRecord, 'instruction' | 'input' | 'output'>,
): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (prompt.system.trim() !== '') messages.push({ role: 'system', content: prompt.system });
  messages.push({ role: 'user', content: renderJudgeUser(prompt, record) });
  return messages;
}
