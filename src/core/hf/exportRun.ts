/**
 * A run's checkpoint back out as Hugging Face files, as plain functions over bytes (no tfjs backend, no DOM): they
 * run in `hfModelWorker` and in Node tests alike.
 *
 * - `exportRunAsHf`: a run's checkpoint back into the imported model's own layout, with the full vocabulary (a LoRA
 *   run's adapters merged into the weights).
 * - `exportRunAsPeft`: a LoRA run's adapters as a peft adapter folder for the imported model.
 */
import { readCheckpointInfo } from '../model/checkpoint';
import { gptParamShapes } from '../model/config';
import { exportHfModel, HfExportError, type HfExport, type HfExportDtype } from './exportModel';
import { hfModelInfo } from './config';
import { asBytes, filesByBaseName, type HfFiles } from './files';
import { importHfModel } from './importModel';
import { mergeLoraArrays } from '../model/lora';
import { loraParamShapes, trainsWithLora } from '../model/loraSettings';
import { exportPeftAdapter } from './peftExport';
import { parseSafetensors } from '../model/safetensors';
import { unpruneParams } from '../model/vocabPruning';
import { PrunedTokenizer } from '../tokenizer/bpePruned';
import { tokenizerFromJSON } from '../tokenizer/fromJSON';
import { builtinForModel } from '../text/chatTemplate';
import { describeRunTemplate, isChatTemplateSpec, type RunTemplate } from '../text/runTemplate';
import { chatTemplateFiles } from './chatTemplateFiles';

/**
 * The files a model's own tokenizer (`HfTokenizer`, kind 'hf') and its generation settings are read from. Training
 * changes none of them, so both exports carry them as imported: the folder then loads in transformers with the same
 * tokenizer, chat template and stop tokens.
 */
const MODEL_TOKENIZER_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'chat_template.jinja',
  'special_tokens_map.json',
  'generation_config.json',
];

function modelTokenizerFiles(modelFiles: HfFiles): Record<string, Uint8Array> {
  const byName = filesByBaseName(modelFiles);
  const out: Record<string, Uint8Array> = {};
  for (const name of MODEL_TOKENIZER_FILES) {
    const content = byName.get(name);
    if (content !== undefined) out[name] = asBytes(content);
  }
  return out;
}

/**
 * The chat template a run trained with, written as `chat_template.jinja` (which transformers prefers to the
 * config's `chat_template`), so the exported folder formats prompts as the run did. Nothing for the model's own
 * template (its files already carry it); the studio's own `paper` template as its built-in Jinja twin when the
 * tokenizer has the bos and eos tokens that twin writes, else a note.
 */
function trainedTemplateFiles(
  cursor: unknown,
  modelFiles: HfFiles,
): { files: Record<string, Uint8Array>; notes: string[] } {
  const template = (cursor as { config?: { template?: RunTemplate } } | undefined)?.config?.template;
  if (template === undefined) return { files: {}, notes: [] };
  const jinja = (source: string) => ({ 'chat_template.jinja': new TextEncoder().encode(source) });
  if (isChatTemplateSpec(template)) {
    if (template.chat === 'model') return { files: {}, notes: [] };
    return {
      files: jinja(template.source),
      notes: [`The run trained with ${template.name}; it is written as chat_template.jinja.`],
    };
  }
  if (template !== 'paper')
    return {
      files: {},
      notes: [`The run trained with ${describeRunTemplate(template)}, which has no chat template to export.`],
    };
  try {
    const paper = builtinForModel('paper', chatTemplateFiles(modelFiles).tokenizerConfig);
    return {
      files: jinja(paper.source),
      notes: ["The run trained with the studio's own template; its Jinja twin is written as chat_template.jinja."],
    };
  } catch (error) {
    return {
      files: {},
      notes: [
        `The run trained with the studio's own template, which cannot be exported as a chat template here: ${(error as Error).message}`,
      ],
    };
  }
}

/** Whether a run's tokenizer (or the one it was pruned from) is the model's own tokenizer.json one. */
const isModelTokenizer = (tokenizer: { kind: string }): boolean =>
  tokenizer.kind === 'hf' || (tokenizer instanceof PrunedTokenizer && tokenizer.base.kind === 'hf');

/**
 * A run's checkpoint (studio safetensors) as the imported model's Hugging Face folder: the original names and
 * layout, the full vocabulary (a pruned run's rows written back into the original table; the rows it never saw
 * stay as they were), the original position rows past the run's context, config.json and the tokenizer files;
 * float32 or bfloat16 as `options.dtype` says.
 */
