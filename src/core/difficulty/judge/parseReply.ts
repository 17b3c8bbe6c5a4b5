/**
 * Reading a 1–5 score out of a judge's reply, robustly but without ever guessing.
 *
 * Accepted: a number anywhere in a short reply ("3", "**4**", "3.5.", "I'd say 2"), a labelled score anywhere
 * ("Score: 3.5", "Difficulty level: 4", "I would rate it 2"), a score out of 5 ("4/5", "2.5 out of 5"), and a reply
 * that is nothing but a number word ("Four."). Mentions of the scale itself ("on a scale of 1 to 5", "(1-5)") are
 * ignored, and `<think>…</think>` reasoning blocks are skipped.
 *
 * Refused, with the reason: an empty reply; several different candidate values ("3 or 4", "3-4", "Score: 2 …
 * Score: 3"); a score out of another scale ("8/10"); a long reply with no labelled score (the number in it could be
 * anything); no number at all; a value outside 1–5. A refused reply leaves the record unscored and is listed.
 */

export type ParsedReply =
  | {
      ok: true;
      score: number;
      /** Which rule found it, so the UI can show how a score was read. */
      how: 'labelled' | 'out-of-5' | 'only-number' | 'number-word';
    }
  | { ok: false; reason: string };

export interface ParseReplyOptions {
  /** The scale (default 1–5). Values outside are refused, never clamped. */
  min?: number;
  max?: number;
  /**
   * A reply longer than this (after removing reasoning blocks and markdown) is read only through labelled or
   * "/5" scores: in a long text a lone number is as likely a step count as a score. Default 120 characters.
   */
  maxBareChars?: number;
}

const NUMBER = String.raw`-?\d+(?:\.\d+)?`;

/** Mentions of the 1–5 scale itself, which are not scores. */
const SCALE_MENTIONS: readonly RegExp[] = [
  /\b(?:on\s+|using\s+)?(?:a|the)?\s*(?:scale|range)\s+(?:of|from)\s+1(?:\.0)?\s*(?:to|-|–|—)\s*5(?:\.0)?\b/gi,
  /\(\s*1\s*(?:-|–|—|to)\s*5\s*\)/g,
  /\b1\s*(?:-|–|—)\s*5\s+scale\b/gi,
  /\bfrom\s+1\s+to\s+5\b/gi,
  /\bbetween\s+1\s+and\s+5\b/gi,
];

/** "4/5", "2.5 / 5", "3 out of 5" — and, to refuse them, "8/10" or "7 out of 10". */
const FRACTION_RE = new RegExp(String.raw`(${NUMBER})\s*(?:\/|out\s+of)\s*(\d+(?:\.\d+)?)`, 'gi');

/** A label, a little filler, then the number: "Score: 3", "difficulty level is 4", "rate it a 2", "rating = 3.5". */
const LABELLED_RE = new RegExp(
  String.raw`\b(?:difficulty(?:\s+(?:score|level|rating))?|score|rating|level|rated?(?:\s+(?:it|this(?:\s+(?:one|task|example))?))?(?:\s+(?:as|at))?)` +
    String.raw`\s*(?:is\s+|of\s+|=\s*|:\s*)?(?:a\s+|an\s+)?(${NUMBER})(?![\d.]*\d)`,
  'gi',
);

/** A bare number: not glued to a word ("v2", "2nd") or to another number. */
const BARE_RE = /(?<![\w.])-?\d+(?:\.\d+)?(?![\w]|\.\d)/g;

const WORDS: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5 };

function distinct(values: readonly number[]): number[] {
  return [...new Set(values)];
}

const list = (values: readonly number[]): string => values.join(', ');

function inRange(score: number, how: Extract<ParsedReply, { ok: true }>['how'], min: number, max: number): ParsedReply {
  if (!Number.isFinite(score)) return { ok: false, reason: `the score ${score} is not a finite number` };
  if (score < min || score > max) {
    return { ok: false, reason: `the score ${score} is outside the ${min}–${max} scale (refused, not clamped)` };
  }
  return { ok: true, score, how };
}

/** The judge's score in a reply, or why none can be read. */
export function parseJudgeReply(reply: unknown, options: ParseReplyOptions = {}): ParsedReply {
  const min = options.min ?? 1;
  const max = options.max ?? 5;
  const maxBareChars = options.maxBareChars ?? 120;
  if (typeof reply !== 'string') return { ok: false, reason: 'the reply is not text' };

  let text = reply.replace(/<think>[\s\S]*?<\/think>/gi, ' ');
  if (/<think>/i.test(text))
    return { ok: false, reason: 'the reply stops inside its reasoning (<think> without </think>); no score was given' };
  // Markdown emphasis, code and heading marks carry no meaning for a score.
  text = text.replace(/[*_`#]/g, ' ').trim();
  if (text === '') return { ok: false, reason: 'the reply is empty' };

  for (const re of SCALE_MENTIONS) text = text.replace(re, ' ');

  const explicit: number[] = [];
  let how: 'labelled' | 'out-of-5' = 'out-of-5';
  for (const m of text.matchAll(FRACTION_RE)) {
    const denominator = Number(m[2]);
    if (denominator !== max) {
      return { ok: false, reason: `"${m[0].trim()}" is a score out of ${m[2]}, not on the ${min}–${max} scale` };
    }
    explicit.push(Number(m[1]));
  }
  text = text.replace(FRACTION_RE, ' ');
  for (const m of text.matchAll(LABELLED_RE)) {
    explicit.push(Number(m[1]));
    how = 'labelled';
  }
  if (explicit.length > 0) {
    const values = distinct(explicit);
    if (values.length > 1)
      return { ok: false, reason: `the reply gives several scores (${list(values)}); not guessed` };
    return inRange(values[0]!, how, min, max);
  }

  if (text.length > maxBareChars) {
    return {
      ok: false,
      reason: `a long reply (${text.length} characters) with no labelled score ("Score: 3") or "3/5"; a lone number in it could mean anything`,
    };
  }
  const bare = distinct([...text.matchAll(BARE_RE)].map((m) => Number(m[0])));
  if (bare.length > 1) return { ok: false, reason: `the reply holds several numbers (${list(bare)}); not guessed` };
  if (bare.length === 1) return inRange(bare[0]!, 'only-number', min, max);

  const word = text.toLowerCase().replace(/[^a-z]/g, '');
  if (Object.hasOwn(WORDS, word)) return inRange(WORDS[word]!, 'number-word', min, max);
  return { ok: false, reason: 'the reply contains no number' };
}

/** The start of a reply for a problem list: one line, at most `max` characters. */
export function replyExcerpt(reply: string, max = 80): string {
  const one = reply.replace(/\s+/g, ' ').trim();
  return one.length <= max ? one : `${one.slice(0, max - 1)}…`;
}
