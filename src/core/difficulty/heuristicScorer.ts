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
import { promptChars as promptCharsOf, responseChars } from '../data/lengths';
import type { InstructionRecord } from '../data/record';
import type { Scorer, ScoreOptions, ScoreResult } from './scorer';

export const HEURISTIC_SCORER_ID = 'heuristic';

export type HeuristicSignalId =
  'responseLength' | 'promptLength' | 'hasInput' | 'multiStep' | 'constraints' | 'structure';

export interface HeuristicTerm {
  id: HeuristicSignalId;
  label: string;
  weight: number;
  /** How the text becomes a number in [0, 1], in words a user can check. */
  signal: string;
}

/**
 * Only the start of a field is searched for cues, so one 100 KB record cannot stall scoring: the first
 * {@link CUE_SCAN_CHARS} characters of the instruction and {@link STRUCTURE_SCAN_CHARS} of the output.
 */
export const CUE_SCAN_CHARS = 1000;
export const STRUCTURE_SCAN_CHARS = 2000;

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
  summary:
    'score = 1 + 4 × Σ weight × signal; every signal is in [0, 1], the weights sum to 1, so scores lie in [1, 5].',
  terms: [
    {
      id: 'responseLength',
      label: 'Response length',
      weight: 0.25,
      signal: `log-scaled characters of the output (with a conversation's earlier answers): ln((1+n)/${1 + RESPONSE_RAMP.lo}) / ln(${1 + RESPONSE_RAMP.hi}/${1 + RESPONSE_RAMP.lo}), clamped to [0, 1] (0 at ≤ ${RESPONSE_RAMP.lo} chars, 1 at ≥ ${RESPONSE_RAMP.hi})`,
    },
    {
      id: 'promptLength',
      label: 'Instruction + input length',
      weight: 0.25,
      signal: `log-scaled characters of instruction + input (with a conversation's earlier user turns): ln((1+n)/${1 + PROMPT_RAMP.lo}) / ln(${1 + PROMPT_RAMP.hi}/${1 + PROMPT_RAMP.lo}), clamped to [0, 1] (0 at ≤ ${PROMPT_RAMP.lo} chars, 1 at ≥ ${PROMPT_RAMP.hi})`,
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
      signal: `cues in the instruction (its first ${CUE_SCAN_CHARS} characters; the input is data, not steps), divided by ${MULTI_STEP_SATURATION} and capped at 1: "then", "after that/this/which", "afterwards", "finally", "subsequently", "followed by", "step(s)", a sentence or line that starts with first/second/third/next/last(ly), and each numbered line ("1. …", "2) …")`,
    },
    {
      id: 'constraints',
      label: 'Constraint cues',
      weight: 0.1,
      signal: `cues in the instruction (first ${CUE_SCAN_CHARS} characters), divided by ${CONSTRAINT_SATURATION} and capped at 1: "at least", "at most", "exactly", "no more/less than", "fewer/less/more than", "without", "must", "do not"/"don't", "never", "only", "avoid", "make sure", "ensure", "limit", "maximum", "minimum", "in under N", "N words/sentences/items/…"`,
    },
    {
      id: 'structure',
      label: 'Structured output',
      weight: 0.1,
      signal: `sum capped at 1, over the first ${STRUCTURE_SCAN_CHARS} characters of the output: a code fence (1), the output is a JSON object/array (1), 2+ table rows with pipes (1), list lines starting with -, *, • or "1." (0.2 each, at most 0.8), 4+ lines (0.2); plus 0.3 when the instruction asks for a list/table/JSON/code/steps/format`,
    },
  ],
  caveat:
    'A proxy, not a judgement: it rewards length and surface cues. Difficulty and length are correlated in the paper’s own data (a confound), and this score leans on length by construction. Use it when the data has no scores; prefer a judge or IFD when you can.',
};

export type HeuristicSignals = Record<HeuristicSignalId, number>;

const WEIGHTS: HeuristicSignals = Object.fromEntries(
  HEURISTIC_FORMULA.terms.map((t) => [t.id, t.weight]),
) as HeuristicSignals;

