import type { InstructionRecord } from '../data/record';
import type { TokenizerLike } from './tokenizerLike';

export type TemplateName = 'paper' | 'alpaca';

export const TEMPLATE_NAMES: readonly TemplateName[] = ['paper', 'alpaca'];

/** The fields of a record a template reads: the final exchange, and the earlier ones when it is a conversation. */
export type TemplateInput = Pick<InstructionRecord, 'instruction' | 'input' | 'history'>;
export type TemplateRecord = Pick<InstructionRecord, 'instruction' | 'input' | 'output' | 'history'>;

/**
 * One piece of the text before the final response: template text, the special `<eos>` token, or an earlier
 * exchange's answer. An answer of a trained exchange (and the `<eos>` that closes it) is a training target;
 * everything else is context.
 */
type Piece = { text: string; trained?: boolean } | { eos: true; trained?: boolean };

/**
 * A prompt template. The training string is `<bos> + prompt + response + <eos>`, where the prompt holds every
 * earlier exchange of a conversation and then the final instruction. `prompt` returns it in pieces, because `<eos>`
 * sits inside it (the paper closes every turn with one) and earlier answers must be told apart from the text
 * around them.
 */
interface TemplateDef {
  prompt(r: TemplateInput): Piece[];
}

const ALPACA_HEAD_INPUT =
  'Below is an instruction that describes a task, paired with an input that provides further context. ' +
  'Write a response that appropriately completes the request.\n\n';
const ALPACA_HEAD =
  'Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n';

const EOS: Piece = { eos: true };

const TEMPLATES: Record<TemplateName, TemplateDef> = {
  // `<bos>User: u1<eos>\nAssistant: a1<eos>\nUser: u2<eos>\nAssistant: ` — every turn closed by `<eos>`.
  paper: {
    prompt: (r) => [
      ...(r.history ?? []).flatMap((x, k): Piece[] => [
        { text: `${k > 0 ? '\n' : ''}User: ${x.user}` },
        EOS,
        { text: '\nAssistant: ' },
        { text: x.assistant, trained: x.trained !== false },
        { eos: true, trained: x.trained !== false },
      ]),
      { text: `${r.history?.length ? '\n' : ''}User: ${r.instruction}${r.input ? `\n${r.input}` : ''}` },
      EOS,
      { text: '\nAssistant: ' },
    ],
  },
  // As LLaMA-Factory's "alpaca" template: the head once, then "### Instruction / ### Response" per exchange, each
  // answer closed by `<eos>` and a blank line.
  alpaca: {
    prompt: (r) => [
      { text: r.input ? ALPACA_HEAD_INPUT : ALPACA_HEAD },
      ...(r.history ?? []).flatMap((x): Piece[] => [
        { text: `### Instruction:\n${x.user}\n\n### Response:\n` },
        { text: x.assistant, trained: x.trained !== false },
        { eos: true, trained: x.trained !== false },
        { text: '\n\n' },
      ]),
      {
        text: r.input
          ? `### Instruction:\n${r.instruction}\n\n### Input:\n${r.input}\n\n### Response:\n`
          : `### Instruction:\n${r.instruction}\n\n### Response:\n`,
      },
    ],
  },
};

function def(name: TemplateName): TemplateDef {
  const d = TEMPLATES[name];
  if (!d) throw new Error(`Unknown prompt template "${name}"; use one of: ${TEMPLATE_NAMES.join(', ')}`);
  return d;
}

/**
 * The prompt's pieces with neighbouring context text joined, so a single exchange is encoded as one string exactly
 * as before conversations were kept, and a BPE sees whole template phrases.
 */
function promptPieces(name: TemplateName, r: TemplateInput): Piece[] {
  const out: Piece[] = [];
  for (const p of def(name).prompt(r)) {
    const last = out[out.length - 1];
    if ('text' in p && !p.trained && last && 'text' in last && !last.trained)
      out[out.length - 1] = { text: last.text + p.text };
    else out.push(p);
  }
  return out;
}

/** The training string as a person reads it (special tokens written `<bos>` / `<eos>`), for previews. */
export function renderTemplate(name: TemplateName, r: TemplateRecord): string {
  const prompt = promptPieces(name, r).map((p) => ('text' in p ? p.text : '<eos>'));
  return `<bos>${prompt.join('')}${r.output}<eos>`;
}

/** Token positions [start, end) of a training string. */
export interface TokenSpan {
  start: number;
  end: number;
}

/**
 * Encodes pieces the way the joined text tokenizes. Text between two `<eos>` tokens is encoded as ONE string, so a
 * byte-level BPE merges across a seam exactly as it does in the whole training string: GPT-2 reads
 * `"\nAssistant: " + "Paris"` as `":" " Paris"` (25, 6342), never `":" " " "Paris"` (25, 220, 40313).
 *
 * A piece starts at the first token of the joined run that is not wholly text before it: the tokens the run shares
 * with the text before it encoded alone (their longest common prefix) are that text's, the next one is the piece's.
 * A token that straddles the seam (" Paris" holds the prompt's last space) therefore belongs to the answer and is
 * trained: it carries the answer's first word, and a one-word answer would otherwise train nothing but `<eos>`.
 * TRL's prompt–completion tokenization counts `len(encode(prompt))` instead, which makes that token context; the
 * two agree wherever nothing straddles (see docs/TRAINING_RULES.md for how a `transformers` run reproduces this).
 */
