/**
 * Hugging Face checkpoints onto our GPT: config.json through its family (./config.ts), `model.safetensors` (or
 * shards + `model.safetensors.index.json`, ./shards.ts) through the family's weight map (./weightMap.ts) into our
 * parameter names and Conv1D [in, out] layout, as plain Float32Arrays — nothing here needs a tfjs backend, so a
 * file can be checked (and refused) before anything is loaded, and the page can import this file without tfjs;
 * model/paramArrays.ts makes the tf.Variables. `source` keeps what the export needs to write the folder back.
 *
 * Every error names the file and the problem (missing, unknown architecture, missing tensor, shape expected vs got,
 * a truncated or invalid safetensors file, a shard listed in the index but not given).
 */
import { architecture as specOf, type GptConfig } from '../model/config';
import { hfModelInfo, type HfImportOptions } from './config';
import { HF_FAMILIES, type HfArchitecture } from './families';
import { CONFIG_FILE, filesByBaseName, HfImportError, parseJSONFile, WEIGHTS_FILE, type HfFiles } from './files';
import { openWeights } from './shards';
import { importHfTokenizer, type FolderTokenizer } from './tokenizerFiles';
import { applyWeightMap, MASK_BUFFER, tensorReader } from './weightMap';

export interface HfSource {
  architecture: HfArchitecture;
  /** config.json as read; the export writes it back with only the changed fields updated. */
  configJson: Record<string, unknown>;
  /** How the weight names began: `'transformer.'` or `''` (GPT-2, GPT-Neo), `'model.'` or `''` (Llama, Qwen). */
  prefix: string;
  /** Our parameter name → the checkpoint tensors it was built from (q, k, v for GPT-Neo's fused `c_attn`). */
  names: Record<string, string[]>;
  /**
   * A tied head's checkpoint stored `lm_head.weight` (equal to the token table; any other is refused); the export
   * writes one back. (An untied head's `lm_head.weight` is a parameter of its own, in `names`.)
   */
  hadLmHead: boolean;
  /** Stored dtype → number of weight tensors (e.g. `{F16: 148}`). */
  storedDtypes: Record<string, number>;
  /** Position embeddings in the checkpoint, before any context cap. */
  positions: number;
  /** The position rows past our context ([positions − contextLength, width], row-major), for the export. */
  wpeTail: Float32Array;
  /** The files the weights came from. */
  weightFiles: string[];
  /** Tensors left out: attention-mask buffers, and any tensor that is not part of the model (a value head). */
  skipped: string[];
}

export interface HfImport {
  config: GptConfig;
  /** Our parameter names and shapes (`gptParamShapes(config)`), row-major Float32Arrays. */
  params: Record<string, Float32Array>;
  /** Sentences for the user: caps, dtype widening, defaults taken, skipped tensors. */
  notes: string[];
  source: HfSource;
}

/** Loads config.json and the weights. Throws `HfImportError` (naming the file) before returning anything partial. */
export function importHfModel(files: HfFiles, options: HfImportOptions = {}): HfImport {
  const byName = filesByBaseName(files);
  if (!byName.has(CONFIG_FILE)) {
    throw new HfImportError(
      CONFIG_FILE,
      `not provided; it says which architecture and sizes the weights have. Add the model folder's ${CONFIG_FILE}.`,
    );
  }
  const configJson = parseJSONFile(CONFIG_FILE, byName.get(CONFIG_FILE)!);
  const info = hfModelInfo(configJson, options);
  const { config, architecture, positions } = info;
  const notes = [...info.notes];
  const { tensors, weightFiles } = openWeights(byName, notes);
  const weightsLabel = weightFiles.length === 1 ? weightFiles[0]! : `${WEIGHTS_FILE} shards`;

  const map = HF_FAMILIES[architecture].weights;
  const anchor = map.embeddings[0]!.from as string;
  const prefixes = map.prefixes ?? ['transformer.', ''];
  const prefix = prefixes.find((p) => tensors.has(`${p}${anchor}`));
  if (prefix === undefined) {
    const some = [...tensors.keys()].slice(0, 5).join(', ');
    throw new HfImportError(
      weightsLabel,
      `missing tensor "${prefixes[0]}${anchor}" (or "${anchor}"): these are not ${HF_FAMILIES[architecture].label} weights ` +
        `(the file starts with ${some || 'no tensors'}).`,
    );
  }
  const describe = `${CONFIG_FILE} (width ${config.width}, ${config.layers} layers, vocab ${config.vocabSize}, ${positions} positions)`;
  const { take, used, storedDtypes } = tensorReader(tensors, weightsLabel, describe);
  const { params, names, wpeTail } = applyWeightMap(map, config, positions, prefix, take);
  const tied = specOf(config).head === 'tied';

  // The studio's head is the token table. transformers ≥ 5 keeps a stored lm_head.weight that differs from wte as
  // a separate head (it ties only equal ones), so tying it here would train and export another model: refused.
  const hadLmHead = tied && tensors.has('lm_head.weight');
  if (hadLmHead) {
    const head = take('lm_head.weight', [config.vocabSize, config.width]);
    const wte = params.wte!;
    let maxDiff = 0;
    for (let j = 0; j < head.length; j++) maxDiff = Math.max(maxDiff, Math.abs(head[j]! - wte[j]!));
    if (maxDiff > 0) {
      throw new HfImportError(
        weightsLabel,
        `lm_head.weight differs from the token table (max |Δ| ${maxDiff.toExponential(2)}): this checkpoint has an untied output head, ` +
          "which transformers keeps apart from wte. The studio's GPT ties the head to the token table (as GPT-2, distilgpt2 and the " +
          'TinyStories models are), so it would train and export a different model. Use a checkpoint with a tied head.',
      );
    }
  }

  const skipped = [...tensors.keys()].filter((n) => !used.has(n));
  const buffers = skipped.filter((n) => MASK_BUFFER.test(n));
  const others = skipped.filter((n) => !MASK_BUFFER.test(n));
  if (buffers.length > 0)
    notes.push(
      `Skipped ${buffers.length} attention-mask buffer${buffers.length > 1 ? 's' : ''} (attn.bias / masked_bias): not weights.`,
    );
  if (others.length > 0)
    notes.push(
      `Ignored ${others.length} tensor${others.length > 1 ? 's' : ''} that are not part of a ${architecture} language model: ${others.slice(0, 5).join(', ')}${others.length > 5 ? ', …' : ''}.`,
    );
  const narrow = Object.keys(storedDtypes).filter((d) => d !== 'F32');
  if (narrow.length > 0)
    notes.push(
      `Weights stored as ${narrow.join(' / ')} were widened to float32 (tfjs trains in float32); the export writes float32 or, as chosen, bfloat16.`,
    );

  return {
    config,
    params,
    notes,
    source: {
      architecture,
      configJson,
      prefix,
      names,
      hadLmHead,
      storedDtypes,
      positions,
      wpeTail,
      weightFiles,
      skipped,
    },
  };
}

/** Model and tokenizer of a dropped folder, checked against each other. */
export function importHfFolder(
  files: HfFiles,
  options: HfImportOptions = {},
): HfImport & { tokenizer: FolderTokenizer } {
  const model = importHfModel(files, options);
  const { tokenizer, notes } = importHfTokenizer(files, model.config, model.source.configJson);
  return { ...model, notes: [...model.notes, ...notes], tokenizer };
}
