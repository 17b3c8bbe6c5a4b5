import type { InstructionRecord } from '../data/record';

/**
 * The part of a tokenizer the training code needs. Structurally a subset of `core/tokenizer`'s `Tokenizer`, so
 * templates and batching can be tested with any toy tokenizer.
 */
export interface TokenizerLike {
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  encode(text: string): number[];
}

export type TemplateName = 'paper' | 'alpaca';

export const TEMPLATE_NAMES: readonly TemplateName[] = ['paper', 'alpaca'];

/**
 * A prompt template: the prompt text before the response, and the response text. The training string is
 * `<bos> + prompt + response + <eos>`; only the response tokens and the final `<eos>` are trained on.
 *
 * `promptParts` returns pieces of the prompt with special tokens between them (`'<eos>'`), because the paper's
 * string puts an `<eos>` in the middle: `<bos>User: {instruction}[\n{input}]<eos>\nAssistant: {output}<eos>`.
 */
interface TemplateDef {
  label: string;
  promptParts(r: Pick<InstructionRecord, 'instruction' | 'input'>): (string | '<eos>')[];
}

const ALPACA_HEAD_INPUT =
  'Below is an instruction that describes a task, paired with an input that provides further context. ' +
  'Write a response that appropriately completes the request.\n\n';
const ALPACA_HEAD =
  'Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n';

const TEMPLATES: Record<TemplateName, TemplateDef> = {
  paper: {
    label: 'Paper (User / Assistant)',
    promptParts: (r) => [`User: ${r.instruction}${r.input ? `\n${r.input}` : ''}`, '<eos>', '\nAssistant: '],
  },
  alpaca: {
    label: 'Alpaca (### Instruction / ### Response)',
    promptParts: (r) => [
      r.input
        ? `${ALPACA_HEAD_INPUT}### Instruction:\n${r.instruction}\n\n### Input:\n${r.input}\n\n### Response:\n`
        : `${ALPACA_HEAD}### Instruction:\n${r.instruction}\n\n### Response:\n`,
    ],
  },
};

export function templateLabel(name: TemplateName): string {
  return TEMPLATES[name].label;
}

function def(name: TemplateName): TemplateDef {
  const d = TEMPLATES[name];
  if (!d) throw new Error(`Unknown prompt template "${name}"; use one of: ${TEMPLATE_NAMES.join(', ')}`);
  return d;
}

/** The training string as a person reads it (special tokens written `<bos>` / `<eos>`), for previews. */
export function renderTemplate(name: TemplateName, r: Pick<InstructionRecord, 'instruction' | 'input' | 'output'>): string {
  return `<bos>${def(name).promptParts(r).join('')}${r.output}<eos>`;
}

/**
 * The prompt's token ids, `<bos>` first, ending where the response starts: what a model is given at generation time.
 * Prompt and response are encoded separately, so the boundary between them never depends on how a BPE merges
 * across it: the mask is exact.
 */
export function encodePrompt(name: TemplateName, tok: TokenizerLike, r: Pick<InstructionRecord, 'instruction' | 'input'>): number[] {
  const ids = [tok.bosId];
  for (const part of def(name).promptParts(r)) {
    if (part === '<eos>') ids.push(tok.eosId);
    else if (part) ids.push(...tok.encode(part));
  }
  return ids;
}

export interface EncodedExample {
  /** `<bos> prompt response <eos>`. */
  ids: number[];
  /** Number of leading prompt tokens (mask 0); every token from here on (response + final `<eos>`) has mask 1. */
  promptLength: number;
}

/** Token ids of one record under a template, with where the response starts. */
export function encodeExample(name: TemplateName, tok: TokenizerLike, r: Pick<InstructionRecord, 'instruction' | 'input' | 'output'>): EncodedExample {
  const prompt = encodePrompt(name, tok, r);
  const response = r.output ? tok.encode(r.output) : [];
  return { ids: [...prompt, ...response, tok.eosId], promptLength: prompt.length };
}

/** The per-token loss mask of an encoded example: 0 on prompt tokens, 1 on response tokens and the final `<eos>`. */
export function responseMask(e: EncodedExample): Uint8Array {
  const m = new Uint8Array(e.ids.length);
  m.fill(1, e.promptLength);
  return m;
}

/**
 * The row length a run needs: its longest example (inputs are the ids but the last), rounded up to a multiple of 8
 * so nearby datasets share GPU programs, and never more than the model's context. Padding every row to a long
 * context (GPT-2's 1024, say) when the data is short would pay for positions no example uses.
 */
export function fittingContextLength(
  name: TemplateName,
  tok: TokenizerLike,
  records: readonly Pick<InstructionRecord, 'instruction' | 'input' | 'output'>[],
  modelContext: number,
): number {
  let longest = 0;
  for (const r of records) longest = Math.max(longest, encodeExample(name, tok, r).ids.length - 1);
  return Math.min(modelContext, Math.max(8, Math.ceil(longest / 8) * 8));
}
