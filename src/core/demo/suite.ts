/**
 * The built-in graded instruction suite. Its difficulty is objective: a level is set by how many operations are
 * chained and how long the input is, so a curriculum can be checked against a known truth.
 *
 * | level | tasks |
 * |---|---|
 * | 1 | copy, first letter, length of a 3–5 letter word |
 * | 2 | reverse / sort a 5–6 letter word, count a letter in 6–8 letters, 2-digit addition without carry |
 * | 3 | reverse / sort / remove vowels / shift on 9–12 letters, count a letter in 10–14, 2–3 digit addition with carry |
 * | 4 | two chained steps on a 5–8 letter word (the second may be a question about the result) |
 * | 5 | three chained steps on a 6–9 letter word, or 4–5 digit addition with at least two carries |
 *
 * The `length-ood` variant keeps every task but makes inputs longer than anything in the normal suite (words of
 * 16+ letters, numbers of 6+ digits), to test length generalisation later.
 */
import type { InstructionRecord } from '../data/record';
import { createRng, deriveSeed, shuffleInPlace, type Rng } from '../util/random';
import {
  addWithCarries,
  canFollow,
  queryCanFollow,
  QUERIES,
  TRANSFORMS,
  VOWELS,
  type QueryId,
  type TransformId,
} from './tasks';

export type DemoLevel = 1 | 2 | 3 | 4 | 5;
export const DEMO_LEVELS: readonly DemoLevel[] = [1, 2, 3, 4, 5];

/** What a record asks, in machine form, so a checker can recompute the answer without reading the prose. */
export type DemoSpec =
  | { kind: 'word'; word: string; transforms: TransformId[]; query?: QueryId; letter?: string }
  | { kind: 'add'; a: number; b: number };

export interface DemoItem {
  instruction: string;
  input: string;
  output: string;
  level: DemoLevel;
  /** `reverse`, `add`, `sort>first-letter`, … (the chained steps joined by `>`). */
  task: string;
  /** Number of operations: chained steps for words; 1 for an addition. */
  ops: number;
  /** Letters in the word, or digits in both addends. */
  dataLen: number;
  /** Objective effort: ops × word length for words; digit columns + carries for additions. */
  work: number;
  spec: DemoSpec;
}

export type DemoVariant = 'normal' | 'length-ood';

export interface DemoOptions {
  seed?: number;
  /** Records per level (default 600). */
  perLevel?: number;
  variant?: DemoVariant;
}

export const DEFAULT_DEMO_SEED = 20240607;
export const DEFAULT_PER_LEVEL = 600;

type Range = readonly [number, number];

interface Lengths {
  l1: Range;
  l2: Range;
  l2count: Range;
  l3: Range;
  l3count: Range;
  l4: Range;
  l5: Range;
  /** Digits of each addend: level 2 (no carry), level 3 (with carry), level 5 (≥ 2 carries). */
  add2: Range;
  add3: Range;
  add5: Range;
}

const NORMAL: Lengths = {
  l1: [3, 5],
  l2: [5, 6],
  l2count: [6, 8],
  l3: [9, 12],
  l3count: [10, 14],
  l4: [5, 8],
  l5: [6, 9],
  add2: [2, 2],
  add3: [2, 3],
  add5: [4, 5],
};

/** Every range starts above the normal suite's longest input (14 letters, 5 digits). */
const LENGTH_OOD: Lengths = {
  l1: [16, 18],
  l2: [16, 20],
  l2count: [16, 20],
  l3: [18, 24],
  l3count: [18, 24],
  l4: [16, 20],
  l5: [16, 20],
  add2: [6, 7],
  add3: [6, 7],
  add5: [7, 8],
};

type TaskKind =
  | { kind: 'transform'; id: TransformId; len: keyof Lengths }
  | { kind: 'query'; id: QueryId; len: keyof Lengths }
  | { kind: 'chain'; steps: 2 | 3; len: keyof Lengths }
  | { kind: 'add'; digits: keyof Lengths; minCarries: number; maxCarries: number };

