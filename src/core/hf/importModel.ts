/**
 * Hugging Face checkpoints of GPT-2 (gpt2, distilgpt2, their fine-tunes) and GPT-Neo (the TinyStories models) onto
 * our GPT: `config.json` → `GptConfig`, `model.safetensors` (or shards + `model.safetensors.index.json`) → our
 * parameter names and Conv1D [in, out] layout, as plain Float32Arrays — nothing here needs a tfjs backend, so a
 * file can be checked (and refused) before anything is loaded, and the page can import this file without tfjs;
 * ./hfParamsToVariables.ts makes the tf.Variables.
 *
 * GPT-2 is stored as we compute: Conv1D weights [in, out], q/k/v fused in `c_attn`. GPT-Neo uses nn.Linear
 * ([out, in]) everywhere and separate bias-free q/k/v, so its weights are transposed and q, k, v fused into a
 * `c_attn` without bias (`qkvBias: false`). GPT-Neo does not scale attention scores by 1/√d and alternates global with local attention (each query sees
 * the last `window_size` keys); local equals global while the context is ≤ the window, so the context is capped
 * there. Position rows past the cap are kept in `source` so the export writes the full table back.
 *
 * Every error names the file and the problem (missing, unknown architecture, missing tensor, shape expected vs got,
 * a truncated or invalid safetensors file, a shard listed in the index but not given).
 */
import type { BpeTokenizer } from '../tokenizer/bpe';
import { bpeFromTokenizerJson, bpeFromVocabMerges } from '../tokenizer/bpeFromFiles';
import { gptConfigProblems, gptParamShapes, type GptConfig } from '../model/config';
import { parseSafetensors, type SafetensorsFile } from '../model/safetensors';

// ───────────────────────────── files ─────────────────────────────

/** A dropped file or a download: bytes, or text for the JSON / txt files. */
export type HfFileContent = Uint8Array | ArrayBuffer | string;

/** File name → content. Names may carry folders (`gpt2/config.json`); only the base name counts. */
export type HfFiles = Readonly<Record<string, HfFileContent>>;

export type HfArchitecture = 'gpt2' | 'gpt_neo';

export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';
export const WEIGHTS_INDEX_FILE = 'model.safetensors.index.json';

/**
 * What to fetch from a base URL (e.g. `https://huggingface.co/gpt2/resolve/main/`), in order. The weights are either
 * `model.safetensors` or the index and the shards it names (`shardFileNames`); the tokenizer either `tokenizer.json`
 * or `vocab.json` + `merges.txt`.
 */
export const HF_FILE_CHOICES = {
  config: [CONFIG_FILE],
  weights: [[WEIGHTS_FILE], [WEIGHTS_INDEX_FILE]],
  tokenizer: [['tokenizer.json'], ['vocab.json', 'merges.txt']],
} as const;

export class HfImportError extends Error {
  constructor(
    /** The file at fault (or the set of files, e.g. "model.safetensors shards"). */
    readonly file: string,
    problem: string,
  ) {
    super(problem.startsWith(file) ? problem : `${file}: ${problem}`);
    this.name = 'HfImportError';
  }
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** Base name → content; two different files with one base name are refused (two model folders dropped together). */
function normalizeFiles(files: HfFiles): Map<string, HfFileContent> {
  const out = new Map<string, HfFileContent>();
  const from = new Map<string, string>();
  for (const [path, content] of Object.entries(files)) {
    const name = baseName(path);
    const earlier = from.get(name);
    if (earlier !== undefined && out.get(name) !== content) {
      throw new HfImportError(name, `given twice (${earlier} and ${path}); drop the files of one model folder only.`);
    }
    out.set(name, content);
    from.set(name, path);
  }
  return out;
}

const textDecoder = new TextDecoder('utf-8');

function asText(content: HfFileContent): string {
  if (typeof content === 'string') return content;
  return textDecoder.decode(content instanceof ArrayBuffer ? new Uint8Array(content) : content);
}

function asBytes(content: HfFileContent): Uint8Array {
  if (typeof content === 'string') return new TextEncoder().encode(content);
  return content instanceof ArrayBuffer ? new Uint8Array(content) : content;
}

function parseJSONFile(name: string, content: HfFileContent): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(asText(content));
  } catch (e) {
    throw new HfImportError(name, `is not valid JSON (${(e as Error).message}); is the download complete?`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new HfImportError(name, 'must hold a JSON object.');
  return v as Record<string, unknown>;
}

/** The shard files a `model.safetensors.index.json` names, in first-use order. */
export function shardFileNames(indexJson: HfFileContent): string[] {
  const index = parseJSONFile(WEIGHTS_INDEX_FILE, indexJson);
  const map = index.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw new HfImportError(WEIGHTS_INDEX_FILE, 'has no "weight_map" object (tensor name → shard file).');
  }
  const names = Object.values(map as Record<string, unknown>);
  if (!names.every((n) => typeof n === 'string')) throw new HfImportError(WEIGHTS_INDEX_FILE, 'weight_map values must be file names.');
  return [...new Set(names as string[])];
}

