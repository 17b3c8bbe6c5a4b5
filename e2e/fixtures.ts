import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = join(tmpdir(), 'phased-ift-e2e');

/** Deterministic pseudo-random words, so fixtures are the same on every machine. */
function wordsFrom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const vocab =
    'the a of to and in is for that with as on be by this it are from or an can which data model write list explain describe give example code function number sentence summarize translate compare reason'.split(
      ' ',
    );
  return (n: number) => Array.from({ length: n }, () => vocab[Math.floor(next() * vocab.length)]).join(' ');
}

function write(name: string, text: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** An Alpaca-shaped JSON array about the size of Alpaca itself (52 000 records, ~50 MB). */
export function largeAlpacaFile(records = 52_000): string {
  const path = join(dir, `alpaca-${records}.json`);
  if (existsSync(path)) return path;
  const words = wordsFrom(52);
  const parts: string[] = [];
  for (let i = 0; i < records; i++) {
    parts.push(
      JSON.stringify({
        instruction: `${words(8 + (i % 17))}?`,
        input: i % 3 === 0 ? words(10 + (i % 23)) : '',
        output: words(40 + ((i * 7) % 260)),
      }),
    );
  }
  return write(`alpaca-${records}.json`, `[\n${parts.join(',\n')}\n]\n`);
}

/** JSONL with good rows and one row of each kind of problem, at known lines. */
export function malformedJsonl(): { path: string; badLines: number[] } {
  const lines = [
    '{"instruction": "Say hi", "input": "", "output": "hi"}',
    '{"instruction": "Broken", "output": ', // line 2: malformed JSON
    '{"instruction": "No output here", "input": ""}', // line 3: missing output
    '{"instruction": "   ", "input": "", "output": "x"}', // line 4: empty instruction
    '{"instruction": "Count", "input": "", "output": 3}', // line 5: wrong type
    '{"instruction": "Say bye", "input": "", "output": "bye"}',
  ];
  return { path: write('malformed.jsonl', lines.join('\n') + '\n'), badLines: [2, 3, 4, 5] };
}

/** A PhasedSFT stage-3 file as published: string scores from 3.5 to 5.0, some with trailing whitespace. */
export function phasedSftStage3(records = 120): string {
  const lines: string[] = [];
  for (let i = 0; i < records; i++) {
    const score = 3.5 + (1.5 * i) / (records - 1);
    const text = i % 4 === 0 ? `${score}\n\n` : String(score);
    lines.push(
      JSON.stringify({ id: String(40000 + i), score: text, data: [`Prove statement ${i}.\nwith care`, `Proof ${i}.`] }),
    );
  }
  return write('stage3.jsonl', lines.join('\n') + '\n');
}

export function binaryFile(): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'weights.bin');
  writeFileSync(path, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
  return path;
}
