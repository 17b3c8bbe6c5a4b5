/** Small generators for the data tests: every fixture is made by code, none is committed. */

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

export const jsonl = (rows: unknown[]): string =>
  rows.map((row) => (typeof row === 'string' ? row : JSON.stringify(row))).join('\n') + '\n';

/** UTF-16 bytes of `text`, with or without a byte-order mark. */
export function utf16(text: string, order: 'le' | 'be', bom = true): Uint8Array {
  const out = new Uint8Array((bom ? 2 : 0) + text.length * 2);
  const view = new DataView(out.buffer);
  let at = 0;
  if (bom) {
    view.setUint16(0, 0xfeff, order === 'le');
    at = 2;
  }
  for (let i = 0; i < text.length; i++) view.setUint16(at + 2 * i, text.charCodeAt(i), order === 'le');
  return out;
}

/** A deterministic pseudo-random text of about `chars` characters, so big fixtures do not compress to nothing. */
export function filler(seed: number, chars: number): string {
  const words = [
    'the',
    'model',
    'learns',
    'instruction',
    'answer',
    'data',
    'phase',
    'difficulty',
    'token',
    'gradient',
    'curriculum',
    'explain',
  ];
  let x = seed * 2654435761 + 1;
  const out: string[] = [];
  let n = 0;
  while (n < chars) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const w = words[x % words.length]!;
    out.push(w);
    n += w.length + 1;
  }
  return out.join(' ');
}

/** `n` Alpaca records of about `bytesEach` bytes each. */
export function alpacaRecords(n: number, bytesEach = 200): { instruction: string; input: string; output: string }[] {
  const rows = [];
  for (let i = 0; i < n; i++) {
    rows.push({
      instruction: `Task ${i}: ${filler(i, bytesEach * 0.2)}`,
      input: i % 3 === 0 ? filler(i + 7, bytesEach * 0.2) : '',
      output: filler(i + 13, bytesEach * 0.5),
    });
  }
  return rows;
}

/** ShareGPT turns from "speaker: text" strings: `sharegptTurns('human: Q1', 'gpt: A1')`. */
export function sharegptTurns(...turns: string[]): { from: string; value: string }[] {
  return turns.map((t) => {
    const at = t.indexOf(': ');
    return { from: t.slice(0, at), value: t.slice(at + 2) };
  });
}

/** OpenAI messages from "role: content" strings: `messageTurns('user: Q1', 'assistant: A1')`. */
export function messageTurns(...turns: string[]): { role: string; content: string }[] {
  return sharegptTurns(...turns).map(({ from, value }) => ({ role: from, content: value }));
}
