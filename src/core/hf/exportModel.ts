/**
 * Our parameters back to a Hugging Face model folder that `transformers` loads unchanged: `model.safetensors` with
 * the checkpoint's own names and layout (the family's weight map read backwards: GPT-Neo's c_attn split back into
 * q/k/v and everything transposed to nn.Linear's [out, in]), `config.json` (the original, with the changed fields
 * updated) and the tokenizer files. Without an import `source`, a GPT-2 folder is written for one of our own models.
 * What a family's checkpoint cannot hold as our parameters have it (GPT-Neo: a q/k/v bias) its `toCheckpoint` says.
 *
 * Export takes the full vocabulary: unprune first (`vocabPruning.unpruneParams`). Positions past the context cap come
 * back from `source.wpeTail`. Float32, or bfloat16 as chosen (rounded to nearest even, as torch rounds); the
 * safetensors metadata says `format: pt`, which transformers checks before loading. Mask buffers are not written (transformers rebuilds them).
 */
import { BpeTokenizer } from '../tokenizer/bpe';
import { mergesText, tokenizerJsonObject } from '../tokenizer/bpeToFiles';
import { PrunedTokenizer } from '../tokenizer/bpePruned';
import type { Tokenizer } from '../tokenizer/tokenizer';
import { gptParamShapes, type GptConfig } from '../model/config';
import { HF_FAMILIES, OWN_MODELS } from './families';
import type { HfSource } from './importModel';
import { writeSafetensors, type TensorToWrite } from '../model/safetensors';
import { writeWeightMap } from './weightMap';

export interface HfExportInput {
  /** Our config with the full vocabulary (not a pruned one). */
  config: GptConfig;
  /** Our names and layout (as `importHfModel` returns them, or `readParams` (model/paramArrays) of the trained variables). */
  params: Readonly<Record<string, Float32Array>>;
  /** From `importHfModel`; absent for a model trained from scratch (written as GPT-2). */
  source?: HfSource;
  /** A BPE (or a pruned BPE: its full base is written) gives tokenizer.json, vocab.json, merges.txt. */
  tokenizer?: Tokenizer;
  /** How the weights are stored: 'float32' (the default: exactly what was trained) or 'bfloat16' (half the size). */
  dtype?: HfExportDtype;
}

export type HfExportDtype = 'float32' | 'bfloat16';

export interface HfExport {
  /** File name → content: `model.safetensors` as bytes, the rest as text. */
  files: Record<string, Uint8Array | string>;
  notes: string[];
}

export class HfExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HfExportError';
  }
}

/** The export of `input` as a model folder's files. */
export function exportHfModel(input: HfExportInput): HfExport {
  const { config, params, source } = input;
  const notes: string[] = [];
  for (const [name, shape] of gptParamShapes(config)) {
    const data = params[name];
    const size = shape.reduce((a, b) => a * b, 1);
    if (data === undefined)
      throw new HfExportError(
        `Parameter "${name}" is missing: the parameters do not match the ${config.layers}-layer config.`,
      );
    if (data.length !== size)
      throw new HfExportError(`Parameter "${name}" has ${data.length} values; [${shape.join(', ')}] needs ${size}.`);
  }
  const C = config.width;
  const V = config.vocabSize;
  const family = source === undefined ? OWN_MODELS : HF_FAMILIES[source.architecture];
  const dtype = input.dtype ?? 'float32';
  const baseTokenizer = input.tokenizer instanceof PrunedTokenizer ? input.tokenizer.base : input.tokenizer;

  let configJson: Record<string, unknown>;
  let positions = config.contextLength;
  let wpeTail: Float32Array = new Float32Array(0);
  if (source !== undefined) {
    const originalVocab = source.configJson.vocab_size;
    if (typeof originalVocab === 'number' && originalVocab !== V) {
      throw new HfExportError(
        `The model has ${V} token rows but the original had ${originalVocab}: a pruned vocabulary must be mapped back first (unpruneParams).`,
      );
    }
    positions = source.positions;
    wpeTail = source.wpeTail;
    if (config.positions !== 'rope' && config.contextLength + wpeTail.length / C !== positions) {
      throw new HfExportError(
        `The context (${config.contextLength}) plus the ${wpeTail.length / C} kept position rows do not make the checkpoint's ${positions} positions.`,
      );
    }
    configJson = { ...source.configJson };
    // transformers 5 writes `dtype`, older versions `torch_dtype`: both say what the weights are stored as.
    for (const key of ['torch_dtype', 'dtype'])
      if (configJson[key] !== undefined && configJson[key] !== dtype)
        notes.push(
          `config.json ${key} ${JSON.stringify(configJson[key])} → "${dtype}": the weights are written as ${dtype}.`,
        );
    configJson.torch_dtype = dtype;
    if (configJson.dtype !== undefined) configJson.dtype = dtype;
  } else {
    configJson = { ...OWN_MODELS.newConfigJson(config, baseTokenizer?.eosId), torch_dtype: dtype };
  }

  const checkpoint = family.toCheckpoint?.(config, params, notes) ?? { config, params };
  const tensors: Record<string, TensorToWrite> = writeWeightMap(
    family.weights,
    checkpoint.config,
    checkpoint.params,
    wpeTail,
    source?.prefix ?? 'transformer.',
  );
  if (source?.hadLmHead) tensors['lm_head.weight'] = { dtype: 'F32', shape: [V, C], data: params.wte! };
  if (dtype === 'bfloat16') for (const t of Object.values(tensors)) t.dtype = 'BF16';

  const files: Record<string, Uint8Array | string> = {
    'model.safetensors': writeSafetensors(tensors, { format: 'pt' }),
    'config.json': JSON.stringify(configJson, null, 2) + '\n',
  };
  if (baseTokenizer instanceof BpeTokenizer) {
    files['tokenizer.json'] = JSON.stringify(tokenizerJsonObject(baseTokenizer));
    files['vocab.json'] = JSON.stringify(baseTokenizer.vocabObject());
    files['merges.txt'] = mergesText(baseTokenizer);
    const eot = baseTokenizer.endOfText;
    files['tokenizer_config.json'] =
      JSON.stringify(
        {
          tokenizer_class: 'GPT2Tokenizer',
          model_max_length: positions,
          bos_token: eot,
          eos_token: eot,
          unk_token: eot,
          add_prefix_space: false,
        },
        null,
        2,
      ) + '\n';
    if (baseTokenizer.vocabSize !== V)
      notes.push(`The tokenizer has ${baseTokenizer.vocabSize} ids for the model's ${V} rows.`);
  } else if (input.tokenizer !== undefined) {
    notes.push(`The ${input.tokenizer.kind} tokenizer has no Hugging Face format; no tokenizer files were written.`);
  }
  return { files, notes };
}
