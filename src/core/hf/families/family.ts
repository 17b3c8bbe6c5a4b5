/**
 * What the import and the export must know of one Hugging Face model family: how to recognise its config.json, how
 * its fields become our `GptConfig`, how its checkpoint names map onto ours (one table, read both ways), and what of
 * our parameters its checkpoint cannot hold as they are. A new family (Llama, Qwen, …) is one more file beside
 * gpt2.ts and gptNeo.ts, and one more entry in ./index.ts.
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
  readConfig(
    cfg: Record<string, unknown>,
    num: ConfigNumber,
    notes: string[],
  ): { config: GptConfig; positions: number };
  /** Checkpoint names onto ours (the import), and ours back onto them (the export). */
  weights: HfWeightMap;
  /**
   * Our parameters as this family's checkpoint holds them, before the export writes them through `weights`: what our
   * GPT has and the family has not (or the reverse) is made exact here, or dropped and said in `notes`. Without it
   * the parameters are written as they are.
   */
  toCheckpoint?(config: GptConfig, params: Readonly<Record<string, Float32Array>>, notes: string[]): CheckpointParams;
  /** config.json for one of our own models (no import source); only the family our models are written as has one. */
  newConfigJson?(config: GptConfig, eosId: number | undefined): Record<string, unknown>;
}

/** Parameters in the family's own terms: exactly those of `gptParamShapes(config)`, each named by the weight map. */
export interface CheckpointParams {
  config: GptConfig;
  params: Readonly<Record<string, Float32Array>>;
}

/** A family that can hold every model of ours, so writes the config.json of one trained from scratch. */
export type OwnModelFamily = HfFamily & Required<Pick<HfFamily, 'newConfigJson'>>;
