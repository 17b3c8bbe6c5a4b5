/**
 * The samples taken at every phase end, one policy for the studio's worker and `npm run experiment`: a fixed set of
 * held-out prompts (`pickSamplePrompts`: the same prompts in every arm and seed), answered greedily on the weights
 * the stage leaves, with up to `min(48, longest expected answer + 8)` new tokens. What the callers choose is the
 * bucket of each held-out record (the studio: its phase; the experiment: its level) and how many per bucket.
 */
import type { Tokenizer } from '../tokenizer/tokenizer';
import type { RecordFormat } from '../text/recordFormat';
import { SAMPLE_MAX_NEW_TOKENS, SAMPLE_PROMPTS_PER_BUCKET } from './evalSubset';
import type { GenerationModel } from './generate';
import type { HeldOutRecord } from './heldOutLoss';
import { generateSamples, pickSamplePrompts, type SampleSnapshot } from './samples';

export interface PhaseSamplerOptions {
  /** Prompts per bucket (default `SAMPLE_PROMPTS_PER_BUCKET`, 4). */
  perBucket?: number;
  /** The run's template (default the studio's `paper`). */
  template?: RecordFormat;
}

/** Where a run stands when a stage ends. */
export interface PhaseEnd {
  step: number;
  tokensSeen: number;
}

/** The phase-end sampler: after stage `stage` (0-based), the generations for the fixed prompts; none without prompts. */
export function phaseSampler(
  model: GenerationModel,
  tokenizer: Tokenizer,
  heldOut: readonly HeldOutRecord[],
  options: PhaseSamplerOptions = {},
) {
  const prompts = pickSamplePrompts(heldOut, { perBucket: options.perBucket ?? SAMPLE_PROMPTS_PER_BUCKET });
  // Long enough for the longest expected answer and a little more, never more than 48 tokens: generating is slow on
  // a weak GPU, and a sample is for reading, not for scoring (an answer that runs past that is wrong already).
  const longest = Math.max(0, ...prompts.map((p) => tokenizer.encode(p.expected).length));
  const maxNewTokens = Math.min(SAMPLE_MAX_NEW_TOKENS, longest + 8);
  return async (stage: number, at: PhaseEnd): Promise<SampleSnapshot | undefined> => {
    if (prompts.length === 0) return undefined;
    const samples = await generateSamples(model, tokenizer, prompts, { maxNewTokens, template: options.template });
    return { phase: stage, label: `after stage ${stage + 1}`, step: at.step, tokensSeen: at.tokensSeen, samples };
  };
}
