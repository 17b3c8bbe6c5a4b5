/**
 * The pretraining corpus of the built-in base model: plain text, NOT instruction format — like the web text a real
 * LLM reads before instruction tuning. It states the facts the demo suite later asks for, in prose:
 *
 *   "kavo" reversed is "ovak".   the letters of 'dog' sorted are 'dgo'.   17 + 25 = 42.
 *   "mirat" without vowels is "mrt", and "mrt" rotated left by one is "rtm".
 *
 * plus other generated text over the same characters (spelling, counting, the alphabet, comparisons, simple
 * sentences). No "User:" / "Assistant:" turns and none of the suite's imperative phrasings ("reverse the word
 * below"), so what instruction tuning adds is following instructions, as in the paper's setting.
 *
 * Words are 2–14 letters and numbers 1–5 digits, the normal suite's ranges: the length-OOD file (16+ letters, 6+
 * digits) stays out of distribution for the base model too. Deterministic by seed: documents come from an endless
 * seeded stream, so a pretraining run takes as many as its budget needs.
 */
import { CharTokenizer } from '../tokenizer/charTokenizer';
import { renderTemplate, TEMPLATE_NAMES } from '../text/template';
import { createRng, deriveSeed, type Rng } from '../util/random';
import { DEMO_CHARSET, QUERIES, TRANSFORMS, VOWELS, canFollow, type QueryId, type TransformId } from './tasks';

export const DEFAULT_PRETRAIN_SEED = 20240611;

/**
 * The texts whose characters make up the base model's alphabet: every character the demo suite may contain, and the
 * fixed text of every prompt template ("User: ", "Assistant: ", Alpaca's header). Built from these rather than from
 * the corpus, so a template character the corpus happens to lack is still a real token, never `<unk>`.
 */
export function baseAlphabetTexts(): string[] {
  const templates = TEMPLATE_NAMES.flatMap((t) =>
    [
      { instruction: '', input: '', output: '' },
      { instruction: '', input: 'x', output: '' },
    ].map((r) => renderTemplate(t, r).replaceAll('<bos>', '').replaceAll('<eos>', '')),
  );
  return [DEMO_CHARSET, ...templates];
}

/** The base model's tokenizer: specials 0–3, then the characters of {@link baseAlphabetTexts} by code point. */
export function createBaseTokenizer(): CharTokenizer {
  return CharTokenizer.fromTexts(baseAlphabetTexts());
}

// ───────────────────────────── statements ─────────────────────────────

const CONSONANTS = 'bcdfghjklmnpqrstvwxyz';
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz';

/** How a transform's result is stated: {w} the word, {r} the result. */
const TRANSFORM_STATEMENTS: Record<TransformId, readonly string[]> = {
  copy: ['{w} written again is {r}', '{w} copied is {r}', '{w} repeated is {r}'],
  reverse: [
    '{w} reversed is {r}',
    'the reverse of {w} is {r}',
    '{w} backwards is {r}',
    '{w} spelled in reverse is {r}',
  ],
  sort: ['the letters of {w} sorted are {r}', '{w} in alphabetical order is {r}', '{w} sorted from a to z is {r}'],
  'remove-vowels': [
    '{w} without vowels is {r}',
    'removing the vowels from {w} leaves {r}',
    '{w} with no vowels is {r}',
  ],
  shift: [
    '{w} with each letter moved to the next one is {r}',
    'shifting {w} forward by one letter gives {r}',
    'the next letters after {w} are {r}',
  ],
  dedupe: ['{w} without repeated letters is {r}', 'keeping the first of each letter in {w} gives {r}'],
  double: ['{w} with every letter doubled is {r}', 'doubling each letter of {w} gives {r}'],
  'swap-ends': ['{w} with its first and last letters swapped is {r}', 'swapping the ends of {w} gives {r}'],
  rotate: ['{w} rotated left by one is {r}', 'moving the first letter of {w} to the end gives {r}'],
};

