/**
 * What the importer must know of one Hugging Face model family to load it onto our GPT: how to recognise its
 * config.json, how its fields become our `GptConfig`, and how its checkpoint names map onto ours. A new family
 * (Llama, Qwen, …) is one more file beside gpt2.ts and gptNeo.ts, and one more entry in ./index.ts.
 */
import type { GptConfig } from '../../model/config';
import type { HfWeightMap } from '../weightMap';

/** One numeric field of config.json, or the family's default (said in a note). Throws when it is not positive. */
export type ConfigNumber = (key: string, what: string, integer?: boolean) => number;

export interface HfFamily {
  /** config.json's `model_type`. */
  modelType: string;
  /** The prefix of its `architectures` entries (e.g. "GPT2" of GPT2LMHeadModel), for a config without model_type. */
  architecturePrefix: string;
  /** Its name for people ("GPT-2"). */
  label: string;
  /** What the refusal of an unknown architecture lists ('GPT-2 ("gpt2": gpt2, distilgpt2 and their fine-tunes)'). */
  supported: string;
  /** transformers' class defaults, taken for a missing field as `from_pretrained` does. */
  defaults: Readonly<Record<string, unknown>>;
  /**
   * config.json → our config, before any context cap the user asks for. `positions` is the checkpoint's number of
   * position embeddings; the family may cap `config.contextLength` below it (and say so in `notes`).
   */
  readConfig(cfg: Record<string, unknown>, num: ConfigNumber, notes: string[]): { config: GptConfig; positions: number };
  /** Checkpoint names onto ours. */
  weights: HfWeightMap;
}
