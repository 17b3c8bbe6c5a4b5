// Turns a ModelSource (random init, a studio checkpoint, …) into the weights and tokenizer a run starts from.
import { loadCheckpoint } from '../core/model/checkpoint';
import type { GptConfig } from '../core/model/config';
import { initGptParams, type GptParams } from '../core/model/gpt';
import { CharTokenizer } from '../core/tokenizer/charTokenizer';
import type { Tokenizer } from '../core/tokenizer/tokenizer';
import type { ModelSource } from './trainProtocol';

export interface LoadedModel {
  config: GptConfig;
  params: GptParams;
  tokenizer: Tokenizer;
  /** Facts the user should see about how the model was loaded (capped context, pruned vocabulary, …). */
  notes: string[];
}

/**
 * Weights and tokenizer for a fresh run (not a resume: a resume restores its optimizer and cursor too, through
 * `resumeFromCheckpoint`). `tokenizerTexts` builds the character alphabet of a randomly initialised model.
 */
export async function loadModelSource(source: Exclude<ModelSource, { kind: 'checkpoint'; resume: true }>, tokenizerTexts: readonly string[]): Promise<LoadedModel> {
  switch (source.kind) {
    case 'random': {
      const tokenizer = CharTokenizer.fromTexts(tokenizerTexts);
      const config = { ...source.config, vocabSize: tokenizer.vocabSize };
      return { config, params: initGptParams(config, source.seed), tokenizer, notes: [`Random initialisation (seed ${source.seed}).`] };
    }
    case 'checkpoint': {
      const ck = loadCheckpoint(new Uint8Array(source.bytes));
      for (const t of Object.values(ck.optimizerState ?? {})) t.dispose();
      const notes = [`Weights from ${source.name ?? 'a checkpoint'}.`];
      const unknown = unknownCharacters(ck.tokenizer, tokenizerTexts);
      if (unknown.length > 0) {
        notes.push(`The model's alphabet lacks ${unknown.length} character${unknown.length === 1 ? '' : 's'} of this dataset (${unknown.slice(0, 12).join(' ')}); they train as <unk>.`);
      }
      return { config: ck.config, params: ck.params, tokenizer: ck.tokenizer, notes };
    }
  }
}

/** Characters of the texts a character tokenizer cannot encode (they would all become <unk>). */
function unknownCharacters(tokenizer: Tokenizer, texts: readonly string[]): string[] {
  if (!(tokenizer instanceof CharTokenizer)) return [];
  const known = new Set(tokenizer.characters());
  const missing = new Set<string>();
  for (const text of texts) for (const ch of text) if (!known.has(ch)) missing.add(ch);
  return [...missing].map((c) => JSON.stringify(c));
}
