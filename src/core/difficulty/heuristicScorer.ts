/**
 * The "heuristic" scorer: a cheap, deterministic proxy for difficulty, for data that came without scores. It is
 * NOT a judge. It reads six signals off the text, each squeezed into [0, 1], and maps their weighted sum to 1–5:
 *
 *     score = 1 + 4 × Σ weightᵢ × signalᵢ          (weights sum to 1)
 *
 * Length carries half the weight, so the heuristic inherits — and makes obvious — the confound the paper shows in
 * its Table 1: harder stages are also longer. The formula is exported as data ({@link HEURISTIC_FORMULA}) so the
 * UI can show it next to the scores, and docs/DIFFICULTY.md reports how well it agrees with known levels.
 */
import type { InstructionRecord } from '../data/record';
import type { Scorer, ScoreOptions, ScoreResult } from './scorer';

export const HEURISTIC_SCORER_ID = 'heuristic';

export type HeuristicSignalId = 'responseLength' | 'promptLength' | 'hasInput' | 'multiStep' | 'constraints' | 'structure';

export interface HeuristicTerm {
  id: HeuristicSignalId;
  label: string;
  weight: number;
  /** How the text becomes a number in [0, 1], in words a user can check. */
  signal: string;
}

/** Only the start of a long field is searched for cues, so one 100 KB record cannot stall scoring. */
export const CUE_SCAN_CHARS = 4000;

/** Length ramps: log-scaled, 0 at `lo` characters and 1 at `hi` (and above). */
const RESPONSE_RAMP = { lo: 2, hi: 2000 } as const;
const PROMPT_RAMP = { lo: 10, hi: 1000 } as const;
const MULTI_STEP_SATURATION = 3;
const CONSTRAINT_SATURATION = 2;

export const HEURISTIC_FORMULA: {
  version: number;
  summary: string;
  terms: readonly HeuristicTerm[];
  caveat: string;
} = {
  version: 1,
  summary: 'score = 1 + 4 × Σ weight × signal; every signal is in [0, 1], the weights sum to 1, so scores lie in [1, 5].',
  terms: [
    {
      id: 'responseLength',
      label: 'Response length',
      weight: 0.25,
      signal: `log-scaled characters of the output: ln((1+n)/${1 + RESPONSE_RAMP.lo}) / ln(${1 + RESPONSE_RAMP.hi}/${1 + RESPONSE_RAMP.lo}), clamped to [0, 1] (0 at ≤ ${RESPONSE_RAMP.lo} chars, 1 at ≥ ${RESPONSE_RAMP.hi})`,
    },
    {
      id: 'promptLength',
      label: 'Instruction + input length',
      weight: 0.25,
      signal: `log-scaled characters of instruction + input: ln((1+n)/${1 + PROMPT_RAMP.lo}) / ln(${1 + PROMPT_RAMP.hi}/${1 + PROMPT_RAMP.lo}), clamped to [0, 1] (0 at ≤ ${PROMPT_RAMP.lo} chars, 1 at ≥ ${PROMPT_RAMP.hi})`,
    },
    {
      id: 'hasInput',
      label: 'Has a separate input',
      weight: 0.05,
      signal: '1 when the input field is not empty, else 0',
    },
    {
      id: 'multiStep',
      label: 'Multi-step cues',
      weight: 0.25,
      signal: `cues in instruction + input, divided by ${MULTI_STEP_SATURATION} and capped at 1: "then", "after that", "afterwards", "finally", "lastly", "subsequently", "followed by", "next," , "step(s)", a sentence that starts with first/second/third/next/last, and each numbered line ("1. …", "2) …")`,
    },
    {
      id: 'constraints',
      label: 'Constraint cues',
      weight: 0.1,
      signal: `cues in instruction + input, divided by ${CONSTRAINT_SATURATION} and capped at 1: "at least", "at most", "exactly", "no more/less than", "fewer/less/more than", "without", "must", "do not"/"don't", "never", "only", "avoid", "make sure", "ensure", "limit", "maximum", "minimum", "in under N", "N words/sentences/items/…"`,
    },
    {
      id: 'structure',
      label: 'Structured output',
      weight: 0.1,
      signal:
        'sum capped at 1: code fence in the output (1), output is a JSON object/array (1), 2+ table rows with pipes (1), list lines in the output (0.2 each, at most 0.8), 4+ lines of output (0.2), the instruction asks for a list/table/JSON/code/steps/… (0.3)',
    },
  ],
  caveat:
    'A proxy, not a judgement: it rewards length and surface cues. Difficulty and length are correlated in the paper’s own data (a confound), and this score leans on length by construction. Use it when the data has no scores; prefer a judge or IFD when you can.',
};

export type HeuristicSignals = Record<HeuristicSignalId, number>;

const WEIGHTS: HeuristicSignals = Object.fromEntries(HEURISTIC_FORMULA.terms.map((t) => [t.id, t.weight])) as HeuristicSignals;