/** How a query's answer is stated: {w} the word, {a} the answer, {l} the counted letter. */
const QUERY_STATEMENTS: Record<QueryId, readonly string[]> = {
  'first-letter': ['the first letter of {w} is {a}', '{w} starts with {a}', '{w} begins with the letter {a}'],
  'last-letter': ['the last letter of {w} is {a}', '{w} ends with {a}', '{w} ends in the letter {a}'],
  length: ['{w} has {a} letters', 'the length of {w} is {a}', 'there are {a} letters in {w}'],
  'count-letter': [
    "the letter '{l}' appears {a} times in {w}",
    "{w} has {a} of the letter '{l}'",
    "'{l}' occurs {a} times in {w}",
  ],
};

/**
 * The same facts with the answer after the word, always: a model reading left to right can work an answer out only
 * from what came before it ("there are 4 letters in 'kavo'" names the count before the word). The `ops` mix uses these.
 */
const QUERY_STATEMENTS_ANSWER_LAST: Record<QueryId, readonly string[]> = {
  'first-letter': QUERY_STATEMENTS['first-letter'],
  'last-letter': QUERY_STATEMENTS['last-letter'],
  length: ['{w} has {a} letters', 'the length of {w} is {a}', 'counting the letters of {w} gives {a}'],
  'count-letter': [
    "in {w}, the letter '{l}' appears {a} times",
    "{w} contains the letter '{l}' {a} times",
    "counting the letter '{l}' in {w} gives {a}",
  ],
};

const CHAIN_TRANSFORMS: readonly TransformId[] = [
  'reverse',
  'sort',
  'remove-vowels',
  'shift',
  'dedupe',
  'double',
  'swap-ends',
  'rotate',
];

function randomWord(rng: Rng, length: number): string {
  let w = '';
  for (let i = 0; i < length; i++) w += rng.chance(0.4) ? rng.pick([...VOWELS]) : rng.pick([...CONSONANTS]);
  return w;
}

/** Mostly 3–10 letters, sometimes up to 14 (the suite's longest), rarely 2. */
function wordLength(rng: Rng): number {
  const r = rng.next();
  if (r < 0.05) return 2;
  if (r < 0.8) return rng.intBetween(3, 10);
  return rng.intBetween(11, 14);
}

/** A word as text: "double", 'single' quoted or bare, in the same style throughout one statement. */
type Quote = (w: string) => string;
function pickQuote(rng: Rng): Quote {
  const r = rng.next();
  if (r < 0.45) return (w) => `"${w}"`;
  if (r < 0.8) return (w) => `'${w}'`;
  return (w) => w;
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w)\}/g, (_, k: string) => values[k] ?? '');
}

function transformStatement(rng: Rng, q: Quote, id: TransformId, word: string): { text: string; result: string } {
  const result = TRANSFORMS[id].apply(word);
  return { text: fill(rng.pick(TRANSFORM_STATEMENTS[id]), { w: q(word), r: q(result) }), result };
}

function queryStatement(rng: Rng, q: Quote, id: QueryId, word: string, answerLast = false): string {
  const letter = id === 'count-letter' ? (rng.chance(0.8) ? rng.pick([...word]) : rng.pick([...ALPHABET])) : undefined;
  const answer = QUERIES[id].apply(word, letter);
  let text = fill(rng.pick((answerLast ? QUERY_STATEMENTS_ANSWER_LAST : QUERY_STATEMENTS)[id]), {
    w: q(word),
    a: answer,
    l: letter ?? '',
  });
  if (id === 'count-letter' && answer === '1') text = text.replace('1 times', 'once');
  return text;
}

/** Picks by weight (weights need not sum to 1); one draw of `rng.next()`. */
function weightedPick<T extends string>(rng: Rng, weights: Partial<Record<T, number>>): T {
  const entries = Object.entries(weights) as [T, number][];
  const total = entries.reduce((a, [, w]) => a + w, 0);
  let r = rng.next() * total;
  for (const [k, w] of entries) {
    if (r < w) return k;
    r -= w;
  }
  return entries[entries.length - 1]![0];
}

function singleTransform(rng: Rng, mix: PretrainMix): string {
  const id = mix.transforms ? weightedPick(rng, mix.transforms) : rng.pick(Object.keys(TRANSFORMS) as TransformId[]);
  return transformStatement(rng, pickQuote(rng), id, randomWord(rng, wordLength(rng))).text + '.';
}

