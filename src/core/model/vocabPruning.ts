/**
 * Vocabulary pruning: keep only the token ids a dataset uses (plus the specials, and by default the 256 byte tokens
 * so any text still encodes), slice those rows out of `wte`, and renumber ids 0..n−1 (`PrunedTokenizer`). A tiny
 * GPT-2 / GPT-Neo spends most of its step in the 50257-way head; a dataset uses a few thousand ids.
 *
 * What changes: for the kept ids the logits are exactly the full model's (same rows, same hidden state); the softmax
 * just no longer spends probability on the pruned ids. So the pruned loss equals the full model's loss renormalised
 * over the kept ids — the same number whenever the pruned ids carry no probability, and lower by
 * −log P(kept) otherwise. Training only ever moves the kept rows; `unpruneParams` writes them back into the original
 * table and leaves every other row as it was, for export with the full vocabulary.
 *
 * Pure arrays (no tfjs), so it runs right after `importHfModel`, before the variables are made.
 */
import { PrunedTokenizer, type PrunableTokenizer } from '../tokenizer/bpePruned';
import { countGptParams, type GptConfig } from './config';
import { trainingFlops } from './memoryEstimate';

export interface PruneOptions {
  /** Keep the 256 single-byte tokens (when the tokenizer has them), so text outside the dataset still encodes. Default true. */
  keepByteTokens?: boolean;
  /** More original ids to keep (e.g. tokens of a generation prompt). */
  alsoKeep?: Iterable<number>;
  /** Encode the texts with the special tokens written in them read as tokens (rendered chat templates). */
  specialTokensInText?: boolean;
}

export interface VocabPruningPlan {
  /** Original ids kept, ascending; pruned id i ↔ original keep[i]. */
  keep: number[];
  originalVocabSize: number;
  /** How often each kept id occurred in the texts (by pruned id). */
  counts: number[];
}

/** The ids `texts` encode to (with `tokenizer.encode`), plus its specials and the options' extras. */
export function planVocabPruning(
  tokenizer: PrunableTokenizer,
  texts: Iterable<string>,
  options: PruneOptions = {},
): VocabPruningPlan {
  const seen = new Map<number, number>();
  const add = (id: number, count = 0) => seen.set(id, (seen.get(id) ?? 0) + count);
  const withSpecials = (tokenizer as { encodeWithSpecialTokens?: (text: string) => number[] }).encodeWithSpecialTokens;
  if (options.specialTokensInText && !withSpecials)
    throw new Error('This tokenizer cannot read special tokens in text, so a chat template cannot be pruned for.');
  const encode = (text: string) =>
    options.specialTokensInText ? withSpecials!.call(tokenizer, text) : tokenizer.encode(text);
  for (const text of texts) for (const id of encode(text)) add(id, 1);
  for (const id of [tokenizer.bosId, tokenizer.eosId, tokenizer.padId]) add(id);
  const withBytes = tokenizer as PrunableTokenizer & {
    byteTokenIds?(): number[];
    addedTokens?(): { id: number; special: boolean }[];
  };
  for (const a of withBytes.addedTokens?.() ?? []) if (a.special) add(a.id);
  if (options.keepByteTokens !== false) for (const id of withBytes.byteTokenIds?.() ?? []) add(id);
  for (const id of options.alsoKeep ?? []) add(id);
  const keep = [...seen.keys()].sort((a, b) => a - b);
  return { keep, originalVocabSize: tokenizer.vocabSize, counts: keep.map((id) => seen.get(id)!) };
}

function checkPlan(config: GptConfig, plan: VocabPruningPlan): void {
  if (plan.originalVocabSize !== config.vocabSize) {
    throw new Error(
      `The pruning plan is for a ${plan.originalVocabSize}-token vocabulary but the model has ${config.vocabSize} rows.`,
    );
  }
  const last = plan.keep[plan.keep.length - 1];
  if (last !== undefined && last >= config.vocabSize)
    throw new Error(`The pruning plan keeps id ${last}, past the model's ${config.vocabSize} rows.`);
}

/** The tables with one row per token id: the token table, and an untied head's own `lm_head.weight`. */
const VOCAB_TABLES = ['wte', 'lm_head.weight'] as const;