// One alternation per cue family, run over lowercased text; each match counts once.
const MULTI_STEP_RE =
  /\b(?:then|after (?:that|this|which)|afterwards?|finally|lastly|subsequently|followed by|steps?)\b|\bnext,|(?:^|[.!?;:]\s+|\n\s*)(?:first|second|third|next|last)(?:ly)?\b|\bfirst(?:ly)?,|(?:^|\n)[ \t]*\d{1,2}[.)][ \t]/g;
const CONSTRAINT_RE =
  /\b(?:at least|at most|exactly|no (?:more|less|fewer) than|not (?:more|less) than|fewer than|less than|more than|without|must|do not|don't|never|only|avoid|make sure|ensure|limit(?:ed)?|maximum|minimum|(?:in )?under \d+|\d+ (?:words|sentences|characters|letters|lines|paragraphs|items|bullet points|examples|ways|tips|reasons|points))\b/g;
const ASKS_STRUCTURE_RE =
  /\b(?:list|table|json|bullet|code|function|program|script|sql|python|javascript|html|csv|outline|steps|format)\b/;
const LIST_LINE_RE = /(?:^|\n)[ \t]*(?:[-*•]|\d{1,2}[.)])[ \t]/g;
const TABLE_ROW_RE = /(?:^|\n)[^\n]*\|[^\n]*\|/g;

function logRamp(n: number, lo: number, hi: number): number {
  const v = Math.log((1 + n) / (1 + lo)) / Math.log((1 + hi) / (1 + lo));
  return v <= 0 ? 0 : v >= 1 ? 1 : v;
}

function countMatches(re: RegExp, text: string): number {
  re.lastIndex = 0;
  let n = 0;
  while (re.exec(text) !== null) n++;
  return n;
}

/** The six signals of one record, each in [0, 1] (shown in the UI as "why this score"). */
export function heuristicSignals(record: Pick<InstructionRecord, 'instruction' | 'input' | 'output'>): HeuristicSignals {
  const { instruction, input, output } = record;
  const promptChars = instruction.length + (input.length > 0 ? input.length + 1 : 0);
  const prompt = (input.length > 0 ? `${instruction}\n${input}` : instruction).slice(0, CUE_SCAN_CHARS).toLowerCase();
  const response = output.length > CUE_SCAN_CHARS ? output.slice(0, CUE_SCAN_CHARS) : output;

  let structure = 0;
  if (response.includes('```')) structure += 1;
  const trimmed = response.trim();
  const first = trimmed.charCodeAt(0);
  const last = trimmed.charCodeAt(trimmed.length - 1);
  // '{' … '}' or '[' … ']'
  if ((first === 123 && last === 125) || (first === 91 && last === 93)) structure += 1;
  if (response.includes('|') && countMatches(TABLE_ROW_RE, response) >= 2) structure += 1;
  if (response.includes('\n')) {
    structure += Math.min(0.8, 0.2 * countMatches(LIST_LINE_RE, response));
    let lines = 1;
    for (let i = response.indexOf('\n'); i !== -1 && lines < 4; i = response.indexOf('\n', i + 1)) lines++;
    if (lines >= 4) structure += 0.2;
  } else if (LIST_LINE_RE.test(response)) {
    structure += 0.2;
  }
  if (ASKS_STRUCTURE_RE.test(prompt)) structure += 0.3;

  return {
    responseLength: logRamp(output.length, RESPONSE_RAMP.lo, RESPONSE_RAMP.hi),
    promptLength: logRamp(promptChars, PROMPT_RAMP.lo, PROMPT_RAMP.hi),
    hasInput: input.length > 0 ? 1 : 0,
    multiStep: Math.min(1, countMatches(MULTI_STEP_RE, prompt) / MULTI_STEP_SATURATION),
    constraints: Math.min(1, countMatches(CONSTRAINT_RE, prompt) / CONSTRAINT_SATURATION),
    structure: Math.min(1, structure),
  };
}

/** The heuristic score of one record, in [1, 5]. */
export function heuristicScore(record: Pick<InstructionRecord, 'instruction' | 'input' | 'output'>): number {
  const s = heuristicSignals(record);
  let sum = 0;
  for (const id in WEIGHTS) sum += WEIGHTS[id as HeuristicSignalId] * s[id as HeuristicSignalId];
  return 1 + 4 * sum;
}

const PROGRESS_EVERY = 8192;

/** The synchronous core of the heuristic scorer. Every record gets a score; there are no problems to report. */
export function scoreHeuristically(records: readonly InstructionRecord[], options: ScoreOptions = {}): ScoreResult {
  const { onProgress, signal } = options;
  const scores = new Float64Array(records.length);
  for (let i = 0; i < records.length; i++) {
    if (i % PROGRESS_EVERY === 0) {
      signal?.throwIfAborted();
      if (i > 0) onProgress?.(i / records.length);
    }
    scores[i] = heuristicScore(records[i]!);
  }
  onProgress?.(1);
  return { scores, problems: [] };
}

export function createHeuristicScorer(): Scorer {
  return {
    id: HEURISTIC_SCORER_ID,
    name: 'Length & cue heuristic',
    description:
      'A cheap proxy from length, multi-step and constraint cues and structured output. It leans on length, so it mirrors the length–difficulty confound; use it only when the data has no scores.',
    score: async (records, options) => scoreHeuristically(records, options),
  };
}