function singleQuery(rng: Rng, mix: PretrainMix): string {
  const id = mix.queries ? weightedPick(rng, mix.queries) : rng.pick(Object.keys(QUERIES) as QueryId[]);
  return queryStatement(rng, pickQuote(rng), id, randomWord(rng, wordLength(rng)), mix.answerLast) + '.';
}

/** Two or three transforms, each stated on the previous result, sometimes ending with a question about it. */
function chain(rng: Rng, mix: PretrainMix): string {
  const q = pickQuote(rng);
  let word = randomWord(rng, rng.intBetween(4, 10));
  const steps = rng.intBetween(2, 3);
  const parts: string[] = [];
  let prev: TransformId | undefined;
  const used: TransformId[] = [];
  for (let i = 0; i < steps; i++) {
    // As in the suite: no step undoes the one before, and a word is doubled at most once.
    const options = CHAIN_TRANSFORMS.filter(
      (t) => (prev === undefined || canFollow(prev, t)) && !(t === 'double' && used.includes('double')),
    );
    const id = rng.pick(options);
    used.push(id);
    const { text, result } = transformStatement(rng, q, id, word);
    parts.push(text);
    word = result;
    prev = id;
    if (word.length < 2) break;
  }
  if (rng.chance(0.3) && word.length > 0)
    parts.push(
      queryStatement(rng, q, rng.pick(['first-letter', 'last-letter', 'length'] as QueryId[]), word, mix.answerLast),
    );
  const joiner = rng.pick([', and ', ', then ', '; ', '. then ']);
  return parts.join(joiner) + '.';
}

function number(rng: Rng, maxDigits = 5): number {
  const d = rng.intBetween(1, maxDigits);
  return rng.intBetween(d === 1 ? 0 : 10 ** (d - 1), 10 ** d - 1);
}

function addition(rng: Rng, mix: PretrainMix): string {
  let a: number;
  if (mix.addDigits !== undefined) {
    const d = Number(weightedPick(rng, mix.addDigits));
    a = rng.intBetween(d === 1 ? 0 : 10 ** (d - 1), 10 ** d - 1);
  } else a = number(rng);
  let b: number;
  if (mix.sameDigits !== undefined && rng.chance(mix.sameDigits)) {
    // Both addends as long as each other, as in every addition of the demo suite.
    const d = String(a).length;
    b = rng.intBetween(d === 1 ? 0 : 10 ** (d - 1), 10 ** d - 1);
  } else b = number(rng);
  return fill(
    rng.pick([
      '{a} + {b} = {c}.',
      '{a} plus {b} is {c}.',
      'the sum of {a} and {b} is {c}.',
      '{a} and {b} add up to {c}.',
    ]),
    {
      a: String(a),
      b: String(b),
      c: String(a + b),
    },
  );
}

function spelling(rng: Rng): string {
  const q = pickQuote(rng);
  const w = randomWord(rng, wordLength(rng));
  return rng.chance(0.5)
    ? `${q(w)} is spelled ${[...w].join('-')}.`
    : `the letters of ${q(w)} are ${[...w].join(', ')}.`;
}

/**
 * A word said again: the plainest copying there is. Frequent on purpose — a small model learns to copy (to form
 * induction heads) only from enough repeats, and every demo task starts by reading a word out of the prompt.
 */
function repeat(rng: Rng): string {
  const q = pickQuote(rng);
  const w = randomWord(rng, wordLength(rng));
  if (rng.chance(0.6)) {
    // Several times in a row: after the first, every letter can be read off the copy before it.
    const n = rng.intBetween(3, 6);
    return `${Array.from({ length: n }, () => q(w)).join(rng.pick([' ', ', ']))}.`;
  }
  return fill(
    rng.pick(['{w} again is {w}.', 'the word {w} is written {w}.', '{w} said twice is {w} {w}.', '{w} is {w}.']),
    { w: q(w) },
  );
}

function counting(rng: Rng): string {
  const n = rng.intBetween(3, 8);
  if (rng.chance(0.7)) {
    const start = rng.intBetween(0, 95);
    return `${Array.from({ length: n }, (_, i) => start + i).join(', ')}.`;
  }
  const start = rng.intBetween(n, 99);
  return `counting down: ${Array.from({ length: n }, (_, i) => start - i).join(', ')}.`;
}

