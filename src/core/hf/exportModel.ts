/**
 * Our parameters back to a Hugging Face model folder that `transformers` loads unchanged: `model.safetensors` with
 * the checkpoint's own names and layout (GPT-Neo: c_attn split back into q/k/v and everything transposed to
 * nn.Linear's [out, in]), `config.json` (the original, with the changed fields updated) and the tokenizer files.
 * Without an import `source`, a GPT-2 folder is written for one of our own models.
 *
 * Export takes the full vocabulary: unprune first (`vocabPruning.unpruneParams`). Positions past the context cap come
 * back from `source.wpeTail`. Float32 throughout; the safetensors metadata says `format: pt`, which
 * transformers checks before loading. Mask buffers are not written (transformers rebuilds them).
 *
 * GPT-Neo has no q/k/v bias, and an import makes none (`qkvBias: false`). A checkpoint from before that switch has a
 * fused `c_attn` bias that training may have moved. The k part shifts every score of a query by the same amount,
 * which softmax ignores: dropped exactly. The v part adds a constant to every attention output (the weights sum to
 * 1), which out_proj maps to a constant: folded into out_proj's bias exactly. Only the q part has no equivalent; it
 * is dropped and a note gives its size. A GPT-2 folder of a model without q/k/v bias writes a zero `c_attn.bias`.
 */
import { BpeTokenizer } from '../tokenizer/bpe';
import { mergesText, tokenizerJsonObject } from '../tokenizer/bpeToFiles';
import { PrunedTokenizer } from '../tokenizer/bpePruned';
import type { Tokenizer } from '../tokenizer/tokenizer';
import { gptParamShapes, mlpWidth, type GptConfig } from '../model/config';
import { gpt2ConfigJson } from './families/gpt2';
import type { HfSource } from './importModel';
import { writeSafetensors, type TensorToWrite } from '../model/safetensors';

export interface HfExportInput {
  /** Our config with the full vocabulary (not a pruned one). */
  config: GptConfig;
  /** Our names and layout (as `importHfModel` returns them, or `readParams` (model/paramArrays) of the trained variables). */
  params: Readonly<Record<string, Float32Array>>;
  /** From `importHfModel`; absent for a model trained from scratch (written as GPT-2). */
  source?: HfSource;
  /** A BPE (or a pruned BPE: its full base is written) gives tokenizer.json, vocab.json, merges.txt. */
  tokenizer?: Tokenizer;
}

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

function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

