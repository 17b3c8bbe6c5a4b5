/**
 * Test support: strings that stress a tokenizer, made by a seeded generator (the same seed gives the same list, so
 * the TypeScript and Python sides of an interop test read one file): scripts of many languages, accents both composed
 * and decomposed (normalizers differ there), emoji with ZWJ sequences, skin tones and flags, code, whitespace runs
 * (tabs, many spaces, newlines, \r\n, no-break and ideographic spaces), digits, the tokenizer's own added tokens
 * inside text (whole, glued to words, broken), very long words, and a few fixed edge cases (the empty string).
 * No lone surrogates: they have no UTF-8 form, so Python could not receive them.
 */
import { mulberry32 } from '../../util/random';

export interface TokenizerString {
  /** Which part of the generator made it, to group mismatches in a failure message. */
  kind: string;
  text: string;
}

// prettier-ignore
const WORDS = [
  'the', 'The', 'THE', 'quick', 'brown', 'fox', 'jumps', 'over', 'lazy', 'dog', 'tokenizer', 'Hello', 'world',
  'internationalization', 'GPT', 'don\'t', "it's", "WE'LL", "they've", "I'd", "o'clock", 'e-mail', 'U.S.A.',
];
// prettier-ignore
const SCRIPTS = [
  '日本語のテキスト', '中文文本', '我们在北京', '한국어 텍스트', '안녕하세요', 'русский язык', 'Привет, мир!',
  'Українська', 'ελληνικά', 'עברית', 'العربية', 'مرحبا بالعالم', 'हिन्दी', 'नमस्ते दुनिया', 'ภาษาไทย', 'বাংলা',
  'தமிழ்', 'ქართული', 'Հայերեն', 'ትግርኛ', 'Tiếng Việt', 'Türkçe', 'Ελληνικά', 'ᚠᚢᚦᚨᚱᚲ', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', '𠜎𠜱𠝹',
];
// prettier-ignore
const ACCENTS = [
  'café', 'naïve', 'résumé', 'façade', 'coöperate', 'Ørsted', 'Æsir', 'ß', 'ẞ', 'Ünïcödé', 'ñandú', 'Åland',
  'cafe\u0301', 'n\u0303', 'A\u030a', 'e\u0301\u0302', 'ﬁ', 'Ⅻ', '①', '㎏', 'ｆｕｌｌｗｉｄｔｈ', 'ﾊﾝｶｸ',
];
// prettier-ignore
const EMOJI = [
  '😀', '😃😄', '👍', '👍🏽', '👍🏿', '❤️', '❤️‍🔥', '👩‍💻', '🧑🏽‍🚀', '👨‍👩‍👧‍👦', '👩‍❤️‍💋‍👨', '🏳️‍🌈', '🏴‍☠️',
  '🇫🇷', '🇯🇵🇺🇸', '🇺🇳', '🏴󠁧󠁢󠁳󠁣󠁴󠁿', '1️⃣', '#️⃣', '✔️', '☺', '🫠', '🦀', '🐍', '\u200d', '\ufe0f',
];
const CODE = [
  'def main():\n    print("hi", end="")\n    return {"a": [1, 2, 3]}\n',
  'function f(x) { return x * 2 + arr[i] ?? null; } // comment',
  'const y = (a) => a?.b ?? [];',
  'for (int i = 0; i < n; ++i) {\n\tsum += a[i];\n}',
  "SELECT * FROM users WHERE id = 42 AND name LIKE '%smith%';",
  '<div class="a">&nbsp;&amp;</div>',
  '#include <stdio.h>\nint main(void) { return 0; }',
  'fn main() -> Result<(), Box<dyn Error>> { Ok(()) }',
  '$ git commit -m "fix: it\'s done" && echo $?',
  'https://example.com/path?query=1&b=two#frag',
  '{"key": "value", "n": 1.5e-3, "list": [true, false, null]}',
  '    if x:\n        pass\n    else:\n        raise ValueError(f"{x!r}")',
  '```python\nimport os\n```',
  '\\begin{equation} E = mc^2 \\end{equation}',
  'a_b__c___d ----- ===== ***** ##### ~~~~~',
];
// prettier-ignore
const SPACES = [
  ' ', '  ', '   ', '    ', '        ', '                ', '\t', '\t\t', '\t\t\t\t', '\n', '\n\n', '\n\n\n\n',
  '\r\n', '\r\n\r\n', '\r', ' \n ', '\t \t', ' \t\n\r\n ', '\u00a0', '\u2009', '\u2003', '\u3000', '\u200b',
  '\u0085', '\u2028', '\f', '\v',
];
// prettier-ignore
const DIGITS = [
  '0', '7', '42', '123', '1234', '2024', '3.14159', '1e10', '-17', '1,000,000', '123456789012345678901234567890',
  '٣٤٥', '१२३', '½', '²', '00000', '0.000001', '12:30:45', '2024-01-31', '+1 (555) 010-9999', '0xDEADBEEF',
];
// prettier-ignore
const PUNCT = ['.', ',', '!', '?', '...', '!!!', '?!', ';', ':', '"', "'", '`', '(', ')', '[', ']', '-', '—', '…', '«»', '、', '。'];

