import type { HfArchitecture } from './families';
import type { GptConfig } from '../model/config';

/** What the panel shows about an imported model. Plain data: it crosses workers and sits in IndexedDB. */
export interface HfModelDescription {
  architecture: HfArchitecture;
  /** Our config, with GPT-Neo's context already capped at its attention window. */
  config: GptConfig;
  /** Position embeddings in the checkpoint. */
  positions: number;
  parameters: number;
  /** `tokenizer.json` or `vocab.json + merges.txt`, and its size. */
  tokenizer: { file: string; vocabSize: number; endOfText: string };
  /** Where the weights came from (one file or the shards). */
  weightFiles: string[];
  /** Stored dtype → number of tensors. */
  storedDtypes: Record<string, number>;
  /** Facts the user should know: capped context, skipped buffers, F16/BF16 widened, defaults taken. */
  notes: string[];
  /**
   * Where the model's own chat template is, when it ships one (`chat_template.jinja`, `tokenizer_config.json
   * chat_template`): the Train form then offers it first and runs train in it.
   */
  chatTemplate?: string;
  /** `_name_or_path` from config.json when it has one (e.g. "gpt2", "roneneldan/TinyStories-1M"). */
  suggestedName?: string;
}

/** A problem the user can act on: which file, and what is wrong with it. */
export interface HfProblem {
  file: string;
  message: string;
}
