/**
 * The elementary tasks of the built-in demo suite: string transforms, queries on a word, and column addition.
 * Each has several plain-English phrasings. Everything is lowercase and uses {@link DEMO_CHARSET} only, because a
 * character-level model is trained on this suite in the browser.
 */

/** Every character the demo suite may contain (the test checks each record against it). */
export const DEMO_CHARSET = 'abcdefghijklmnopqrstuvwxyz0123456789 \n.,:;?!\'"-+=()';

export const VOWELS = 'aeiou';
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz';

/** A transform reads a word and writes a word. */
export type TransformId =
  'copy' | 'reverse' | 'sort' | 'remove-vowels' | 'shift' | 'dedupe' | 'double' | 'swap-ends' | 'rotate';

/** A query reads a word and answers a letter or a number. */
export type QueryId = 'first-letter' | 'last-letter' | 'length' | 'count-letter';

/** `{x}` stands for what the step works on: "the word below", "'kavo'", "the result", … */
interface Phrased {
  phrasings: readonly string[];
}

export interface Transform extends Phrased {
  id: TransformId;
  /** Reorders letters without changing which letters there are (then a later `sort` would undo it). */
  permutes: boolean;
  apply(word: string): string;
}

export interface Query extends Phrased {
  id: QueryId;
  /** How the query reads as the last step of a chain ("…, then give the first letter of the result."). */
  stepPhrasings: readonly string[];
  apply(word: string, letter?: string): string;
}

export const TRANSFORMS: Record<TransformId, Transform> = {
  copy: {
    id: 'copy',
    permutes: false,
    apply: (w) => w,
    phrasings: ['repeat {x} exactly as it is', 'copy {x}', 'write {x} again, unchanged'],
  },
  reverse: {
    id: 'reverse',
    permutes: true,
    apply: (w) => [...w].reverse().join(''),
    phrasings: ['reverse {x}', 'write {x} backwards', 'spell {x} in reverse order'],
  },
  sort: {
    id: 'sort',
    permutes: true,
    apply: (w) => [...w].sort().join(''),
    phrasings: [
      'sort the letters of {x} alphabetically',
      'arrange the letters of {x} in alphabetical order',
      'put the letters of {x} in order from a to z',
    ],
  },
  'remove-vowels': {
    id: 'remove-vowels',
    permutes: false,
    apply: (w) => [...w].filter((c) => !VOWELS.includes(c)).join(''),
    phrasings: [
      'remove every vowel from {x}',
      'delete the vowels (a, e, i, o, u) in {x}',
      'drop all the vowels of {x}',
    ],
  },
  shift: {
    id: 'shift',
    permutes: false,
    apply: (w) => [...w].map((c) => ALPHABET[(ALPHABET.indexOf(c) + 1) % 26]).join(''),
    phrasings: [
      'replace each letter of {x} with the next letter of the alphabet (z becomes a)',
      'shift every letter of {x} forward by one (a to b, z to a)',
    ],
  },
  dedupe: {
    id: 'dedupe',
    permutes: false,
    apply: (w) => [...new Set(w)].join(''),
    phrasings: [
      'remove repeated letters from {x}, keeping the first of each',
      'keep only the first occurrence of each letter in {x}',
    ],
  },
  double: {
    id: 'double',
    permutes: false,
    apply: (w) => [...w].map((c) => c + c).join(''),
    phrasings: ['write each letter of {x} twice', 'double every letter in {x}'],
  },
  'swap-ends': {
    id: 'swap-ends',
    permutes: true,
    apply: (w) => (w.length < 2 ? w : w[w.length - 1]! + w.slice(1, -1) + w[0]!),
    phrasings: ['swap the first and last letters of {x}', 'exchange the first letter and the last letter of {x}'],
  },
  rotate: {
    id: 'rotate',
    permutes: true,
    apply: (w) => w.slice(1) + w.slice(0, 1),
    phrasings: ['move the first letter of {x} to the end', 'rotate {x} left by one letter'],
  },
};

export const QUERIES: Record<QueryId, Query> = {
  'first-letter': {
    id: 'first-letter',
    apply: (w) => w.slice(0, 1),
    stepPhrasings: ['give the first letter of {x}', 'name the first letter of {x}'],
    phrasings: [
      'what is the first letter of {x}?',
      'give the first letter of {x}.',
      'which letter does {x} start with?',
    ],
  },
  'last-letter': {
    id: 'last-letter',
    apply: (w) => w.slice(-1),
    stepPhrasings: ['give the last letter of {x}', 'name the last letter of {x}'],
    phrasings: ['what is the last letter of {x}?', 'give the last letter of {x}.', 'which letter does {x} end with?'],
  },
  length: {
    id: 'length',
    apply: (w) => String(w.length),
    stepPhrasings: ['count the letters in {x}', 'give the number of letters in {x}'],
    phrasings: ['how many letters are in {x}?', 'count the letters in {x}.', 'what is the length of {x}?'],
  },
  'count-letter': {
    id: 'count-letter',
    apply: (w, letter) => String([...w].filter((c) => c === letter).length),
    stepPhrasings: ["count the letter '{l}' in {x}"],
    phrasings: [
      "how many times does the letter '{l}' appear in {x}?",
      "count the letter '{l}' in {x}.",
      "how often does '{l}' occur in {x}?",
    ],
  },
};

/**
 * Transforms that may follow `prev` in a chain without making a step pointless: a transform never repeats
 * itself, nothing that only reorders letters comes right before `sort` (sort would undo it), and `dedupe` never
 * follows `double` (it would undo it).
 */
export function canFollow(prev: TransformId, next: TransformId): boolean {
  if (prev === next || next === 'copy' || prev === 'copy') return false;
  if (next === 'sort' && TRANSFORMS[prev].permutes) return false;
  if (prev === 'double' && next === 'dedupe') return false;
  return true;
}

/** Queries that depend on what `prev` did (the length of a reversed word is just the length of the word). */
export function queryCanFollow(prev: TransformId, query: QueryId): boolean {
  switch (query) {
    case 'length':
      return prev === 'remove-vowels' || prev === 'dedupe';
    case 'first-letter':
    case 'last-letter':
      return prev === 'reverse' || prev === 'sort' || prev === 'rotate' || prev === 'shift' || prev === 'swap-ends';
    case 'count-letter':
      return false;
  }
}

/** Column addition of two non-negative integers: the sum and how many columns carried. */
export function addWithCarries(a: number, b: number): { sum: number; carries: number } {
  let carries = 0;
  let carry = 0;
  let x = a;
  let y = b;
  while (x > 0 || y > 0) {
    const column = (x % 10) + (y % 10) + carry;
    carry = column >= 10 ? 1 : 0;
    carries += carry;
    x = Math.floor(x / 10);
    y = Math.floor(y / 10);
  }
  return { sum: a + b, carries };
}