// Cue patterns run over the lowercased instruction; each match counts once. Step words, constraints and requests
// for structure share one pass (group 1, 2 or 3): three separate scans cost about three times as much.
const CUE_RE =
  /\b(?:(then|after (?:that|this|which)|afterwards?|finally|subsequently|followed by|steps?)|(at least|at most|exactly|no (?:more|less|fewer) than|not (?:more|less) than|fewer than|less than|more than|without|must|do not|don't|never|only|avoid|make sure|ensure|limit(?:ed)?|maximum|minimum|(?:in )?under \d+|\d+ (?:words|sentences|characters|letters|lines|paragraphs|items|bullet points|examples|ways|tips|reasons|points))|(list|table|json|bullet|code|function|program|script|sql|python|javascript|html|csv|outline|format))\b/g;
const STEP_START_RE = /[.!?;:\n]\s*(?:first|second|third|next|last)(?:ly)?\b/g;
const STEP_START_AT_0_RE = /^\s*(?:first|second|third|next|last)(?:ly)?\b/;
const TABLE_ROW_RE = /(?:^|\n)[^\n|]*\|[^\n|]*\|/g;

function logRamp(n: number, lo: number, hi: number): number {
  const v = Math.log((1 + n) / (1 + lo)) / Math.log((1 + hi) / (1 + lo));
  return v <= 0 ? 0 : v >= 1 ? 1 : v;
}

/** Matches of a global regex, without allocating a match array for each (test() only moves lastIndex). */
function countMatches(re: RegExp, text: string): number {
  re.lastIndex = 0;
  let n = 0;
  while (re.test(text)) n++;
  return n;
}

/** The six signals of one record, each in [0, 1] (shown in the UI as "why this score"). */
export function heuristicSignals(
  record: Pick<InstructionRecord, 'instruction' | 'input' | 'output' | 'history'>,
): HeuristicSignals {
  // Lengths see the whole conversation; cues are read off the final exchange (what the record is scored for).
  const { instruction, input, output } = record;
  const promptChars = promptCharsOf(record);
  const asked = (
    instruction.length > CUE_SCAN_CHARS ? instruction.slice(0, CUE_SCAN_CHARS) : instruction
  ).toLowerCase();
  const response = output.length > STRUCTURE_SCAN_CHARS ? output.slice(0, STRUCTURE_SCAN_CHARS) : output;

  let steps =
    countMatches(STEP_START_RE, asked) + (STEP_START_AT_0_RE.test(asked) ? 1 : 0) + countListLines(asked, false);
  let constraints = 0;
  let asksStructure = false;
  CUE_RE.lastIndex = 0;
  for (let m = CUE_RE.exec(asked); m !== null; m = CUE_RE.exec(asked)) {
    if (m[1] !== undefined) {
      steps++;
      // "steps" is both a step cue and a request for structured output
      if (m[1] === 'steps') asksStructure = true;
    } else if (m[2] !== undefined) constraints++;
    else asksStructure = true;
  }

  let structure = 0;
  if (response.includes('```')) structure += 1;
  if (looksLikeJson(output)) structure += 1;
  if (response.includes('|') && countMatches(TABLE_ROW_RE, response) >= 2) structure += 1;
  structure += Math.min(0.8, 0.2 * countListLines(response, true));
  if (countLines(response, 4) >= 4) structure += 0.2;
  if (asksStructure) structure += 0.3;

  return {
    responseLength: logRamp(responseChars(record), RESPONSE_RAMP.lo, RESPONSE_RAMP.hi),
    promptLength: logRamp(promptChars, PROMPT_RAMP.lo, PROMPT_RAMP.hi),
    hasInput: input.length > 0 ? 1 : 0,
    multiStep: Math.min(1, steps / MULTI_STEP_SATURATION),
    constraints: Math.min(1, constraints / CONSTRAINT_SATURATION),
    structure: Math.min(1, structure),
  };
}

/**
 * Lines that start (after spaces) with "1." / "12)" followed by a space — and, when `bullets`, with "-", "*" or
 * "•" followed by a space. Walks the newlines with indexOf, which is much faster than a regex over the text.
 */
function countListLines(text: string, bullets: boolean): number {
  let n = 0;
  for (let start = 0; start !== -1 && start < text.length;) {
    let i = start;
    while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) i++;
    const c = text.charCodeAt(i);
    if (bullets && (c === 45 || c === 42 || c === 0x2022)) {
      if (isBlank(text.charCodeAt(i + 1))) n++;
    } else if (isDigit(c)) {
      let j = i + 1;
      if (isDigit(text.charCodeAt(j))) j++;
      const p = text.charCodeAt(j);
      if ((p === 46 || p === 41) && isBlank(text.charCodeAt(j + 1))) n++;
    }
    const nl = text.indexOf('\n', start);
    start = nl === -1 ? -1 : nl + 1;
  }
  return n;
}

function countLines(text: string, atMost: number): number {
  let lines = 1;
  for (let i = text.indexOf('\n'); i !== -1 && lines < atMost; i = text.indexOf('\n', i + 1)) lines++;
  return lines;
}

/** First and last non-blank characters are '{' … '}' or '[' … ']' (checked without copying the text). */
function looksLikeJson(text: string): boolean {
  let a = 0;
  let b = text.length - 1;
  while (a <= b && text.charCodeAt(a) <= 32) a++;
  while (b >= a && text.charCodeAt(b) <= 32) b--;
  if (a >= b) return false;
  const first = text.charCodeAt(a);
  const last = text.charCodeAt(b);
  return (first === 123 && last === 125) || (first === 91 && last === 93);
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isBlank = (c: number): boolean => c === 32 || c === 9;

/** The heuristic score of one record, in [1, 5]. */
export function heuristicScore(
  record: Pick<InstructionRecord, 'instruction' | 'input' | 'output' | 'history'>,
): number {
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