// ───────────────────────────── config.json ─────────────────────────────

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

const GPT2_DEFAULTS = { vocab_size: 50257, n_positions: 1024, n_embd: 768, n_layer: 12, n_head: 12, layer_norm_epsilon: 1e-5 };
const GPT_NEO_DEFAULTS = {
  vocab_size: 50257,
  max_position_embeddings: 2048,
  hidden_size: 2048,
  num_layers: 24,
  num_heads: 16,
  layer_norm_epsilon: 1e-5,
  window_size: 256,
  attention_types: [[['global', 'local'], 12]] as unknown,
};
/** The tanh approximation of GELU under its names in transformers' ACT2FN; our MLP computes exactly this. */
const TANH_GELU = new Set(['gelu_new', 'gelu_pytorch_tanh', 'gelu_fast']);

function detectArchitecture(cfg: Record<string, unknown>): HfArchitecture {
  const type = cfg.model_type;
  const archs = Array.isArray(cfg.architectures) ? (cfg.architectures as unknown[]).map(String) : [];
  if (type === 'gpt2' || (type === undefined && archs.some((a) => a.startsWith('GPT2')))) return 'gpt2';
  if (type === 'gpt_neo' || (type === undefined && archs.some((a) => a.startsWith('GPTNeo')))) return 'gpt_neo';
  const described = [type !== undefined ? `model_type ${JSON.stringify(type)}` : 'no model_type', archs.length > 0 ? `architectures ${archs.join(', ')}` : '']
    .filter(Boolean)
    .join(', ');
  throw new HfImportError(
    CONFIG_FILE,
    `${described}: this architecture is not supported. The studio imports GPT-2 ("gpt2": gpt2, distilgpt2 and their fine-tunes) ` +
      'and GPT-Neo ("gpt_neo": the TinyStories models).',
  );
}

/**
 * Reads config.json into our config. Missing fields take transformers' class defaults (as `from_pretrained` does),
 * each said in a note; the tensor shapes are checked against the result later.
 */