function alphabetFact(rng: Rng): string {
  const i = rng.intBetween(0, 24);
  const a = ALPHABET[i]!;
  const b = ALPHABET[i + 1]!;
  return rng.pick([
    `after ${a} comes ${b}.`,
    `the letter before ${b} is ${a}.`,
    `the alphabet goes ${ALPHABET.slice(i, Math.min(26, i + rng.intBetween(3, 7)))
      .split('')
      .join(', ')}.`,
    `${a} is a ${VOWELS.includes(a) ? 'vowel' : 'consonant'}.`,
  ]);
}

function comparison(rng: Rng): string {
  const a = number(rng, 3);
  let b = number(rng, 3);
  if (a === b) b++;
  return rng.chance(0.5)
    ? `${a} is ${a > b ? 'more' : 'less'} than ${b}.`
    : `${Math.max(a, b)} is the larger of ${a} and ${b}.`;
}

const NOUNS = [
  'cat',
  'dog',
  'bird',
  'fox',
  'child',
  'farmer',
  'robot',
  'teacher',
  'ball',
  'book',
  'tree',
  'river',
  'box',
  'song',
  'word',
  'letter',
  'number',
  'garden',
  'house',
  'boat',
];
const ADJECTIVES = ['small', 'big', 'red', 'green', 'old', 'new', 'quiet', 'happy', 'long', 'short', 'bright', 'slow'];
const VERBS = ['sees', 'finds', 'likes', 'reads', 'writes', 'carries', 'counts', 'follows', 'opens', 'draws'];
const PLACES = [
  'in the park',
  'near the river',
  'at home',
  'on the hill',
  'by the sea',
  'after lunch',
  'every morning',
];

function sentence(rng: Rng): string {
  const np = () =>
    `${rng.pick(['the', 'a', 'one'])} ${rng.chance(0.5) ? `${rng.pick(ADJECTIVES)} ` : ''}${rng.pick(NOUNS)}`;
  const tail = rng.chance(0.4) ? ` ${rng.pick(PLACES)}` : '';
  const s = `${np()} ${rng.pick(VERBS)} ${np()}${tail}`;
  return rng.chance(0.15) ? `${s}, and ${np()} ${rng.pick(VERBS)} it too.` : `${s}.`;
}

export type PretrainKind =
  | 'transform'
  | 'query'
  | 'chain'
  | 'addition'
  | 'repeat'
  | 'spelling'
  | 'counting'
  | 'alphabet'
  | 'comparison'
  | 'sentence';

/** What the corpus is made of: how often each kind of statement comes, and optionally which operations. */
export interface PretrainMix {
  /** Weight of each kind of statement, in this order (they sum to 1). */
  kinds: Record<PretrainKind, number>;
  /** Weights of the transforms in single-transform statements; absent: uniform. */
  transforms?: Partial<Record<TransformId, number>>;
  /** Weights of the queries in single-query statements; absent: uniform. */
  queries?: Partial<Record<QueryId, number>>;
  /** Chance that an addition's second addend has as many digits as the first (absent: independent lengths). */
  sameDigits?: number;
  /** Weights of the first addend's number of digits, '1'–'5' (absent: uniform). */
  addDigits?: Partial<Record<'1' | '2' | '3' | '4' | '5', number>>;
  /** Queries only in phrasings that name the answer after the word (absent: every phrasing). */
  answerLast?: boolean;
}

export type PretrainMixName = 'v1' | 'ops' | 'focus';

/**
 * `v1`: the shipped base model's corpus (copying first: repeats are 30 %). `ops`: the operations the demo suite asks
 * for weighted up — single transforms and queries at the suite's own shares (reverse and sort are half the level-2
 * and level-3 word tasks), additions with addends of equal length — and repeats, sentences and the rest down;
 * queries name their answer after the word. `focus`: a later stage on the suite's level-2 tasks (reverse, sort,
 * counting a letter, 2–3 digit additions) for a model that already copies.
 */