/** Tasks per level, dealt round-robin so each level is balanced across its tasks. */
const LEVEL_TASKS: Record<DemoLevel, readonly TaskKind[]> = {
  1: [
    { kind: 'transform', id: 'copy', len: 'l1' },
    { kind: 'query', id: 'first-letter', len: 'l1' },
    { kind: 'query', id: 'length', len: 'l1' },
  ],
  2: [
    { kind: 'transform', id: 'reverse', len: 'l2' },
    { kind: 'transform', id: 'sort', len: 'l2' },
    { kind: 'query', id: 'count-letter', len: 'l2count' },
    { kind: 'add', digits: 'add2', minCarries: 0, maxCarries: 0 },
  ],
  3: [
    { kind: 'transform', id: 'reverse', len: 'l3' },
    { kind: 'transform', id: 'sort', len: 'l3' },
    { kind: 'transform', id: 'remove-vowels', len: 'l3' },
    { kind: 'transform', id: 'shift', len: 'l3' },
    { kind: 'query', id: 'count-letter', len: 'l3count' },
    { kind: 'add', digits: 'add3', minCarries: 1, maxCarries: 99 },
  ],
  4: [{ kind: 'chain', steps: 2, len: 'l4' }],
  5: [
    { kind: 'chain', steps: 3, len: 'l5' },
    { kind: 'chain', steps: 3, len: 'l5' },
    { kind: 'add', digits: 'add5', minCarries: 2, maxCarries: 99 },
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
const CHAIN_QUERIES: readonly QueryId[] = ['first-letter', 'last-letter', 'length'];

const BELOW = ['the word below', 'the following word', 'the given word'];
const LATER = 'the result';

/** Generates the suite, deterministic by seed. Records come shuffled (seeded), as in a real dataset. */
export function generateDemoSuite(options: DemoOptions = {}): DemoItem[] {
  const seed = options.seed ?? DEFAULT_DEMO_SEED;
  const perLevel = options.perLevel ?? DEFAULT_PER_LEVEL;
  const variant = options.variant ?? 'normal';
  if (!Number.isInteger(perLevel) || perLevel < 1) {
    throw new RangeError(`perLevel must be a positive integer, got ${perLevel}`);
  }
  const lengths = variant === 'normal' ? NORMAL : LENGTH_OOD;
  const seen = new Set<string>();
  const items: DemoItem[] = [];
  for (const level of DEMO_LEVELS) {
    const rng = createRng(deriveSeed(seed, `${variant}/level-${level}`));
    const tasks = LEVEL_TASKS[level];
    for (let i = 0; i < perLevel; i++) {
      const task = tasks[i % tasks.length]!;
      // Small levels have few distinct prompts; retry on a duplicate so train and held-out never share one.
      for (let attempt = 0; ; attempt++) {
        const item = makeItem(rng, level, task, lengths);
        if (item === undefined) continue;
        const key = `${item.instruction}\u0000${item.input}`;
        if (seen.has(key) && attempt < 1000) continue;
        seen.add(key);
        items.push(item);
        break;
      }
    }
  }
  return shuffleInPlace(items, createRng(deriveSeed(seed, `${variant}/order`)));
}

function makeItem(rng: Rng, level: DemoLevel, task: TaskKind, lengths: Lengths): DemoItem | undefined {
  switch (task.kind) {
    case 'add':
      return makeAddition(rng, level, lengths[task.digits], task.minCarries, task.maxCarries);
    case 'transform': {
      const word = randomWord(rng, rng.intBetween(...lengths[task.len]));
      const spec: DemoSpec = { kind: 'word', word, transforms: [task.id] };
      return everyStepMatters(spec) ? wordItem(rng, level, spec) : undefined;
    }
    case 'query': {
      const word = randomWord(rng, rng.intBetween(...lengths[task.len]));
      const spec: DemoSpec = { kind: 'word', word, transforms: [], query: task.id };
      if (task.id === 'count-letter') {
        // Mostly a letter that occurs (sometimes twice or more); now and then one that does not (answer 0).
        spec.letter = rng.chance(0.8)
          ? rng.pick([...word])
          : rng.pick([...'abcdefghijklmnopqrstuvwxyz'].filter((c) => !word.includes(c)));
      }
      return wordItem(rng, level, spec);
    }
    case 'chain': {
      const word = randomWord(rng, rng.intBetween(...lengths[task.len]));
      const transforms: TransformId[] = [];
      const transformCount = rng.chance(0.3) ? task.steps - 1 : task.steps;
      while (transforms.length < transformCount) {
        const prev = transforms[transforms.length - 1];
        const options = CHAIN_TRANSFORMS.filter(
          (t) => (prev === undefined || canFollow(prev, t)) && !(t === 'double' && transforms.includes('double')),
        );
        transforms.push(rng.pick(options));
      }
      const spec: DemoSpec = { kind: 'word', word, transforms };
      if (transformCount < task.steps) {
        const last = transforms[transforms.length - 1]!;
        const queries = CHAIN_QUERIES.filter((q) => queryCanFollow(last, q));
        if (queries.length === 0) return undefined;
        spec.query = rng.pick(queries);
      }
      return everyStepMatters(spec) ? wordItem(rng, level, spec) : undefined;
    }
  }
}

/** A pronounceable-ish random word: each letter is a vowel with probability 0.4. */
function randomWord(rng: Rng, length: number): string {
  let w = '';
  for (let i = 0; i < length; i++) w += rng.chance(0.4) ? rng.pick([...VOWELS]) : rng.pick([...CONSONANTS]);
  return w;
}
const CONSONANTS = 'bcdfghjklmnpqrstvwxyz';

/** The answer of a word task, computed by running its steps. */
export function solveWord(spec: Extract<DemoSpec, { kind: 'word' }>): string {
  let w = spec.word;
  for (const t of spec.transforms) w = TRANSFORMS[t].apply(w);
  return spec.query === undefined ? w : QUERIES[spec.query].apply(w, spec.letter);
}

/**
 * True when leaving out any one step changes the answer, so no step is a no-op on this word (sorting an already
 * sorted word, swapping equal end letters, …) and every intermediate word has at least two letters.
 */
function everyStepMatters(spec: Extract<DemoSpec, { kind: 'word' }>): boolean {
  if (spec.transforms.length === 1 && spec.transforms[0] === 'copy') return true;
  let w = spec.word;
  for (const t of spec.transforms) {
    w = TRANSFORMS[t].apply(w);
    if (w.length < 2) return false;
  }
  const full = solveWord(spec);
  for (let i = 0; i < spec.transforms.length; i++) {
    const without = { ...spec, transforms: spec.transforms.filter((_, k) => k !== i) };
    if (solveWord(without) === full) return false;
  }
  if (
    spec.query !== undefined &&
    spec.transforms.length > 0 &&
    QUERIES[spec.query].apply(spec.word, spec.letter) === full
  ) {
    return false;
  }
  return true;
}

function wordItem(rng: Rng, level: DemoLevel, spec: Extract<DemoSpec, { kind: 'word' }>): DemoItem {
  const inline = rng.chance(0.35);
  const first = inline ? `'${spec.word}'` : rng.pick(BELOW);
  const fill = (phrase: string, x: string): string => phrase.replace('{x}', x).replace('{l}', spec.letter ?? '');
  const steps: string[] = spec.transforms.map((t, i) =>
    fill(rng.pick(TRANSFORMS[t].phrasings), i === 0 ? first : LATER),
  );
  let instruction: string;
  if (steps.length === 0) {
    instruction = fill(rng.pick(QUERIES[spec.query!].phrasings), first);
  } else {
    if (spec.query !== undefined) steps.push(fill(rng.pick(QUERIES[spec.query].stepPhrasings), LATER));
    instruction = joinSteps(rng, steps);
  }
  const ops = spec.transforms.length + (spec.query === undefined ? 0 : 1);
  return {
    instruction,
    input: inline ? '' : spec.word,
    output: solveWord(spec),
    level,
    task: [...spec.transforms, ...(spec.query === undefined ? [] : [spec.query])].join('>'),
    ops,
    dataLen: spec.word.length,
    work: ops * spec.word.length,
    spec,
  };
}

function joinSteps(rng: Rng, steps: string[]): string {
  const [a, b, c] = steps;
  if (steps.length === 1) return rng.pick([`${a}.`, `please ${a}.`, `${a}. answer with the word only.`]);
  if (steps.length === 2) {
    return rng.pick([
      `${a}, then ${b}.`,
      `first ${a}, and then ${b}.`,
      `${a}. after that, ${b}.`,
      `do two steps:\n1. ${a}.\n2. ${b}.`,
    ]);
  }
  return rng.pick([
    `${a}, then ${b}, and finally ${c}.`,
    `first ${a}. next, ${b}. last, ${c}.`,
    `do three steps in order:\n1. ${a}.\n2. ${b}.\n3. ${c}.`,
    `${a}, ${b}, then ${c}.`,
  ]);
}

function makeAddition(
  rng: Rng,
  level: DemoLevel,
  digits: Range,
  minCarries: number,
  maxCarries: number,
): DemoItem | undefined {
  const number = (): number => {
    const d = rng.intBetween(...digits);
    return rng.intBetween(10 ** (d - 1), 10 ** d - 1);
  };
  const a = number();
  const b = number();
  const { sum, carries } = addWithCarries(a, b);
  if (carries < minCarries || carries > maxCarries) return undefined;
  const inline = rng.chance(0.5);
  let instruction: string;
  let input = '';
  if (inline) {
    instruction = rng.pick([
      `what is ${a} + ${b}?`,
      `add ${a} and ${b}.`,
      `compute the sum of ${a} and ${b}.`,
      `${a} + ${b} = ?`,
    ]);
  } else {
    instruction = rng.pick([
      'add the two numbers below.',
      'find the sum of these numbers.',
      'what do the following numbers add up to?',
    ]);
    input = rng.pick([`${a} + ${b}`, `${a}\n${b}`, `${a}, ${b}`]);
  }
  const dataLen = String(a).length + String(b).length;
  return {
    instruction,
    input,
    output: String(sum),
    level,
    task: 'add',
    ops: 1,
    dataLen,
    work: Math.max(String(a).length, String(b).length) + carries,
    spec: { kind: 'add', a, b },
  };
}

/** The file form: an Alpaca JSON array plus `level` and `task`, one record per line so diffs stay readable. */
export function demoSuiteToJson(items: readonly DemoItem[]): string {
  const lines = items.map((it) =>
    JSON.stringify({ instruction: it.instruction, input: it.input, output: it.output, level: it.level, task: it.task }),
  );
  return `[\n${lines.join(',\n')}\n]\n`;
}

/** The suite as the readers would produce it from the file: id = position, score = level, task in meta. */
export function demoToRecords(items: readonly DemoItem[]): InstructionRecord[] {
  return items.map((it, i) => ({
    id: String(i),
    instruction: it.instruction,
    input: it.input,
    output: it.output,
    score: it.level,
    meta: { task: it.task },
  }));
}