export function hfModelInfo(configJson: HfFileContent | Record<string, unknown>, options: HfImportOptions = {}): HfModelInfo {
  const cfg = typeof configJson === 'object' && !(configJson instanceof Uint8Array) && !(configJson instanceof ArrayBuffer)
    ? configJson
    : parseJSONFile(CONFIG_FILE, configJson);
  const architecture = detectArchitecture(cfg);
  const notes: string[] = [];
  const num = (key: string, defaults: Record<string, unknown>, what: string, integer = true): number => {
    let v = cfg[key];
    if (v === undefined || v === null) {
      v = defaults[key];
      notes.push(`${CONFIG_FILE} has no ${key} (${what}); using transformers' default ${JSON.stringify(v)}.`);
    }
    if (typeof v !== 'number' || !(v > 0) || (integer && !Number.isInteger(v))) {
      throw new HfImportError(CONFIG_FILE, `${key} (${what}) must be a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(v)}.`);
    }
    return v;
  };
  const activation = cfg.activation_function ?? 'gelu_new';
  if (typeof activation !== 'string' || !TANH_GELU.has(activation)) {
    throw new HfImportError(
      CONFIG_FILE,
      `activation_function ${JSON.stringify(activation)} is not supported; the studio's MLP computes the tanh GELU (${[...TANH_GELU].join(', ')}).`,
    );
  }
  if (cfg.tie_word_embeddings === false) {
    throw new HfImportError(
      CONFIG_FILE,
      'tie_word_embeddings is false: a separate output head is not supported. The studio\'s GPT ties the head to the token table ' +
        '(as GPT-2, distilgpt2 and the TinyStories models are); an untied head would be a different model.',
    );
  }

  let config: GptConfig;
  let positions: number;
  if (architecture === 'gpt2') {
    for (const key of ['scale_attn_by_inverse_layer_idx', 'add_cross_attention'] as const) {
      if (cfg[key] === true) throw new HfImportError(CONFIG_FILE, `${key} is true; this GPT-2 variant is not supported.`);
    }
    const width = num('n_embd', GPT2_DEFAULTS, 'residual width');
    positions = cfg.n_positions === undefined && typeof cfg.n_ctx === 'number' ? num('n_ctx', GPT2_DEFAULTS, 'context') : num('n_positions', GPT2_DEFAULTS, 'context');
    const inner = cfg.n_inner === undefined || cfg.n_inner === null ? 4 * width : num('n_inner', GPT2_DEFAULTS, 'MLP width');
    config = {
      vocabSize: num('vocab_size', GPT2_DEFAULTS, 'vocabulary'),
      contextLength: positions,
      layers: num('n_layer', GPT2_DEFAULTS, 'layers'),
      width,
      heads: num('n_head', GPT2_DEFAULTS, 'attention heads'),
      mlpRatio: inner / width,
      layerNormEps: num('layer_norm_epsilon', GPT2_DEFAULTS, 'LayerNorm epsilon', false),
      attentionScale: cfg.scale_attn_weights === false ? 'none' : 'sqrt',
    };
    if (config.attentionScale === 'none') notes.push('scale_attn_weights is false: attention scores are not divided by √(head width).');
  } else {
    const width = num('hidden_size', GPT_NEO_DEFAULTS, 'residual width');
    const layers = num('num_layers', GPT_NEO_DEFAULTS, 'layers');
    positions = num('max_position_embeddings', GPT_NEO_DEFAULTS, 'context');
    const inner = cfg.intermediate_size === undefined || cfg.intermediate_size === null ? 4 * width : num('intermediate_size', GPT_NEO_DEFAULTS, 'MLP width');
    const kinds = neoAttentionLayers(cfg, layers);
    config = {
      vocabSize: num('vocab_size', GPT_NEO_DEFAULTS, 'vocabulary'),
      contextLength: positions,
      layers,
      width,
      heads: num('num_heads', GPT_NEO_DEFAULTS, 'attention heads'),
      mlpRatio: inner / width,
      layerNormEps: num('layer_norm_epsilon', GPT_NEO_DEFAULTS, 'LayerNorm epsilon', false),
      attentionScale: 'none',
      qkvBias: false,
    };
    const local = kinds.flatMap((k, i) => (k === 'local' ? [i] : []));
    if (local.length > 0) {
      const window = num('window_size', GPT_NEO_DEFAULTS, 'local attention window');
      if (window < positions) {
        config.contextLength = window;
        notes.push(
          `GPT-Neo: layer${local.length > 1 ? 's' : ''} ${local.join(', ')} use local attention over the last ${window} tokens, which equals ` +
            `global attention only while the context is ≤ ${window}: the context is capped at ${window} ` +
            `(the checkpoint has ${positions} positions; the rest are kept for export).`,
        );
      }
    }
  }
  if (options.maxContext !== undefined) {
    if (!Number.isInteger(options.maxContext) || options.maxContext < 1) {
      throw new HfImportError('import options', `maxContext must be a positive integer, got ${options.maxContext}.`);
    }
    if (options.maxContext < config.contextLength) {
      notes.push(`Context capped at ${options.maxContext} of the checkpoint's ${positions} positions, as asked; the rest are kept for export.`);
      config.contextLength = options.maxContext;
    }
  }
  const problems = gptConfigProblems(config);
  if (problems.length > 0) throw new HfImportError(CONFIG_FILE, `does not describe a usable model: ${problems.join(' ')}`);
  return { architecture, config, positions, notes };
}