export function exportRunAsHf(
  modelFiles: HfFiles,
  checkpointBytes: Uint8Array,
  options: { dtype?: HfExportDtype } = {},
): HfExport {
  const info = readCheckpointInfo(checkpointBytes);
  const ck = info.config;
  const imported = importHfModel(modelFiles, { maxContext: ck.contextLength });
  const original = imported.config;
  const same = (['layers', 'width', 'heads', 'mlpRatio', 'contextLength', 'attentionScale'] as const).filter(
    (k) => ck[k] !== original[k],
  );
  if (same.length > 0) {
    throw new HfExportError(
      `The checkpoint does not come from this model: ${same.map((k) => `${k} ${String(ck[k])} vs ${String(original[k])}`).join(', ')}.`,
    );
  }
  const file = parseSafetensors(checkpointBytes);
  let params: Record<string, Float32Array> = {};
  for (const [name, shape] of gptParamShapes(ck)) {
    const t = file.read(name);
    if (t.dtype !== 'float32' || t.shape.join(',') !== shape.join(',')) {
      throw new HfExportError(
        `Checkpoint parameter "${name}" is [${t.shape.join(', ')}] ${t.storedAs}; expected float [${shape.join(', ')}].`,
      );
    }
    params[name] = t.data as Float32Array;
  }
  if (info.lora) params = mergeLoraArrays(ck, { ...params, ...readAdapters(file, ck, info.lora) }, info.lora);
  const tokenizer = tokenizerFromJSON(info.tokenizerJSON);
  let config = ck;
  const notes: string[] = [];
  if (tokenizer instanceof PrunedTokenizer) {
    if (tokenizer.base.vocabSize !== original.vocabSize) {
      throw new HfExportError(
        `The run's tokenizer was pruned from ${tokenizer.base.vocabSize} ids, but the model has ${original.vocabSize} rows.`,
      );
    }
    const keep = tokenizer.keep();
    ({ config, params } = unpruneParams(
      ck,
      params,
      { keep, originalVocabSize: original.vocabSize, counts: [] },
      imported.params,
    ));
    notes.push(
      `The ${keep.length} trained token rows were written back into the full ${original.vocabSize}-token table; the other rows are the original ones.`,
    );
  } else if (ck.vocabSize !== original.vocabSize) {
    throw new HfExportError(
      `The checkpoint has ${ck.vocabSize} token rows but the model ${original.vocabSize}, and no pruning record to map them back.`,
    );
  }
  const own = isModelTokenizer(tokenizer);
  const out = exportHfModel({
    config,
    params,
    source: imported.source,
    tokenizer: own ? undefined : tokenizer,
    dtype: options.dtype,
  });
  if (own) {
    Object.assign(out.files, modelTokenizerFiles(modelFiles));
    const trained = trainedTemplateFiles(info.cursor, modelFiles);
    Object.assign(out.files, trained.files);
    notes.push(...trained.notes);
  }
  if (info.lora)
    notes.push(
      `The LoRA adapters (rank ${info.lora.rank}, alpha ${info.lora.alpha}) are merged into the weights: W + (alpha/r)·(B·A)ᵀ.`,
    );
  return { files: out.files, notes: [...notes, ...out.notes] };
}

function readAdapters(
  file: ReturnType<typeof parseSafetensors>,
  config: Parameters<typeof loraParamShapes>[0],
  lora: Parameters<typeof loraParamShapes>[1],
): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const [name, shape] of loraParamShapes(config, lora)) {
    const t = file.read(name);
    if (t.dtype !== 'float32' || t.shape.join(',') !== shape.join(','))
      throw new HfExportError(
        `Checkpoint adapter "${name}" is [${t.shape.join(', ')}]; expected [${shape.join(', ')}].`,
      );
    out[name] = t.data as Float32Array;
  }
  return out;
}

/**
 * A LoRA run's checkpoint as a peft adapter folder (adapter_config.json + adapter_model.safetensors) for the imported
 * model: the adapters and the trained biases / LayerNorms, nothing of the frozen base (so vocabulary pruning does not
 * matter). `baseModel` becomes `base_model_name_or_path`.
 */
export function exportRunAsPeft(modelFiles: HfFiles, checkpointBytes: Uint8Array, baseModel?: string): HfExport {
  const info = readCheckpointInfo(checkpointBytes);
  if (!info.lora)
    throw new HfExportError(
      'This run trained every weight (no LoRA adapters): export it as a Hugging Face folder instead.',
    );
  const config = info.config;
  const configFile = modelFiles['config.json'];
  if (configFile === undefined)
    throw new HfExportError('The imported model has no config.json to check the adapters against.');
  const model = hfModelInfo(configFile);
  const differ = (['layers', 'width', 'heads', 'mlpRatio'] as const).filter((k) => config[k] !== model.config[k]);
  if (differ.length > 0)
    throw new HfExportError(
      `The checkpoint does not come from this model: ${differ.map((k) => `${k} ${config[k]} vs ${model.config[k]}`).join(', ')}.`,
    );
  const architecture = model.architecture;
  const file = parseSafetensors(checkpointBytes);
  const params: Record<string, Float32Array> = readAdapters(file, config, info.lora);
  // Only the trained extras: decoding the frozen weights of a 124M model would cost seconds for nothing.
  for (const [name] of gptParamShapes(config))
    if (trainsWithLora(name, info.lora)) params[name] = file.read(name).data as Float32Array;
  const files = exportPeftAdapter({
    config,
    params,
    lora: info.lora,
    architecture,
    baseModel: baseModel ?? null,
  });
  // peft saves the tokenizer beside the adapter when it was trained with its own (and a chat template); so do we.
  const notes = [
    `Load it with PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(<${baseModel ?? 'the base model'}>), <this folder>).`,
  ];
  if (isModelTokenizer(tokenizerFromJSON(info.tokenizerJSON))) {
    Object.assign(files, modelTokenizerFiles(modelFiles));
    const trained = trainedTemplateFiles(info.cursor, modelFiles);
    Object.assign(files, trained.files);
    notes.push(...trained.notes);
  }
  return { files, notes };
}
