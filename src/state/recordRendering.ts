/**
 * A record as the model sees it: its training row decoded back to text, token by token, in runs that are trained on
 * or not (the one mask rule, `responseMask`) and special tokens apart. What the record view shows; pure.
 */
import type { InstructionRecord } from '../core/data/record';
import { responseMask } from '../core/text/masks';
import { encodeExample, type TemplateName } from '../core/text/template';
import type { TokenizerLike } from '../core/text/tokenizerLike';
import type { DecodeOptions } from '../core/tokenizer/tokenizer';

/** A stretch of the rendered text: trained on or context, a special token or text. */
export interface RenderedSegment {
  text: string;
  trained: boolean;
  special: boolean;
}

export interface RenderedRecord {
  segments: RenderedSegment[];
  /** Tokens in the training row, special ones included; absent where the tokenizer cannot count them. */
  tokens?: number;
  /** Of them, the ones the loss is taken on. */
  trainedTokens?: number;
}

/** What rendering reads of a tokenizer: encoding, its special ids, and decoding with the specials written out. */
export interface RenderingTokenizer extends TokenizerLike {
  decode(ids: readonly number[], options?: DecodeOptions): string;
}

type RecordText = Pick<InstructionRecord, 'instruction' | 'input' | 'output' | 'history'>;

/**
 * The record's row under one of the studio's templates. Neighbouring tokens of the same kind are decoded together,
 * so a byte-level BPE's multi-byte characters come back whole; a token straddling the prompt/response seam shows
 * inside the trained run, as it is trained.
 */
export function renderStudioRecord(
  tok: RenderingTokenizer,
  template: TemplateName,
  r: RecordText,
): Required<RenderedRecord> {
  const example = encodeExample(template, tok, r);
  const mask = responseMask(example);
  const specials = new Set([tok.bosId, tok.eosId, tok.padId]);
  const segments: RenderedSegment[] = [];
  let trainedTokens = 0;
  let run: number[] = [];
  let runTrained = false;
  const flush = () => {
    if (run.length > 0) segments.push({ text: tok.decode(run), trained: runTrained, special: false });
    run = [];
  };
  example.ids.forEach((id, i) => {
    const trained = mask[i] === 1;
    if (trained) trainedTokens++;
    if (specials.has(id)) {
      flush();
      segments.push({ text: tok.decode([id], { specials: 'show' }), trained, special: true });
      return;
    }
    if (trained !== runTrained) flush();
    runTrained = trained;
    run.push(id);
  });
  flush();
  return { segments, tokens: example.ids.length, trainedTokens };
}