/** Seeded strings for `specials` (the tokenizer's added tokens): about `count` of them plus the fixed edge cases. */
export function tokenizerStrings(count: number, seed: number, specials: readonly string[]): TokenizerString[] {
  const next = mulberry32(seed);
  const int = (n: number): number => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const some = (pool: readonly string[], n: number, sep: () => string): string =>
    Array.from({ length: n }, () => pick(pool)).join(sep());
  const space = (): string => (next() < 0.7 ? ' ' : pick(SPACES));
  const special = (): string => (specials.length > 0 ? pick(specials) : '<|endoftext|>');
  const broken = (s: string): string => {
    const chars = [...s]; // by code point: half a surrogate pair has no UTF-8 form
    return chars.length > 2 ? chars.slice(0, 1 + int(chars.length - 1)).join('') : s + s;
  };
  const randomCodePoint = (): string => {
    // prettier-ignore
    const blocks: [number, number][] = [
      [0x20, 0x7e], [0xa0, 0x24f], [0x370, 0x52f], [0x590, 0x6ff], [0x900, 0x97f], [0xe00, 0xe7f],
      [0x1100, 0x11ff], [0x2000, 0x206f], [0x2190, 0x23ff], [0x3040, 0x30ff], [0x4e00, 0x9fff], [0xac00, 0xd7a3],
      [0xff00, 0xffef], [0x1f300, 0x1faff], [0x20000, 0x2a6df], [0x1, 0x1f],
    ];
    const [lo, hi] = pick(blocks);
    return String.fromCodePoint(lo + int(hi - lo + 1));
  };
  const longWord = (): string => {
    const n = 50 + int(400);
    switch (int(6)) {
      case 0:
        return 'a'.repeat(n);
      case 1:
        return Array.from({ length: n }, () => String.fromCharCode(97 + int(26))).join('');
      case 2:
        return '9'.repeat(n);
      case 3:
        return Array.from({ length: n >> 2 }, () => [...pick(SCRIPTS)][0]!).join('');
      case 4:
        return 'pneumonoultramicroscopicsilicovolcanoconiosis'.repeat(1 + int(8));
      default:
        return '😀'.repeat(1 + int(60));
    }
  };

  const makers: [string, () => string][] = [
    ['words', () => some(WORDS, 1 + int(12), space)],
    ['scripts', () => some(SCRIPTS, 1 + int(6), space)],
    ['accents', () => some([...ACCENTS, ...WORDS], 1 + int(8), space)],
    ['emoji', () => some([...EMOJI, ...WORDS], 1 + int(8), () => (next() < 0.5 ? '' : space()))],
    ['code', () => some(CODE, 1 + int(3), () => pick(['\n', '\n\n', '\r\n', ' ', '']))],
    ['whitespace', () => some([...SPACES, ...WORDS.slice(0, 6)], 1 + int(14), () => '')],
    ['digits', () => some([...DIGITS, ...PUNCT], 1 + int(10), () => (next() < 0.5 ? '' : space()))],
    [
      'specials',
      () => {
        const parts = Array.from({ length: 1 + int(6) }, () => {
          const r = next();
          if (r < 0.4) return special();
          if (r < 0.5) return broken(special());
          if (r < 0.6) return special().toUpperCase();
          return some([...WORDS, ...SPACES, ...SCRIPTS], 1 + int(3), () => '');
        });
        return parts.join(next() < 0.5 ? '' : pick(SPACES));
      },
    ],
    ['long', () => longWord() + (next() < 0.5 ? space() + longWord() : '')],
    ['random', () => Array.from({ length: 1 + int(40) }, randomCodePoint).join('')],
    [
      'mixed',
      () =>
        Array.from({ length: 2 + int(8) }, () =>
          pick([WORDS, SCRIPTS, ACCENTS, EMOJI, DIGITS, PUNCT, SPACES, CODE, specials.length > 0 ? specials : WORDS]),
        )
          .map(pick)
          .join(next() < 0.5 ? '' : ' '),
    ],
  ];

  const fixed: TokenizerString[] = [
    '',
    ' ',
    '  ',
    '\n',
    '\r\n',
    '\t',
    'x',
    'Hello world',
    ' Hello world',
    'Hello world ',
    '   leading and trailing   ',
    'lines\nand\n\nparagraphs\r\nwindows\r\n\r\n',
    ...specials.slice(0, 40),
    ...specials.slice(0, 20).map((s) => `a${s}b`),
    ...specials.slice(0, 20).map((s) => ` ${s} `),
    ...specials.slice(0, 10).map((s) => `${s}${s}`),
    ...specials.slice(0, 10).map((s) => `\n${s}\n`),
  ].map((text) => ({ kind: 'fixed', text }));
  const out = [...fixed];
  for (let i = 0; i < count; i++) {
    const [kind, make] = makers[i % makers.length]!;
    const text = make();
    if (/\p{Cs}/u.test(text))
      throw new Error(`tokenizerStrings made a lone surrogate (${kind}): ${JSON.stringify(text)}`);
    out.push({ kind, text });
  }
  return out;
}