/** GPT-Neo's per-layer attention kinds: `attention_layers`, or expanded from `attention_types` as transformers does. */
function neoAttentionLayers(cfg: Record<string, unknown>, layers: number): ('global' | 'local')[] {
  let kinds: unknown[];
  if (Array.isArray(cfg.attention_layers)) kinds = cfg.attention_layers;
  else {
    const types = cfg.attention_types ?? GPT_NEO_DEFAULTS.attention_types;
    if (!Array.isArray(types)) throw new HfImportError(CONFIG_FILE, `attention_types must be a list like [[["global", "local"], 12]].`);
    kinds = [];
    for (const item of types as unknown[]) {
      if (!Array.isArray(item) || !Array.isArray(item[0]) || typeof item[1] !== 'number') {
        throw new HfImportError(CONFIG_FILE, `attention_types entry ${JSON.stringify(item)} must be [[kinds…], repeat].`);
      }
      for (let r = 0; r < item[1]; r++) kinds.push(...(item[0] as unknown[]));
    }
  }
  if (kinds.length !== layers) {
    throw new HfImportError(CONFIG_FILE, `attention layers list ${kinds.length} kinds but num_layers is ${layers}.`);
  }
  for (const k of kinds) {
    if (k !== 'global' && k !== 'local') throw new HfImportError(CONFIG_FILE, `attention kind ${JSON.stringify(k)} is neither "global" nor "local".`);
  }
  return kinds as ('global' | 'local')[];
}

// ───────────────────────────── weights ─────────────────────────────

interface LocatedTensor {
  file: string;
  st: SafetensorsFile;
}

/** Every tensor of the checkpoint by name, from one file, an index and its shards, or (without an index) all shards. */
function openWeights(files: Map<string, HfFileContent>, notes: string[]): { tensors: Map<string, LocatedTensor>; weightFiles: string[] } {
  const open = (name: string): SafetensorsFile => {
    try {
      return parseSafetensors(asBytes(files.get(name)!));
    } catch (e) {
      throw new HfImportError(name, `${(e as Error).message}`);
    }
  };
  const tensors = new Map<string, LocatedTensor>();
  const add = (name: string, st: SafetensorsFile, only?: Set<string>) => {
    for (const e of st.entries) {
      if (only !== undefined && !only.has(e.name)) continue;
      const prev = tensors.get(e.name);
      if (prev !== undefined) throw new HfImportError(name, `tensor "${e.name}" is also in ${prev.file}; a tensor may be stored only once.`);
      tensors.set(e.name, { file: name, st });
    }
  };

  if (files.has(WEIGHTS_INDEX_FILE)) {
    const index = parseJSONFile(WEIGHTS_INDEX_FILE, files.get(WEIGHTS_INDEX_FILE)!);
    const shards = shardFileNames(files.get(WEIGHTS_INDEX_FILE)!);
    const map = index.weight_map as Record<string, string>;
    const missing = shards.filter((s) => !files.has(s));
    if (missing.length > 0) {
      const example = Object.entries(map).find(([, f]) => f === missing[0])![0];
      throw new HfImportError(
        missing[0]!,
        `listed in ${WEIGHTS_INDEX_FILE} (e.g. for "${example}") but not provided` +
          (missing.length > 1 ? `; also missing: ${missing.slice(1).join(', ')}` : '') +
          '. Add every shard the index names.',
      );
    }
    for (const shard of shards) {
      const st = open(shard);
      const expected = new Set(Object.entries(map).filter(([, f]) => f === shard).map(([t]) => t));
      for (const t of expected) {
        if (!st.has(t)) throw new HfImportError(shard, `${WEIGHTS_INDEX_FILE} says it holds "${t}", but it does not.`);
      }
      add(shard, st, expected);
    }
    return { tensors, weightFiles: shards };
  }
  if (files.has(WEIGHTS_FILE)) {
    add(WEIGHTS_FILE, open(WEIGHTS_FILE));
    return { tensors, weightFiles: [WEIGHTS_FILE] };
  }
  const shards = [...files.keys()].filter((n) => n.endsWith('.safetensors')).sort();
  if (shards.length > 0) {
    notes.push(`No ${WEIGHTS_INDEX_FILE}: read the tensors of ${shards.join(', ')} together.`);
    for (const s of shards) add(s, open(s));
    return { tensors, weightFiles: shards };
  }
  const pickled = [...files.keys()].filter((n) => /\.(bin|pt|pth|ckpt|h5|msgpack)$/.test(n));
  throw new HfImportError(
    WEIGHTS_FILE,
    pickled.length > 0
      ? `not provided; ${pickled.join(', ')} cannot be read in the browser (PyTorch pickle / TF / Flax). Use the model's safetensors ` +
          '(for the TinyStories models they are on the Hub branch refs/pr/1: …/resolve/refs%2Fpr%2F1/model.safetensors).'
      : `not provided: add ${WEIGHTS_FILE} (or ${WEIGHTS_INDEX_FILE} and its shards).`,
  );
}

