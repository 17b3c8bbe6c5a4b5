/**
 * config.json → our `GptConfig`, through the family it names (./families). What every family shares is checked
 * here: the GELU MLP's activation, a tied head where the family has no other, the context cap the user asks for,
 * and that the result is a usable model. Missing fields take transformers' class defaults (as `from_pretrained` does), each said
 * in a note; the tensor shapes are checked against the result when the weights are read.
 */
import { architecture as specOf, gptConfigProblems, type GptConfig } from '../model/config';
import { CONFIG_FILE, HfImportError, parseJSONFile, type HfFileContent } from './files';
import type { ConfigNumber } from './families/family';
import { detectArchitecture, HF_FAMILIES, type HfArchitecture } from './families';

export interface HfModelInfo {
  architecture: HfArchitecture;
  config: GptConfig;
  /** Position embeddings in the checkpoint (n_positions / max_position_embeddings), before any cap. */
  positions: number;
  notes: string[];
}

export interface HfImportOptions {
  /**
   * Use at most this many positions (a smaller context needs less memory); the rows past it are kept for export.
   * GPT-Neo is capped at its attention window in any case.
   */
  maxContext?: number;
}

/** The tanh approximation of GELU under its names in transformers' ACT2FN; our MLP computes exactly this. */
const TANH_GELU = new Set(['gelu_new', 'gelu_pytorch_tanh', 'gelu_fast']);

/** Reads config.json into our config. */
export function hfModelInfo(
  configJson: HfFileContent | Record<string, unknown>,
  options: HfImportOptions = {},
): HfModelInfo {
  const cfg =
    typeof configJson === 'object' && !(configJson instanceof Uint8Array) && !(configJson instanceof ArrayBuffer)
      ? configJson
      : parseJSONFile(CONFIG_FILE, configJson);
  const architecture = detectArchitecture(cfg);
  const family = HF_FAMILIES[architecture];
  const notes: string[] = [];
  const num: ConfigNumber = (key, what, integer = true) => {
    let v = cfg[key];
    if (v === undefined || v === null) {
      v = family.defaults[key];
      notes.push(`${CONFIG_FILE} has no ${key} (${what}); using transformers' default ${JSON.stringify(v)}.`);
    }
    if (typeof v !== 'number' || !(v > 0) || (integer && !Number.isInteger(v))) {
      throw new HfImportError(
        CONFIG_FILE,
        `${key} (${what}) must be a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(v)}.`,
      );
    }
    return v;
  };
  const { config, positions } = family.readConfig(cfg, num, notes);
  const arch = specOf(config);
  const activation = cfg.activation_function ?? 'gelu_new';
  if (arch.mlp === 'gelu' && (typeof activation !== 'string' || !TANH_GELU.has(activation))) {
    throw new HfImportError(
      CONFIG_FILE,
      `activation_function ${JSON.stringify(activation)} is not supported; the studio's MLP computes the tanh GELU (${[...TANH_GELU].join(', ')}).`,
    );
  }
  if (cfg.tie_word_embeddings === false && arch.head === 'tied') {
    throw new HfImportError(
      CONFIG_FILE,
      `tie_word_embeddings is false: a separate output head is not supported for ${family.label}. The studio ties the head to the token table ` +
        '(as GPT-2, distilgpt2 and the TinyStories models are); an untied head would be a different model.',
    );
  }

  if (options.maxContext !== undefined) {
    if (!Number.isInteger(options.maxContext) || options.maxContext < 1) {
      throw new HfImportError('import options', `maxContext must be a positive integer, got ${options.maxContext}.`);
    }
    if (options.maxContext < config.contextLength) {
      notes.push(
        `Context capped at ${options.maxContext} of the checkpoint's ${positions} positions, as asked; the rest are kept for export.`,
      );
      config.contextLength = options.maxContext;
    }
  }
  const problems = gptConfigProblems(config);
  if (problems.length > 0)
    throw new HfImportError(CONFIG_FILE, `does not describe a usable model: ${problems.join(' ')}`);
  return { architecture, config, positions, notes };
}
