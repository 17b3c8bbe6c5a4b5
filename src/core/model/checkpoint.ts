/**
 * A training checkpoint as one safetensors file: the model parameters under their GPT-2 names, optional optimizer
 * tensors under `optimizer.<key>`, and in `__metadata__` the model config, the tokenizer and the data cursor as
 * JSON strings, plus any caller metadata. A LoRA run's adapters are parameters too (`h.0.attn.c_attn.lora_A.weight`
 * …), with their settings in `studio.lora`. Any safetensors tool can list and read it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { tokenizerFromJSON } from '../tokenizer/fromJSON';
import type { Tokenizer } from '../tokenizer/tokenizer';
import { gptParamShapes, validateGptConfig, type GptConfig } from './config';
import { loraParamShapes, loraSettingsOf, registerLora, validateLora, type LoraSettings } from './lora';
import { parseSafetensors, writeSafetensors, type SafetensorsFile, type TensorToWrite } from './safetensors';

export const CHECKPOINT_FORMAT_VERSION = 1;

/** Our metadata keys; caller metadata (`extraMeta`) may not start with this prefix. */
const KEY = {
  version: 'studio.checkpoint',
  config: 'studio.config',
  tokenizer: 'studio.tokenizer',
  cursor: 'studio.cursor',
  lora: 'studio.lora',
} as const;
const RESERVED_PREFIX = 'studio.';
const OPTIMIZER_PREFIX = 'optimizer.';

export interface CheckpointInput {
  config: GptConfig;
  tokenizer: Tokenizer;
  /** Name → tensor (tf.Variable is a tf.Tensor), named as `initGptParams` names them. */
  params: Record<string, tf.Tensor>;
  /**
   * Optimizer tensors by the optimizer's own keys (e.g. `m.wte`, `v.wte`, `step`); stored as
   * `optimizer.<key>` and handed back under the same keys. float32 or int32.
   */
  optimizerState?: Record<string, tf.Tensor>;
  /** Where training stands (phase, epoch, step, RNG state …): any JSON-serialisable value. */
  cursor?: unknown;
  /** Free-form string metadata (run id, notes); keys may not start with "studio.". */
  extraMeta?: Record<string, string>;
}

/** The parameters a checkpoint holds: the model's, plus its LoRA adapters (settings from the adapters themselves). */
function expectedShapes(config: GptConfig, lora: LoraSettings | undefined): [string, number[]][] {
  return lora ? [...gptParamShapes(config), ...loraParamShapes(config, lora)] : gptParamShapes(config);
}

export interface LoadedCheckpoint {
  config: GptConfig;
  tokenizer: Tokenizer;
  params: Record<string, tf.Variable>;
  /** undefined when the checkpoint was saved without optimizer state. */
  optimizerState: Record<string, tf.Tensor> | undefined;
  /** The saved cursor, parsed; undefined when none was saved. */
  cursor: unknown;
  /** The caller metadata (`extraMeta`) it was saved with. */
  meta: Record<string, string>;
  /** The LoRA settings of the adapters among `params` (registered, so the model uses them); undefined: none. */
  lora?: LoraSettings;
}

/** What a checkpoint holds, read from its header alone (no tensor is decoded or created). */
export interface CheckpointInfo {
  config: GptConfig;
  tokenizerJSON: unknown;
  cursor: unknown;
  meta: Record<string, string>;
  paramCount: number;
  hasOptimizerState: boolean;
  lora?: LoraSettings;
}

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

// ───────────────────────────── saving ─────────────────────────────

interface Plan {
  entries: [name: string, tensor: tf.Tensor][];
  metadata: Record<string, string>;
}