/** GPT-2's and GPT-Neo's causal-mask buffers: saved with the weights by older transformers, never trained. */
const BUFFER = /(^|\.)attn\.(attention\.)?(bias|masked_bias)$/;

function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

/** Matrices [rows, cols] side by side: row r of the result is row r of each piece in turn. */
function sideBySide(pieces: readonly Float32Array[], rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols * pieces.length);
  for (let r = 0; r < rows; r++) pieces.forEach((piece, j) => out.set(piece.subarray(r * cols, (r + 1) * cols), (r * pieces.length + j) * cols));
  return out;
}

/** How one of our parameters is built from the checkpoint. */
export interface WeightRule {
  /** Our name (within a block: after `h.<i>.`). */
  ours: string;
  /**
   * The checkpoint tensor, without the `transformer.` prefix (within a block: after `h.<i>.`). Several are fused side
   * by side along our columns.
   */
  from: string | readonly string[];
  /** Stored as nn.Linear [out, in]; ours is x · W with W [in, out]. */
  transpose?: boolean;
  /** One row per position of the checkpoint: we keep the first contextLength, the rest go to `source.wpeTail`. */
  positionRows?: boolean;
}

export interface HfWeightMap {
  embeddings: readonly WeightRule[];
  block: readonly WeightRule[];
  final: readonly WeightRule[];
}

const same = (name: string): WeightRule => ({ ours: name, from: name });
const linear = (name: string, from: WeightRule['from'] = name): WeightRule => ({ ours: name, from, transpose: true });
const LAYER_NORMS = ['ln_1.weight', 'ln_1.bias', 'ln_2.weight', 'ln_2.bias'].map(same);
const EMBEDDINGS: readonly WeightRule[] = [{ ours: 'wte', from: 'wte.weight' }, { ours: 'wpe', from: 'wpe.weight', positionRows: true }];
const FINAL: readonly WeightRule[] = [same('ln_f.weight'), same('ln_f.bias')];

/**
 * Checkpoint names onto ours, per architecture (the order is the order tensors are read, so the first problem found
 * is the first in the file's own order). GPT-2's Conv1D stores [in, out], exactly our layout, with q/k/v already fused
 * in c_attn. GPT-Neo uses nn.Linear ([out, in]) everywhere and separate bias-free q/k/v, fused here into a c_attn that
 * has no bias either (the config's `qkvBias: false`).
 */
export const HF_WEIGHT_MAP: Readonly<Record<HfArchitecture, HfWeightMap>> = {
  gpt2: {
    embeddings: EMBEDDINGS,
    block: [
      ...LAYER_NORMS,
      ...['attn.c_attn.weight', 'attn.c_attn.bias', 'attn.c_proj.weight', 'attn.c_proj.bias'].map(same),
      ...['mlp.c_fc.weight', 'mlp.c_fc.bias', 'mlp.c_proj.weight', 'mlp.c_proj.bias'].map(same),
    ],
    final: FINAL,
  },
  gpt_neo: {
    embeddings: EMBEDDINGS,
    block: [
      ...LAYER_NORMS,
      linear('attn.c_attn.weight', ['q_proj', 'k_proj', 'v_proj'].map((n) => `attn.attention.${n}.weight`)),
      linear('attn.c_proj.weight', 'attn.attention.out_proj.weight'),
      { ours: 'attn.c_proj.bias', from: 'attn.attention.out_proj.bias' },
      linear('mlp.c_fc.weight'),
      same('mlp.c_fc.bias'),
      linear('mlp.c_proj.weight'),
      same('mlp.c_proj.bias'),
    ],
    final: FINAL,
  },
};

