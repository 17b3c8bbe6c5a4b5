import type { InstructionRecord } from '../data/record';
import { fitToContext } from '../text/batches';
import { encodeRecord, type RecordFormat } from '../text/recordFormat';
import type { TokenizerLike } from '../text/tokenizerLike';

/**
 * How much of a dataset a model can represent, computed before a run starts: records whose characters the
 * tokenizer lacks (a character-level vocabulary turns them into `<unk>`), and records longer than the model's
 * context (cut by `fitToContext`'s rule: prompt from the left, then the response's end). The same encoding and the
 * same cut as training, so the counts are the ones the run would report after Start.
 */
export interface FitTokenizer extends TokenizerLike {
  /** The id unknown text encodes to; absent for tokenizers that can encode any text (byte-level BPE). */
  readonly unkId?: number;
  /** A character tokenizer's alphabet, to name the missing characters. */
  characters?(): readonly string[];
}

export interface DataFit {
  records: number;
  /** The model's positions: a row holds at most this many inputs (plus one target). */
  contextLength: number;
  /** Records with at least one `<unk>` token, how many such tokens in all, and which characters (first ones seen). */
  unknown: { records: number; tokens: number; characters: string[] };
  /** Records cut by the context, the tokens cut from them, and the longest record's length in tokens. */
  tooLong: { records: number; tokensCut: number; longest: number };
  /** Records the model represents exactly: every character known and nothing cut. */
  whole: number;
}

/** At most this many missing characters are named; the count covers all of them. */
const NAMED_CHARACTERS = 24;

function recordTexts(r: InstructionRecord): string[] {
  return [r.instruction, r.input, r.output, ...(r.history ?? []).flatMap((e) => [e.user, e.assistant])];
}

export function dataFit(
  records: readonly InstructionRecord[],
  tokenizer: FitTokenizer,
  template: RecordFormat,
  contextLength: number,
): DataFit {
  const alphabet = tokenizer.characters ? new Set(tokenizer.characters()) : undefined;
  const missing = new Set<string>();
  const fit: DataFit = {
    records: records.length,
    contextLength,
    unknown: { records: 0, tokens: 0, characters: [] },
    tooLong: { records: 0, tokensCut: 0, longest: 0 },
    whole: 0,
  };
  for (const r of records) {
    const encoded = encodeRecord(template, tokenizer, r);
    let unknown = 0;
    if (tokenizer.unkId !== undefined) for (const id of encoded.ids) if (id === tokenizer.unkId) unknown++;
    if (unknown > 0) {
      fit.unknown.records++;
      fit.unknown.tokens += unknown;
      if (alphabet) for (const text of recordTexts(r)) for (const ch of text) if (!alphabet.has(ch)) missing.add(ch);
    }
    // Inputs are the ids but the last (the final target), as in `fittingContextLength`.
    fit.tooLong.longest = Math.max(fit.tooLong.longest, encoded.ids.length - 1);
    const cut = fitToContext(encoded, contextLength).dropped;
    if (cut > 0) {
      fit.tooLong.records++;
      fit.tooLong.tokensCut += cut;
    }
    if (unknown === 0 && cut === 0) fit.whole++;
  }
  fit.unknown.characters = [...missing]
    .sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!)
    .slice(0, NAMED_CHARACTERS);
  return fit;
}

/** Kinds of model that would represent more of the data, in words the Train screen shows. */
export function fitSuggestions(fit: DataFit): string[] {
  const out: string[] = [];
  if (fit.unknown.records > 0) {
    out.push(
      'A model with a byte-level vocabulary has no unknown characters: import a GPT-2 (e.g. distilgpt2) below, with vocabulary pruning on to keep only the tokens this data uses.',
    );
  }
  if (fit.tooLong.records > 0) {
    out.push(
      `A model with a longer context keeps every record whole: the longest record is ${fit.tooLong.longest.toLocaleString('en')} tokens with this vocabulary, ` +
        `the model has ${fit.contextLength.toLocaleString('en')} positions. GPT-2 has 1,024, and its vocabulary needs fewer tokens per record than characters.`,
    );
  }
  return out;
}