function plan(input: CheckpointInput): Plan {
  const config = validateGptConfig(input.config);
  const lora = loraSettingsOf(input.params as Record<string, tf.Variable>);
  const expected = new Map(expectedShapes(config, lora));
  const names = Object.keys(input.params);
  const missing = [...expected.keys()].filter((n) => !(n in input.params));
  const extra = names.filter((n) => !expected.has(n));
  if (missing.length > 0 || extra.length > 0) {
    throw new CheckpointError(
      'The parameters do not match the config' +
        (missing.length > 0 ? `; missing: ${missing.join(', ')}` : '') +
        (extra.length > 0 ? `; not in the config: ${extra.join(', ')}` : '') +
        '.',
    );
  }
  const entries: [string, tf.Tensor][] = [];
  for (const [name, shape] of expected) {
    const t = input.params[name]!;
    if (t.shape.join(',') !== shape.join(',')) {
      throw new CheckpointError(`Parameter "${name}" has shape [${t.shape}] but the config says [${shape}].`);
    }
    entries.push([name, t]);
  }
  for (const [key, t] of Object.entries(input.optimizerState ?? {})) {
    if (t.dtype !== 'float32' && t.dtype !== 'int32') {
      throw new CheckpointError(`Optimizer tensor "${key}" is ${t.dtype}; only float32 and int32 can be saved.`);
    }
    entries.push([OPTIMIZER_PREFIX + key, t]);
  }

  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.extraMeta ?? {})) {
    if (k.startsWith(RESERVED_PREFIX))
      throw new CheckpointError(`Metadata key "${k}" is reserved (keys starting "${RESERVED_PREFIX}").`);
    if (typeof v !== 'string') throw new CheckpointError(`Metadata "${k}" must be a string, got ${typeof v}.`);
    metadata[k] = v;
  }
  metadata[KEY.version] = String(CHECKPOINT_FORMAT_VERSION);
  metadata[KEY.config] = JSON.stringify(config);
  metadata[KEY.tokenizer] = JSON.stringify(input.tokenizer.toJSON());
  if (lora) metadata[KEY.lora] = JSON.stringify(lora);
  if (input.cursor !== undefined) {
    const cursor = JSON.stringify(input.cursor);
    if (cursor === undefined) throw new CheckpointError('The cursor cannot be written as JSON.');
    metadata[KEY.cursor] = cursor;
  }
  return { entries, metadata };
}

function toWrite(t: tf.Tensor, values: tf.TypedArray): TensorToWrite {
  return t.dtype === 'int32'
    ? { dtype: 'I32', shape: t.shape, data: values as Int32Array }
    : { dtype: 'F32', shape: t.shape, data: values as Float32Array };
}

/**
 * Serialises a checkpoint, reading every tensor back synchronously. On webgpu prefer `saveCheckpointAsync`:
 * `dataSync` there stalls the GPU queue for each tensor.
 */
export function saveCheckpoint(input: CheckpointInput): Uint8Array {
  const { entries, metadata } = plan(input);
  const tensors: Record<string, TensorToWrite> = {};
  for (const [name, t] of entries) tensors[name] = toWrite(t, t.dataSync());
  return writeSafetensors(tensors, metadata);
}

/** The same bytes as `saveCheckpoint`, reading the tensors back without blocking (all reads in flight at once). */
export async function saveCheckpointAsync(input: CheckpointInput): Promise<Uint8Array> {
  const { entries, metadata } = plan(input);
  const values = await Promise.all(entries.map(([, t]) => t.data()));
  const tensors: Record<string, TensorToWrite> = {};
  entries.forEach(([name, t], i) => (tensors[name] = toWrite(t, values[i]!)));
  return writeSafetensors(tensors, metadata);
}

// ───────────────────────────── loading ─────────────────────────────

function parseJSONMeta(file: SafetensorsFile, key: string, what: string): unknown {
  const raw = file.metadata[key];
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch (e) {
    throw new CheckpointError(`The checkpoint's ${what} (${key}) is not valid JSON: ${(e as Error).message}.`);
  }
}

function openCheckpoint(bytes: Uint8Array): { file: SafetensorsFile; info: CheckpointInfo } {
  const file = parseSafetensors(bytes);
  const version = file.metadata[KEY.version];
  if (version === undefined) {
    throw new CheckpointError(
      'This safetensors file is not a studio checkpoint (no "studio.checkpoint" metadata). ' +
        'To start from GPT-2 or GPT-Neo weights, import them as a pretrained model instead.',
    );
  }
  if (version !== String(CHECKPOINT_FORMAT_VERSION)) {
    throw new CheckpointError(
      `Checkpoint format version ${version}; this build reads version ${CHECKPOINT_FORMAT_VERSION}.`,
    );
  }
  const configJSON = parseJSONMeta(file, KEY.config, 'model config');
  if (configJSON === undefined) throw new CheckpointError('The checkpoint has no model config (studio.config).');
  let config: GptConfig;
  try {
    config = validateGptConfig(configJSON);
  } catch (e) {
    throw new CheckpointError(`The checkpoint's model config is invalid: ${(e as Error).message}`);
  }
  const tokenizerJSON = parseJSONMeta(file, KEY.tokenizer, 'tokenizer');
  if (tokenizerJSON === undefined) throw new CheckpointError('The checkpoint has no tokenizer (studio.tokenizer).');
  const meta = Object.fromEntries(Object.entries(file.metadata).filter(([k]) => !k.startsWith(RESERVED_PREFIX)));
  const paramNames = file.entries.map((e) => e.name).filter((n) => !n.startsWith(OPTIMIZER_PREFIX));
  const loraJSON = parseJSONMeta(file, KEY.lora, 'LoRA settings');
  let lora: LoraSettings | undefined;
  try {
    lora = loraJSON === undefined ? undefined : validateLora(loraJSON);
  } catch (e) {
    throw new CheckpointError(`The checkpoint's LoRA settings (${KEY.lora}) are invalid: ${(e as Error).message}`);
  }
  return {
    file,
    info: {
      config,
      tokenizerJSON,
      cursor: parseJSONMeta(file, KEY.cursor, 'cursor'),
      meta,
      paramCount: paramNames.reduce((n, name) => n + file.entry(name).shape.reduce((a, b) => a * b, 1), 0),
      hasOptimizerState: file.entries.some((e) => e.name.startsWith(OPTIMIZER_PREFIX)),
      ...(lora ? { lora } : {}),
    },
  };
}