export interface HfSource {
  architecture: HfArchitecture;
  /** config.json as read; the export writes it back with only the changed fields updated. */
  configJson: Record<string, unknown>;
  /** `'transformer.'` or `''`: how the weight names began. */
  prefix: string;
  /** Our parameter name → the checkpoint tensors it was built from (q, k, v for GPT-Neo's fused `c_attn`). */
  names: Record<string, string[]>;
  /** The checkpoint stored `lm_head.weight` (equal to the tied token table; any other is refused); the export writes one back. */
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

type TakeTensor = (name: string, shape: number[]) => Float32Array;

function firstNonFinite(data: Float32Array): number {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) return i;
  return -1;
}

/** Reads tensors by name, shape-checked against what config.json implies, widened to float32, with what was read. */
function tensorReader(tensors: Map<string, LocatedTensor>, weightsLabel: string, describe: string) {
  const used = new Set<string>();
  const storedDtypes: Record<string, number> = {};
  const take: TakeTensor = (name, shape) => {
    const at = tensors.get(name);
    if (at === undefined) throw new HfImportError(weightsLabel, `missing tensor "${name}" (expected shape [${shape.join(', ')}]).`);
    const entry = at.st.entry(name);
    if (entry.shape.join(',') !== shape.join(',')) {
      throw new HfImportError(
        at.file,
        `tensor "${name}" has shape [${entry.shape.join(', ')}] but ${describe} implies [${shape.join(', ')}]. Is this the config.json of these weights?`,
      );
    }
    let t;
    try {
      t = at.st.read(name);
    } catch (e) {
      throw new HfImportError(at.file, (e as Error).message);
    }
    if (t.dtype !== 'float32') throw new HfImportError(at.file, `tensor "${name}" is stored as ${t.storedAs}; weights must be floats.`);
    const bad = firstNonFinite(t.data as Float32Array);
    if (bad >= 0) {
      // Training would turn NaN at the first step and be blamed on the learning rate: say where it really comes from.
      throw new HfImportError(at.file, `tensor "${name}" holds ${t.data[bad]} at element ${bad}: these weights are damaged (or were saved from a diverged run) and cannot be fine-tuned.`);
    }
    used.add(name);
    storedDtypes[t.storedAs] = (storedDtypes[t.storedAs] ?? 0) + 1;
    return t.data as Float32Array;
  };
  return { take, used, storedDtypes };
}

/** Our parameters, in gptParamShapes order, built from the checkpoint by the architecture's table. */
function applyWeightMap(map: HfWeightMap, config: GptConfig, positions: number, prefix: string, take: TakeTensor) {
  const shapes = new Map(gptParamShapes(config));
  const built: Record<string, Float32Array> = {};
  const names: Record<string, string[]> = {};
  let wpeTail = new Float32Array(0);
  const apply = (rule: WeightRule, ours: string, theirs: (name: string) => string) => {
    const shape = shapes.get(ours)!;
    const from = (typeof rule.from === 'string' ? [rule.from] : rule.from).map(theirs);
    names[ours] = from;
    if (rule.positionRows) {
      const full = take(from[0]!, [positions, config.width]);
      built[ours] = full.slice(0, shape[0]! * config.width);
      wpeTail = full.slice(shape[0]! * config.width);
    } else if (shape.length === 1) {
      built[ours] = take(from[0]!, shape);
    } else {
      // Fused pieces sit side by side in our [in, out] layout: columns [q | k | v].
      const [rows, cols] = [shape[0]!, shape[1]! / from.length];
      const pieces = from.map((n) => (rule.transpose ? transpose(take(n, [cols, rows]), cols, rows) : take(n, [rows, cols])));
      built[ours] = pieces.length === 1 ? pieces[0]! : sideBySide(pieces, rows, cols);
    }
  };
  for (const rule of map.embeddings) apply(rule, rule.ours, (n) => `${prefix}${n}`);
  for (let i = 0; i < config.layers; i++) for (const rule of map.block) apply(rule, `h.${i}.${rule.ours}`, (n) => `${prefix}h.${i}.${n}`);
  for (const rule of map.final) apply(rule, rule.ours, (n) => `${prefix}${n}`);

  // Same order as gptParamShapes, so the map iterates like one from initGptParams.
  const params: Record<string, Float32Array> = {};
  for (const [name, shape] of shapes) {
    const data = built[name];
    if (data?.length !== shape.reduce((a, b) => a * b, 1)) throw new Error(`hfImport: internal size mismatch for ${name}.`);
    params[name] = data;
  }
  return { params, names, wpeTail };
}