function encodePieces(
  tok: TokenizerLike,
  pieces: readonly Piece[],
): { ids: number[]; spans: TokenSpan[]; starts: number[] } {
  const ids = [tok.bosId];
  const spans: TokenSpan[] = [];
  const starts: number[] = [];
  const mark = (trained: boolean | undefined, start: number) => {
    starts.push(start);
    if (!trained || ids.length === start) return;
    // An answer and its `<eos>` are adjacent pieces: one span.
    const last = spans[spans.length - 1];
    if (last && last.end === start) last.end = ids.length;
    else spans.push({ start, end: ids.length });
  };
  for (let i = 0; i < pieces.length;) {
    const p = pieces[i]!;
    if ('eos' in p) {
      ids.push(tok.eosId);
      mark(p.trained, ids.length - 1);
      i++;
      continue;
    }
    // The run of text pieces up to the next `<eos>`.
    let j = i;
    while (j < pieces.length && 'text' in pieces[j]!) j++;
    const run = pieces.slice(i, j) as { text: string; trained?: boolean }[];
    const runStart = ids.length;
    const joined = run.map((x) => x.text).join('');
    const runIds = joined ? tok.encode(joined) : [];
    let before = '';
    let at = 0;
    for (let k = 0; k < run.length; k++) {
      const x = run[k]!;
      before += x.text;
      const end =
        k === run.length - 1 ? runIds.length : Math.max(at, before ? sharedPrefix(tok.encode(before), runIds) : 0);
      ids.push(...runIds.slice(at, end));
      mark(x.trained, runStart + at);
      at = end;
    }
    i = j;
  }
  return { ids, spans, starts };
}

/** Length of the longest common prefix of two id lists. */
function sharedPrefix(a: readonly number[], b: readonly number[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/** A text that starts an answer, to see which of a prompt's last tokens a BPE would merge with the answer. */
const ANSWER_PROBE = 'x';

export interface GenerationPrompt {
  /** `<bos>` first, earlier exchanges included, each tokenized as in training. */
  ids: number[];
  /**
   * The prompt's last tokens left for the model to generate, because the answer's first token takes them in (GPT-2:
   * the space of "Assistant: " is part of " Paris"). [] when nothing merges (a per-character tokenizer, a prompt
   * ending in a newline).
   */
  heldBack: number[];
  /**
   * Text the template writes at the start of every answer (a chat template's empty thinking block, Qwen3): the model
   * generates it before the answer, which is what follows. Absent for the studio's templates.
   */
  answerPrefix?: string;
}

/**
 * What a model is given at generation time: the training row up to where the response starts. Under a byte-level
 * BPE a prompt ending in a space would end in a lone-space token training never shows there (the space is inside
 * the response's first token), so tokens of the prompt's end that merge with a following word are held back: the
 * model generates them with the first word, as it was trained to.
 */
export function generationPrompt(name: TemplateName, tok: TokenizerLike, r: TemplateInput): GenerationPrompt {
  const pieces = promptPieces(name, r);
  const ids = encodePieces(tok, pieces).ids;
  const last = pieces[pieces.length - 1];
  if (!last || !('text' in last) || !last.text) return { ids, heldBack: [] };
  const alone = tok.encode(last.text);
  const kept = sharedPrefix(alone, tok.encode(last.text + ANSWER_PROBE));
  const cut = alone.length - kept;
  return cut === 0
    ? { ids, heldBack: [] }
    : { ids: ids.slice(0, ids.length - cut), heldBack: ids.slice(ids.length - cut) };
}

/** The generation prompt's ids (`generationPrompt(…).ids`). */
export function encodePrompt(name: TemplateName, tok: TokenizerLike, r: TemplateInput): number[] {
  return generationPrompt(name, tok, r).ids;
}

export interface EncodedExample {
  /** `<bos> prompt response <eos>`: the ids of the joined training string (special tokens apart). */
  ids: number[];
  /**
   * Number of leading prompt tokens; every token from here on (response + final `<eos>`) is trained on. A token
   * straddling the prompt/response seam counts as response (see `encodePieces`).
   */
  promptLength: number;
  /**
   * Inside the prompt, the earlier answers that are trained on too (each answer with the `<eos>` closing it), in
   * order; absent for a single exchange and when no earlier answer is trained.
   */
  trainedSpans?: TokenSpan[];
}

/** Token ids of one record under a template, with where the trained parts are. */
export function encodeExample(name: TemplateName, tok: TokenizerLike, r: TemplateRecord): EncodedExample {
  const pieces: Piece[] = [...promptPieces(name, r), { text: r.output ?? '' }, EOS];
  const { ids, spans, starts } = encodePieces(tok, pieces);
  const e: EncodedExample = { ids, promptLength: starts[starts.length - 2]! };
  if (spans.length > 0) e.trainedSpans = spans;
  return e;
}

/**
 * The row length a run needs: its longest example (inputs are the ids but the last), rounded up to a multiple of 8
 * so nearby datasets share GPU programs, and never more than the model's context. Padding every row to a long
 * context (GPT-2's 1024, say) when the data is short would pay for positions no example uses.
 */
export function fittingContextLength(
  name: TemplateName,
  tok: TokenizerLike,
  records: readonly TemplateRecord[],
  modelContext: number,
): number {
  let longest = 0;
  for (const r of records) longest = Math.max(longest, encodeExample(name, tok, r).ids.length - 1);
  return roundedRowLength(longest, modelContext);
}

/** A longest row of `longest` inputs rounded up to a multiple of 8 (at least 8), never past the model's context. */
export function roundedRowLength(longest: number, modelContext: number): number {
  return Math.min(modelContext, Math.max(8, Math.ceil(longest / 8) * 8));
}