export const PRETRAIN_MIXES: Record<PretrainMixName, PretrainMix> = {
  v1: {
    kinds: {
      transform: 0.2,
      query: 0.1,
      chain: 0.12,
      addition: 0.1,
      repeat: 0.3,
      spelling: 0.08,
      counting: 0.03,
      alphabet: 0.03,
      comparison: 0.02,
      sentence: 0.02,
    },
  },
  ops: {
    kinds: {
      transform: 0.3,
      query: 0.18,
      chain: 0.1,
      addition: 0.14,
      repeat: 0.15,
      spelling: 0.08,
      counting: 0.02,
      alphabet: 0.02,
      comparison: 0.005,
      sentence: 0.005,
    },
    transforms: {
      copy: 0.06,
      reverse: 0.25,
      sort: 0.25,
      'remove-vowels': 0.1,
      shift: 0.1,
      dedupe: 0.06,
      double: 0.06,
      'swap-ends': 0.06,
      rotate: 0.06,
    },
    queries: { 'first-letter': 0.2, 'last-letter': 0.1, length: 0.35, 'count-letter': 0.35 },
    sameDigits: 0.7,
    answerLast: true,
  },
  focus: {
    kinds: {
      transform: 0.35,
      query: 0.15,
      chain: 0.05,
      addition: 0.25,
      repeat: 0.1,
      spelling: 0.06,
      counting: 0.02,
      alphabet: 0.02,
      comparison: 0,
      sentence: 0,
    },
    transforms: {
      copy: 0.05,
      reverse: 0.35,
      sort: 0.35,
      'remove-vowels': 0.1,
      shift: 0.1,
      dedupe: 0.0125,
      double: 0.0125,
      'swap-ends': 0.0125,
      rotate: 0.0125,
    },
    queries: { 'first-letter': 0.15, 'last-letter': 0.05, length: 0.3, 'count-letter': 0.5 },
    addDigits: { '1': 0.05, '2': 0.5, '3': 0.3, '4': 0.1, '5': 0.05 },
    sameDigits: 0.9,
    answerLast: true,
  },
};

export const DEFAULT_PRETRAIN_MIX: PretrainMixName = 'v1';

const MAKERS: Record<PretrainKind, (rng: Rng, mix: PretrainMix) => string> = {
  transform: singleTransform,
  query: singleQuery,
  chain,
  addition,
  repeat,
  spelling,
  counting,
  alphabet: alphabetFact,
  comparison,
  sentence,
};

function statement(rng: Rng, mix: PretrainMix): string {
  let r = rng.next();
  const kinds = Object.entries(mix.kinds) as [PretrainKind, number][];
  for (const [kind, w] of kinds) {
    if (r < w) return MAKERS[kind](rng, mix);
    r -= w;
  }
  return MAKERS[kinds[kinds.length - 1]![0]](rng, mix);
}

/** One document: 3–8 statements, on separate lines or run together as a paragraph. */
export function pretrainDocument(rng: Rng, mix: PretrainMix = PRETRAIN_MIXES[DEFAULT_PRETRAIN_MIX]): string {
  const n = rng.intBetween(3, 8);
  const parts = Array.from({ length: n }, () => statement(rng, mix));
  return parts.join(rng.chance(0.6) ? '\n' : ' ');
}

/** An endless, seeded stream of documents. */
export function* pretrainDocuments(
  seed: number = DEFAULT_PRETRAIN_SEED,
  mix: PretrainMix = PRETRAIN_MIXES[DEFAULT_PRETRAIN_MIX],
): Generator<string, never, void> {
  const rng = createRng(deriveSeed(seed, 'pretrain-corpus'));
  for (;;) yield pretrainDocument(rng, mix);
}

/** The first `count` documents of the stream for `seed`. */
export function pretrainCorpus(
  count: number,
  seed: number = DEFAULT_PRETRAIN_SEED,
  mix: PretrainMix = PRETRAIN_MIXES[DEFAULT_PRETRAIN_MIX],
): string[] {
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`document count must be an integer ≥ 0, got ${count}`);
  const docs: string[] = [];
  const it = pretrainDocuments(seed, mix);
  for (let i = 0; i < count; i++) docs.push(it.next().value);
  return docs;
}

/**
 * Token stream for language-model pretraining: `<bos> document <eos>` one after another, cut into rows of T + 1
 * tokens (inputs = the first T, targets = the last T). Rows are consecutive slices of the stream, so a row may start
 * or end mid-document, as in GPT pretraining.
 */