/** Loads config.json and the weights. Throws `HfImportError` (naming the file) before returning anything partial. */
export function importHfModel(files: HfFiles, options: HfImportOptions = {}): HfImport {
  const byName = normalizeFiles(files);
  if (!byName.has(CONFIG_FILE)) {
    throw new HfImportError(CONFIG_FILE, `not provided; it says which architecture and sizes the weights have. Add the model folder's ${CONFIG_FILE}.`);
  }
  const configJson = parseJSONFile(CONFIG_FILE, byName.get(CONFIG_FILE)!);
  const info = hfModelInfo(configJson, options);
  const { config, architecture, positions } = info;
  const notes = [...info.notes];
  const { tensors, weightFiles } = openWeights(byName, notes);
  const weightsLabel = weightFiles.length === 1 ? weightFiles[0]! : `${WEIGHTS_FILE} shards`;

  const prefix = tensors.has('transformer.wte.weight') ? 'transformer.' : tensors.has('wte.weight') ? '' : undefined;
  if (prefix === undefined) {
    const some = [...tensors.keys()].slice(0, 5).join(', ');
    throw new HfImportError(
      weightsLabel,
      `missing tensor "transformer.wte.weight" (or "wte.weight"): these are not ${architecture === 'gpt2' ? 'GPT-2' : 'GPT-Neo'} weights ` +
        `(the file starts with ${some || 'no tensors'}).`,
    );
  }
  const describe = `${CONFIG_FILE} (width ${config.width}, ${config.layers} layers, vocab ${config.vocabSize}, ${positions} positions)`;
  const { take, used, storedDtypes } = tensorReader(tensors, weightsLabel, describe);
  const { params, names, wpeTail } = applyWeightMap(HF_WEIGHT_MAP[architecture], config, positions, prefix, take);

  // The studio's head is the token table. transformers ≥ 5 keeps a stored lm_head.weight that differs from wte as
  // a separate head (it ties only equal ones), so tying it here would train and export another model: refused.
  const hadLmHead = tensors.has('lm_head.weight');
  if (hadLmHead) {
    const head = take('lm_head.weight', [config.vocabSize, config.width]);
    const wte = params.wte!;
    let maxDiff = 0;
    for (let j = 0; j < head.length; j++) maxDiff = Math.max(maxDiff, Math.abs(head[j]! - wte[j]!));
    if (maxDiff > 0) {
      throw new HfImportError(
        weightsLabel,
        `lm_head.weight differs from the token table (max |Δ| ${maxDiff.toExponential(2)}): this checkpoint has an untied output head, ` +
          'which transformers keeps apart from wte. The studio\'s GPT ties the head to the token table (as GPT-2, distilgpt2 and the ' +
          'TinyStories models are), so it would train and export a different model. Use a checkpoint with a tied head.',
      );
    }
  }

  const skipped = [...tensors.keys()].filter((n) => !used.has(n));
  const buffers = skipped.filter((n) => BUFFER.test(n));
  const others = skipped.filter((n) => !BUFFER.test(n));
  if (buffers.length > 0) notes.push(`Skipped ${buffers.length} attention-mask buffer${buffers.length > 1 ? 's' : ''} (attn.bias / masked_bias): not weights.`);
  if (others.length > 0) notes.push(`Ignored ${others.length} tensor${others.length > 1 ? 's' : ''} that are not part of a ${architecture} language model: ${others.slice(0, 5).join(', ')}${others.length > 5 ? ', …' : ''}.`);
  const narrow = Object.keys(storedDtypes).filter((d) => d !== 'F32');
  if (narrow.length > 0) notes.push(`Weights stored as ${narrow.join(' / ')} were widened to float32 (tfjs trains in float32); the export writes float32.`);

  return {
    config,
    params,
    notes,
    source: { architecture, configJson, prefix, names, hadLmHead, storedDtypes, positions, wpeTail, weightFiles, skipped },
  };
}