/** Config, tokenizer, cursor and metadata of a checkpoint without creating any tensor (for listings). */
export function readCheckpointInfo(bytes: Uint8Array): CheckpointInfo {
  return openCheckpoint(bytes).info;
}

/**
 * NaN or ±Infinity in stored weights would train to NaN at once and be blamed on the learning rate: refuse them
 * here, naming the tensor and the first bad element.
 */
function refuseNonFinite(name: string, data: ArrayLike<number>): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      throw new CheckpointError(
        `Parameter "${name}" holds ${data[i]} at element ${i}: the checkpoint was saved from a diverged run and cannot be trained on. Start from an earlier checkpoint.`,
      );
    }
  }
}

/**
 * Restores a checkpoint on the current tfjs backend. The parameters must be exactly those the config implies
 * (names and shapes); anything else is an error, so a mismatched file fails here rather than mid-training.
 */
export function loadCheckpoint(bytes: Uint8Array): LoadedCheckpoint {
  const { file, info } = openCheckpoint(bytes);
  const { config } = info;
  const tokenizer = tokenizerFromJSON(info.tokenizerJSON);
  if (tokenizer.vocabSize !== config.vocabSize) {
    throw new CheckpointError(
      `The tokenizer has ${tokenizer.vocabSize} tokens but the model config says vocabSize ${config.vocabSize}.`,
    );
  }

  const expected = expectedShapes(config, info.lora);
  const expectedNames = new Set(expected.map(([n]) => n));
  const missing = expected.map(([n]) => n).filter((n) => !file.has(n));
  const unexpected = file.entries
    .map((e) => e.name)
    .filter((n) => !n.startsWith(OPTIMIZER_PREFIX) && !expectedNames.has(n));
  if (missing.length > 0 || unexpected.length > 0) {
    throw new CheckpointError(
      `The checkpoint's tensors do not match its config (${config.layers} layers)` +
        (missing.length > 0 ? `; missing: ${missing.join(', ')}` : '') +
        (unexpected.length > 0 ? `; unexpected: ${unexpected.join(', ')}` : '') +
        '.',
    );
  }
  // Decode and check everything before creating any variable, so a bad file leaves no tensors behind.
  const decoded = expected.map(([name, shape]) => {
    const t = file.read(name);
    if (t.dtype !== 'float32')
      throw new CheckpointError(`Parameter "${name}" is stored as ${t.storedAs}; parameters must be floats.`);
    if (t.shape.join(',') !== shape.join(',')) {
      throw new CheckpointError(`Parameter "${name}" has shape [${t.shape}] but the config says [${shape}].`);
    }
    refuseNonFinite(name, t.data);
    return [name, t] as const;
  });
  const optimizerDecoded = file.entries
    .filter((e) => e.name.startsWith(OPTIMIZER_PREFIX))
    .map((e) => [e.name.slice(OPTIMIZER_PREFIX.length), file.read(e.name)] as const);
  for (const [name, t] of optimizerDecoded)
    if (t.dtype === 'float32') refuseNonFinite(`${OPTIMIZER_PREFIX}${name}`, t.data);

  const params: Record<string, tf.Variable> = {};
  for (const [name, t] of decoded)
    params[name] = tf.tidy(() => tf.variable(tf.tensor(t.data, t.shape, 'float32'), true));
  if (info.lora) registerLora(params, info.lora);
  let optimizerState: Record<string, tf.Tensor> | undefined;
  if (optimizerDecoded.length > 0) {
    optimizerState = {};
    for (const [key, t] of optimizerDecoded) optimizerState[key] = tf.tensor(t.data, t.shape, t.dtype);
  }
  return {
    config,
    tokenizer,
    params,
    optimizerState,
    cursor: info.cursor,
    meta: info.meta,
    ...(info.lora ? { lora: info.lora } : {}),
  };
}