export class PackedStream {
  private buffer: number[] = [];
  private readonly docs: Generator<string, never, void>;

  constructor(
    private readonly tok: { bosId: number; eosId: number; encode(text: string): number[] },
    seed: number = DEFAULT_PRETRAIN_SEED,
    mix: PretrainMix = PRETRAIN_MIXES[DEFAULT_PRETRAIN_MIX],
  ) {
    this.docs = pretrainDocuments(seed, mix);
  }

  /** The next row of `length` tokens. */
  next(length: number): Int32Array {
    while (this.buffer.length < length)
      this.buffer.push(this.tok.bosId, ...this.tok.encode(this.docs.next().value), this.tok.eosId);
    const row = Int32Array.from(this.buffer.slice(0, length));
    this.buffer = this.buffer.slice(length);
    return row;
  }
}

// ───────────────────────────── operation probes ─────────────────────────────

/** A statement opening and the exact text that should come next (the answer and the character after it). */
export interface OperationProbe {
  /** `reverse 5-6`, `add 2+2 no carry`, … : the operation and the suite's input size it mirrors. */
  op: string;
  prompt: string;
  expected: string;
}

/** The demo suite's level-1 to level-3 tasks as statements of the corpus (level in brackets). */
const PROBE_OPS: readonly { op: string; make: (rng: Rng) => [prompt: string, expected: string] }[] = [
  { op: 'copy 3-5 [L1]', make: (rng) => word(rng, 3, 5, (w) => [`"${w}" copied is "`, `${w}"`]) },
  {
    op: 'first letter 3-5 [L1]',
    make: (rng) => word(rng, 3, 5, (w) => [`the first letter of "${w}" is `, `${w[0]!}.`]),
  },
  { op: 'length 3-5 [L1]', make: (rng) => word(rng, 3, 5, (w) => [`the length of "${w}" is `, `${w.length}.`]) },
  {
    op: 'reverse 5-6 [L2]',
    make: (rng) => word(rng, 5, 6, (w) => [`the reverse of "${w}" is "`, `${TRANSFORMS.reverse.apply(w)}"`]),
  },
  {
    op: 'sort 5-6 [L2]',
    make: (rng) => word(rng, 5, 6, (w) => [`the letters of "${w}" sorted are "`, `${TRANSFORMS.sort.apply(w)}"`]),
  },
  {
    op: 'count letter 6-8 [L2]',
    make: (rng) =>
      word(rng, 6, 8, (w) => {
        const l = rng.pick([...w]);
        const n = QUERIES['count-letter'].apply(w, l);
        return [`in "${w}", the letter '${l}' appears `, n === '1' ? 'once.' : `${n} times`];
      }),
  },
  {
    op: 'add 2+2 digits, no carry [L2]',
    make: (rng) => {
      // Two 2-digit addends whose columns add up to at most 9 each (the suite's level-2 additions).
      const a1 = rng.intBetween(1, 8);
      const a0 = rng.intBetween(0, 9);
      const a = 10 * a1 + a0;
      const b = 10 * rng.intBetween(1, 9 - a1) + rng.intBetween(0, 9 - a0);
      return [`${a} + ${b} = `, `${a + b}.`];
    },
  },
  {
    op: 'reverse 9-12 [L3]',
    make: (rng) => word(rng, 9, 12, (w) => [`the reverse of "${w}" is "`, `${TRANSFORMS.reverse.apply(w)}"`]),
  },
];

function word(rng: Rng, lo: number, hi: number, f: (w: string) => [string, string]): [string, string] {
  return f(randomWord(rng, rng.intBetween(lo, hi)));
}

/** `perOp` probes of every operation in {@link PROBE_OPS}, from their own seeded stream (not the training stream). */
export function operationProbes(perOp: number, seed: number = DEFAULT_PRETRAIN_SEED): OperationProbe[] {
  const rng = createRng(deriveSeed(seed, 'operation-probes'));
  return PROBE_OPS.flatMap(({ op, make }) =>
    Array.from({ length: perOp }, () => {
      const [prompt, expected] = make(rng);
      return { op, prompt, expected };
    }),
  );
}