// ───────────────────────────── tokenizer ─────────────────────────────

/**
 * The model folder's tokenizer: `tokenizer.json`, else `vocab.json` + `merges.txt`. With `config`, the tokenizer
 * must fit the model: no id past the embedding table, and the same end-of-text id as config.json says. A model with
 * spare rows gets a tokenizer reporting the model's vocabulary size.
 */
export function importHfTokenizer(files: HfFiles, config?: GptConfig, configJson?: Record<string, unknown>): { tokenizer: BpeTokenizer; notes: string[] } {
  const byName = normalizeFiles(files);
  const notes: string[] = [];
  let tokenizer: BpeTokenizer;
  let file: string;
  const wrap = <T>(name: string, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof HfImportError) throw e;
      throw new HfImportError(name, (e as Error).message);
    }
  };
  if (byName.has('tokenizer.json')) {
    file = 'tokenizer.json';
    tokenizer = wrap(file, () => bpeFromTokenizerJson(asText(byName.get('tokenizer.json')!)));
  } else if (byName.has('vocab.json') && byName.has('merges.txt')) {
    file = 'vocab.json + merges.txt';
    tokenizer = wrap(file, () => bpeFromVocabMerges(asText(byName.get('vocab.json')!), asText(byName.get('merges.txt')!)));
  } else {
    const half = byName.has('vocab.json') ? 'merges.txt' : byName.has('merges.txt') ? 'vocab.json' : undefined;
    throw new HfImportError(
      half ?? 'tokenizer.json',
      half !== undefined ? `not provided; vocab.json and merges.txt go together.` : 'not provided: add tokenizer.json, or vocab.json and merges.txt.',
    );
  }
  if (config === undefined) return { tokenizer, notes };
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new HfImportError(
      file,
      `has ${tokenizer.vocabSize} token ids but the model's token table has ${config.vocabSize} rows (${CONFIG_FILE} vocab_size): ` +
        'the tokenizer does not belong to this model.',
    );
  }
  for (const key of ['eos_token_id', 'bos_token_id'] as const) {
    const id = configJson?.[key];
    if (typeof id === 'number' && id !== tokenizer.eosId) {
      throw new HfImportError(
        file,
        `its ${tokenizer.endOfText} is id ${tokenizer.eosId} but ${CONFIG_FILE} says ${key} ${id}: the tokenizer does not belong to this model.`,
      );
    }
  }
  if (tokenizer.vocabSize < config.vocabSize) {
    notes.push(`The model has ${config.vocabSize - tokenizer.vocabSize} token rows the tokenizer never produces (vocab padded to ${config.vocabSize}).`);
    tokenizer = wrap(file, () =>
      file === 'tokenizer.json'
        ? bpeFromTokenizerJson(asText(byName.get('tokenizer.json')!), { vocabSize: config.vocabSize })
        : bpeFromVocabMerges(asText(byName.get('vocab.json')!), asText(byName.get('merges.txt')!), { vocabSize: config.vocabSize }),
    );
  }
  return { tokenizer, notes };
}

/** Model and tokenizer of a dropped folder, checked against each other. */
export function importHfFolder(files: HfFiles, options: HfImportOptions = {}): HfImport & { tokenizer: BpeTokenizer } {
  const model = importHfModel(files, options);
  const { tokenizer, notes } = importHfTokenizer(files, model.config, model.source.configJson);
  return { ...model, notes: [...model.notes, ...notes], tokenizer };
}