/** The rows of the kept ids of `wte` (and of an untied head's `lm_head.weight`); every other parameter is shared. */
export function pruneParams(
  config: GptConfig,
  params: Readonly<Record<string, Float32Array>>,
  plan: VocabPruningPlan,
): { config: GptConfig; params: Record<string, Float32Array> } {
  checkPlan(config, plan);
  const C = config.width;
  if (params.wte === undefined) throw new Error(`wte must be [${config.vocabSize}, ${C}].`);
  const out: Record<string, Float32Array> = { ...params };
  for (const name of VOCAB_TABLES) {
    const table = params[name];
    if (table === undefined) continue;
    if (table.length !== config.vocabSize * C) throw new Error(`${name} must be [${config.vocabSize}, ${C}].`);
    const pruned = new Float32Array(plan.keep.length * C);
    plan.keep.forEach((id, i) => pruned.set(table.subarray(id * C, (id + 1) * C), i * C));
    out[name] = pruned;
  }
  return { config: { ...config, vocabSize: plan.keep.length }, params: out };
}

/**
 * The full tables again: the original `wte` (and `lm_head.weight` of an untied head) with the kept rows replaced by
 * the trained ones. `original` is the original token table, or the original parameters by name (both tables).
 * Other parameters pass through; the originals are not modified.
 */
export function unpruneParams(
  prunedConfig: GptConfig,
  prunedParams: Readonly<Record<string, Float32Array>>,
  plan: VocabPruningPlan,
  original: Float32Array | Readonly<Record<string, Float32Array>>,
): { config: GptConfig; params: Record<string, Float32Array> } {
  const C = prunedConfig.width;
  if (prunedConfig.vocabSize !== plan.keep.length) {
    throw new Error(
      `The model has ${prunedConfig.vocabSize} token rows but the pruning plan kept ${plan.keep.length}.`,
    );
  }
  const originals: Readonly<Record<string, Float32Array | undefined>> =
    original instanceof Float32Array ? { wte: original } : original;
  const out: Record<string, Float32Array> = { ...prunedParams };
  for (const name of VOCAB_TABLES) {
    const trained = prunedParams[name];
    if (trained === undefined) continue;
    const full = originals[name];
    if (full?.length !== plan.originalVocabSize * C)
      throw new Error(`The original ${name} must be [${plan.originalVocabSize}, ${C}].`);
    const table = Float32Array.from(full);
    plan.keep.forEach((id, i) => table.set(trained.subarray(i * C, (i + 1) * C), id * C));
    out[name] = table;
  }
  return { config: { ...prunedConfig, vocabSize: plan.originalVocabSize }, params: out };
}

export interface PruningStats {
  keptTokens: number;
  originalTokens: number;
  /** Parameters before and after. */
  paramsBefore: number;
  paramsAfter: number;
  /** Bytes saved in training: weights, gradients and both Adam moments of the removed rows (16 bytes a value). */
  trainingBytesSaved: number;
  /** Bytes of the [B·T, V] logits saved per step at `batch` × `context`. */
  logitBytesSaved: number;
  /** Estimated step speed-up from the arithmetic: training FLOPs full / pruned. */
  estimatedSpeedup: number;
}

/** What pruning buys, for the UI: memory and an arithmetic estimate of the speed-up at a batch and context. */
export function pruningStats(config: GptConfig, plan: VocabPruningPlan, batch: number, context: number): PruningStats {
  const pruned = { ...config, vocabSize: plan.keep.length };
  const removedRows = config.vocabSize - plan.keep.length;
  return {
    keptTokens: plan.keep.length,
    originalTokens: config.vocabSize,
    paramsBefore: countGptParams(config),
    paramsAfter: countGptParams(pruned),
    trainingBytesSaved: 16 * removedRows * config.width,
    logitBytesSaved: 4 * batch * context * removedRows,
    estimatedSpeedup: trainingFlops(config, batch, context) / trainingFlops(pruned, batch, context),
  };
}

/** Everything at once: the plan, the pruned config and params, and the remapping tokenizer. */
export function pruneVocabulary(
  model: { config: GptConfig; params: Readonly<Record<string, Float32Array>>; tokenizer: PrunableTokenizer },
  texts: Iterable<string>,
  options: PruneOptions = {},
): { plan: VocabPruningPlan; config: GptConfig; params: Record<string, Float32Array>; tokenizer: PrunedTokenizer } {
  const plan = planVocabPruning(model.tokenizer, texts, options);
  if (plan.originalVocabSize !== model.config.vocabSize) {
    throw new Error(
      `The tokenizer has ${plan.originalVocabSize} ids but the model ${model.config.vocabSize} rows; import them together.`,
    );
  }
  const { config, params } = pruneParams(model.config, model.params, plan);
  return { plan, config, params, tokenizer: new PrunedTokenizer(model.tokenizer, plan.keep) };
}