/** The export of `input` as a model folder's files. */
export function exportHfModel(input: HfExportInput): HfExport {
  const { config, params, source } = input;
  const notes: string[] = [];
  for (const [name, shape] of gptParamShapes(config)) {
    const data = params[name];
    const size = shape.reduce((a, b) => a * b, 1);
    if (data === undefined) throw new HfExportError(`Parameter "${name}" is missing: the parameters do not match the ${config.layers}-layer config.`);
    if (data.length !== size) throw new HfExportError(`Parameter "${name}" has ${data.length} values; [${shape.join(', ')}] needs ${size}.`);
  }
  const C = config.width;
  const F = mlpWidth(config);
  const V = config.vocabSize;
  const architecture = source?.architecture ?? 'gpt2';
  const p = source?.prefix ?? 'transformer.';
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
    if (config.contextLength + wpeTail.length / C !== positions) {
      throw new HfExportError(
        `The context (${config.contextLength}) plus the ${wpeTail.length / C} kept position rows do not make the checkpoint's ${positions} positions.`,
      );
    }
    configJson = { ...source.configJson };
    if (configJson.torch_dtype !== undefined && configJson.torch_dtype !== 'float32') {
      notes.push(`config.json torch_dtype ${JSON.stringify(configJson.torch_dtype)} → "float32": the weights are written as float32.`);
    }
    configJson.torch_dtype = 'float32';
  } else {
    configJson = gpt2ConfigJson(config, baseTokenizer?.eosId);
  }

  const tensors: Record<string, TensorToWrite> = {};
  const put = (name: string, shape: number[], data: Float32Array) => (tensors[name] = { dtype: 'F32', shape, data });
  put(`${p}wte.weight`, [V, C], params.wte!);
  const wpe = new Float32Array(positions * C);
  wpe.set(params.wpe!);
  wpe.set(wpeTail, config.contextLength * C);
  put(`${p}wpe.weight`, [positions, C], wpe);

  let maxQBias = 0;
  for (let i = 0; i < config.layers; i++) {
    const h = `${p}h.${i}.`;
    const o = `h.${i}.`;
    for (const ln of ['ln_1', 'ln_2'] as const) {
      put(`${h}${ln}.weight`, [C], params[`${o}${ln}.weight`]!);
      put(`${h}${ln}.bias`, [C], params[`${o}${ln}.bias`]!);
    }
    if (architecture === 'gpt2') {
      put(`${h}attn.c_attn.weight`, [C, 3 * C], params[`${o}attn.c_attn.weight`]!);
      put(`${h}attn.c_attn.bias`, [3 * C], params[`${o}attn.c_attn.bias`] ?? new Float32Array(3 * C));
      put(`${h}attn.c_proj.weight`, [C, C], params[`${o}attn.c_proj.weight`]!);
      put(`${h}attn.c_proj.bias`, [C], params[`${o}attn.c_proj.bias`]!);
      put(`${h}mlp.c_fc.weight`, [C, F], params[`${o}mlp.c_fc.weight`]!);
      put(`${h}mlp.c_fc.bias`, [F], params[`${o}mlp.c_fc.bias`]!);
      put(`${h}mlp.c_proj.weight`, [F, C], params[`${o}mlp.c_proj.weight`]!);
      put(`${h}mlp.c_proj.bias`, [C], params[`${o}mlp.c_proj.bias`]!);
    } else {
      const a = `${h}attn.attention.`;
      const fused = params[`${o}attn.c_attn.weight`]!;
      const bias = params[`${o}attn.c_attn.bias`];
      // Column block j of [C, 3C] is our [in, out] weight of q (0), k (1), v (2); nn.Linear wants it [out, in].
      const block = (j: number) => {
        const w = new Float32Array(C * C);
        for (let r = 0; r < C; r++) w.set(fused.subarray(r * 3 * C + j * C, r * 3 * C + (j + 1) * C), r * C);
        return transpose(w, C, C);
      };
      // transformers' order: k, v, q, out.
      put(`${a}k_proj.weight`, [C, C], block(1));
      put(`${a}v_proj.weight`, [C, C], block(2));
      put(`${a}q_proj.weight`, [C, C], block(0));
      const proj = params[`${o}attn.c_proj.weight`]!; // [in, out]
      put(`${a}out_proj.weight`, [C, C], transpose(proj, C, C));
      // out_proj(y + b_v) = out_proj(y) + b_v · W_proj: fold the v bias (of an old checkpoint) into out_proj's bias.
      const outBias = Float32Array.from(params[`${o}attn.c_proj.bias`]!);
      if (bias !== undefined) {
        for (let c = 0; c < C; c++) {
          let s = 0;
          for (let r = 0; r < C; r++) s += bias[2 * C + r]! * proj[r * C + c]!;
          outBias[c] = outBias[c]! + s;
        }
        for (let r = 0; r < C; r++) maxQBias = Math.max(maxQBias, Math.abs(bias[r]!));
      }
      put(`${a}out_proj.bias`, [C], outBias);
      put(`${h}mlp.c_fc.weight`, [F, C], transpose(params[`${o}mlp.c_fc.weight`]!, C, F));
      put(`${h}mlp.c_fc.bias`, [F], params[`${o}mlp.c_fc.bias`]!);
      put(`${h}mlp.c_proj.weight`, [C, F], transpose(params[`${o}mlp.c_proj.weight`]!, F, C));
      put(`${h}mlp.c_proj.bias`, [C], params[`${o}mlp.c_proj.bias`]!);
    }
  }
  put(`${p}ln_f.weight`, [C], params['ln_f.weight']!);
  put(`${p}ln_f.bias`, [C], params['ln_f.bias']!);
  if (source?.hadLmHead) put('lm_head.weight', [V, C], params.wte!);
  if (maxQBias > 0) {
    notes.push(
      `GPT-Neo has no query bias: the trained one (max |b_q| ${maxQBias.toExponential(2)}) is dropped, which changes the outputs slightly. ` +
        'The key bias is dropped exactly and the value bias folded into out_proj.bias exactly.',
    );
  }

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
        { tokenizer_class: 'GPT2Tokenizer', model_max_length: positions, bos_token: eot, eos_token: eot, unk_token: eot, add_prefix_space: false },
        null,
        2,
      ) + '\n';
    if (baseTokenizer.vocabSize !== V) notes.push(`The tokenizer has ${baseTokenizer.vocabSize} ids for the model's ${V} rows.`);
  } else if (input.tokenizer !== undefined) {
    notes.push(`The ${input.tokenizer.kind} tokenizer has no Hugging Face format; no tokenizer files were written.`);
  }
  return { files, notes };
}
