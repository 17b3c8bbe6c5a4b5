/**
 * Test support (Node only): GPT-2's real vocabulary and merges, rebuilt from the ranks that `js-tiktoken` ships, and
 * js-tiktoken's own GPT-2 encoder as an independent implementation to compare with.
 *
 * tiktoken stores only ranks (token bytes → id). GPT-2's merges follow from them: the merge that creates token r is
 * the last step of byte-pair merging r's own bytes with only the tokens ranked below r — it must end in exactly two
 * parts, and those two are the merge. Ordered by r, the merges rank as in GPT-2's merges.txt.
 */
import { Tiktoken } from 'js-tiktoken/lite';
import gpt2Ranks from 'js-tiktoken/ranks/gpt2';
import { BYTE_TO_CHAR, BpeTokenizer, END_OF_TEXT } from '../bpe';

export interface Gpt2Files {
  /** As in GPT-2's vocab.json: byte-level token string → id, `<|endoftext|>` included. */
  vocab: Record<string, number>;
  /** By rank, as in merges.txt. */
  merges: [string, string][];
}

function ranksByBytes(): { byKey: Map<string, number>; byRank: Uint8Array[] } {
  const byKey = new Map<string, number>();
  const byRank: Uint8Array[] = [];
  for (const line of gpt2Ranks.bpe_ranks.split('\n')) {
    if (line === '') continue;
    const [, offsetStr, ...tokens] = line.split(' ');
    const offset = Number.parseInt(offsetStr!, 10);
    tokens.forEach((b64, i) => {
      const bytes = new Uint8Array(Buffer.from(b64, 'base64'));
      byKey.set(bytes.join(','), offset + i);
      byRank[offset + i] = bytes;
    });
  }
  return { byKey, byRank };
}

/** tiktoken's byte-pair merge of `bytes`, allowing only tokens ranked below `maxRank`. Returns the parts. */
function mergeBelow(bytes: Uint8Array, maxRank: number, byKey: Map<string, number>): Uint8Array[] {
  let parts = Array.from(bytes, (b) => Uint8Array.of(b));
  for (;;) {
    let best = Infinity;
    let at = -1;
    for (let i = 0; i + 1 < parts.length; i++) {
      const joined = new Uint8Array([...parts[i]!, ...parts[i + 1]!]);
      const r = byKey.get(joined.join(','));
      if (r !== undefined && r < maxRank && r < best) {
        best = r;
        at = i;
      }
    }
    if (at < 0) return parts;
    parts = [...parts.slice(0, at), new Uint8Array([...parts[at]!, ...parts[at + 1]!]), ...parts.slice(at + 2)];
  }
}

const toChars = (bytes: Uint8Array): string => Array.from(bytes, (b) => BYTE_TO_CHAR[b]!).join('');

let files: Gpt2Files | undefined;

/** GPT-2's vocab.json and merges.txt contents, derived from js-tiktoken's ranks (~1 s, cached). */
export function gpt2Files(): Gpt2Files {
  if (files !== undefined) return files;
  const { byKey, byRank } = ranksByBytes();
  const vocab: Record<string, number> = {};
  const merges: [string, string][] = [];
  byRank.forEach((bytes, rank) => {
    vocab[toChars(bytes)] = rank;
    if (bytes.length < 2) return;
    const parts = mergeBelow(bytes, rank, byKey);
    if (parts.length !== 2)
      throw new Error(`GPT-2 rank ${rank} does not come from a single merge (${parts.length} parts).`);
    merges.push([toChars(parts[0]!), toChars(parts[1]!)]);
  });
  for (const [content, id] of Object.entries(gpt2Ranks.special_tokens)) vocab[content] = id;
  files = { vocab, merges };
  return files;
}

let tokenizer: BpeTokenizer | undefined;

/** Our BPE over GPT-2's vocabulary (built as from vocab.json + merges.txt). */
export function gpt2Tokenizer(): BpeTokenizer {
  tokenizer ??= new BpeTokenizer({ ...gpt2Files(), source: 'GPT-2 (from js-tiktoken ranks)' });
  return tokenizer;
}

let tiktoken: Tiktoken | undefined;

/** js-tiktoken's GPT-2 encoder: the second, independent implementation. */
export function tiktokenGpt2(): Tiktoken {
  tiktoken ??= new Tiktoken(gpt2Ranks);
  return tiktoken;
}

export { END_OF_TEXT };
