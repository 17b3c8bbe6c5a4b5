import type { Tokenizer } from '../tokenizer/tokenizer';
import { SAMPLE_MAX_NEW_TOKENS, SAMPLE_PROMPTS_PER_BUCKET } from './evalSubset';
import type { GenerationModel } from './generate';
import type { HeldOutRecord } from './heldOutLoss';
import { generateSamples, pickSamplePrompts, type SampleSnapshot } from './samples';

/** Four fixed held-out prompts per bucket, answered after every phase: the same prompts in every arm and seed. */
export function phaseSampler(model: GenerationModel, tokenizer: Tokenizer, heldOut: readonly HeldOutRecord[], labelOf: (stage: number) => string) {
  const prompts = pickSamplePrompts(heldOut, { perBucket: SAMPLE_PROMPTS_PER_BUCKET });
  // Long enough for the longest expected answer and a little more, never more than 48 tokens: generating is slow on
  // a weak GPU, and a sample is for reading, not for scoring.
  const longest = Math.max(0, ...prompts.map((p) => tokenizer.encode(p.expected).length));
  const maxNewTokens = Math.min(SAMPLE_MAX_NEW_TOKENS, longest + 8);
  return async (stage: number, at: { step: number; tokensSeen: number }): Promise<SampleSnapshot | undefined> => {
    if (prompts.length === 0) return undefined;
    const samples = await generateSamples(model, tokenizer, prompts, { maxNewTokens });
    return { phase: stage, label: labelOf(stage), step: at.step, tokensSeen: at.tokensSeen, samples };
  };
}
