/**
 * How a checkpoint's tensors become our parameters and back: per family one table of rules (./families/*.ts) — by
 * name, or transposed from nn.Linear's [out, in], or several fused side by side (GPT-Neo's q, k, v into our c_attn)
 * — read one way by the import (`applyWeightMap`) and the other by the export (`writeWeightMap`), so the two cannot
 * disagree; and the reader that takes each tensor shape-checked against config.json, widened to float32 and checked
 * finite. Our layout is GPT-2's: Conv1D [in, out], q/k/v fused in `c_attn`, names after `transformer.`.
 */
import { gptParamShapes, type GptConfig } from '../model/config';
import type { TensorToWrite } from '../model/safetensors';
import { HfImportError } from './files';
import type { LocatedTensor } from './shards';

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
  /** Only for configs that have the parameter (a bias, Qwen3's q/k norms, an untied head); else the rule is skipped. */
  optional?: boolean;
}

export interface HfWeightMap {
  /** What the checkpoint's names may begin with, tried in order ('transformer.' or '' where absent: GPT-2's). */
  prefixes?: readonly string[];
  embeddings: readonly WeightRule[];
  block: readonly WeightRule[];
  final: readonly WeightRule[];
  /** Where block i's tensors sit after the prefix, `${blockPath}${i}.`: GPT-2's 'h.' (the default), Llama's 'layers.'. */
  blockPath?: string;
  /** Tensors outside the prefix (`lm_head.weight` of an untied head), by their full names. */
  head?: readonly WeightRule[];
}

export const same = (name: string): WeightRule => ({ ours: name, from: name });
export const linear = (name: string, from: WeightRule['from'] = name): WeightRule => ({
  ours: name,
  from,
  transpose: true,
});
export const BLOCK_LAYER_NORMS: readonly WeightRule[] = ['ln_1.weight', 'ln_1.bias', 'ln_2.weight', 'ln_2.bias'].map(
  same,
);
export const EMBEDDINGS: readonly WeightRule[] = [
  { ours: 'wte', from: 'wte.weight' },
  { ours: 'wpe', from: 'wpe.weight', positionRows: true },
];
export const FINAL_LAYER_NORM: readonly WeightRule[] = [same('ln_f.weight'), same('ln_f.bias')];

/** GPT-2's and GPT-Neo's causal-mask buffers: saved with the weights by older transformers, never trained. */
export const MASK_BUFFER = /(^|\.)attn\.(attention\.)?(bias|masked_bias)$/;

function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

/** Column block j of k of a [rows, k·cols] matrix, as [rows, cols]: the inverse of `sideBySide`. */
function columnBlock(data: Float32Array, rows: number, cols: number, j: number, k: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) out.set(data.subarray((r * k + j) * cols, (r * k + j + 1) * cols), r * cols);
  return out;
}

/** Matrices [rows, cols] side by side: row r of the result is row r of each piece in turn. */
function sideBySide(pieces: readonly Float32Array[], rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols * pieces.length);
  for (let r = 0; r < rows; r++)
    pieces.forEach((piece, j) => out.set(piece.subarray(r * cols, (r + 1) * cols), (r * pieces.length + j) * cols));
  return out;
}

export type TakeTensor = (name: string, shape: number[]) => Float32Array;

function firstNonFinite(data: Float32Array): number {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) return i;
  return -1;
}

/** Reads tensors by name, shape-checked against what config.json implies, widened to float32, with what was read. */
export function tensorReader(tensors: Map<string, LocatedTensor>, weightsLabel: string, describe: string) {
  const used = new Set<string>();
  const storedDtypes: Record<string, number> = {};
  const take: TakeTensor = (name, shape) => {
    const at = tensors.get(name);
    if (at === undefined)
      throw new HfImportError(weightsLabel, `missing tensor "${name}" (expected shape [${shape.join(', ')}]).`);
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
    if (t.dtype !== 'float32')
      throw new HfImportError(at.file, `tensor "${name}" is stored as ${t.storedAs}; weights must be floats.`);
    const bad = firstNonFinite(t.data as Float32Array);
    if (bad >= 0) {
      // Training would turn NaN at the first step and be blamed on the learning rate: say where it really comes from.
      throw new HfImportError(
        at.file,
        `tensor "${name}" holds ${t.data[bad]} at element ${bad}: these weights are damaged (or were saved from a diverged run) and cannot be fine-tuned.`,
      );
    }
    used.add(name);
    storedDtypes[t.storedAs] = (storedDtypes[t.storedAs] ?? 0) + 1;
    return t.data as Float32Array;
  };
  return { take, used, storedDtypes };
}

/** Our parameters, in gptParamShapes order, built from the checkpoint by the architecture's table. */
export function applyWeightMap(
  map: HfWeightMap,
  config: GptConfig,
  positions: number,
  prefix: string,
  take: TakeTensor,
) {
  const shapes = new Map(gptParamShapes(config));
  const built: Record<string, Float32Array> = {};
  const names: Record<string, string[]> = {};
  let wpeTail = new Float32Array(0);
  const apply = (rule: WeightRule, ours: string, theirs: (name: string) => string) => {
    const shape = shapes.get(ours);
    if (shape === undefined) {
      if (rule.optional) return;
      throw new Error(`hfImport: the weight map names "${ours}", which the config has not.`);
    }
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
      const pieces = from.map((n) =>
        rule.transpose ? transpose(take(n, [cols, rows]), cols, rows) : take(n, [rows, cols]),
      );
      built[ours] = pieces.length === 1 ? pieces[0]! : sideBySide(pieces, rows, cols);
    }
  };
  const blockPath = map.blockPath ?? 'h.';
  for (const rule of map.embeddings) apply(rule, rule.ours, (n) => `${prefix}${n}`);
  for (let i = 0; i < config.layers; i++)
    for (const rule of map.block) apply(rule, `h.${i}.${rule.ours}`, (n) => `${prefix}${blockPath}${i}.${n}`);
  for (const rule of map.final) apply(rule, rule.ours, (n) => `${prefix}${n}`);
  for (const rule of map.head ?? []) apply(rule, rule.ours, (n) => n);

  // Same order as gptParamShapes, so the map iterates like one from initGptParams.
  const params: Record<string, Float32Array> = {};
  for (const [name, shape] of shapes) {
    const data = built[name];
    if (data?.length !== shape.reduce((a, b) => a * b, 1))
      throw new Error(`hfImport: internal size mismatch for ${name}.`);
    params[name] = data;
  }
  return { params, names, wpeTail };
}

/**
 * The checkpoint's tensors, built from our parameters by the table read backwards (in table order): fused
 * parameters split, transposed ones transposed back, the position table completed with `wpeTail`. `params` must be
 * exactly those of `gptParamShapes(config)`, each covered by one rule (the family's `toCheckpoint` sees to it).
 */
export function writeWeightMap(
  map: HfWeightMap,
  config: GptConfig,
  params: Readonly<Record<string, Float32Array>>,
  wpeTail: Float32Array,
  prefix: string,
): Record<string, TensorToWrite> {
  const shapes = new Map(gptParamShapes(config));
  const tensors: Record<string, TensorToWrite> = {};
  const written = new Set<string>();
  const write = (rule: WeightRule, ours: string, theirs: (name: string) => string) => {
    const shape = shapes.get(ours);
    if (shape === undefined && rule.optional) return;
    const data = params[ours];
    if (shape === undefined || data === undefined)
      throw new Error(`hfExport: the weight map names "${ours}", which the config has not.`);
    written.add(ours);
    const from = (typeof rule.from === 'string' ? [rule.from] : rule.from).map(theirs);
    const put = (name: string, shape: number[], data: Float32Array) => (tensors[name] = { dtype: 'F32', shape, data });
    if (rule.positionRows) {
      const full = new Float32Array(data.length + wpeTail.length);
      full.set(data);
      full.set(wpeTail, data.length);
      put(from[0]!, [full.length / config.width, config.width], full);
    } else if (shape.length === 1) {
      put(from[0]!, shape, data);
    } else {
      const [rows, cols] = [shape[0]!, shape[1]! / from.length];
      from.forEach((name, j) => {
        const piece = from.length === 1 ? data : columnBlock(data, rows, cols, j, from.length);
        if (rule.transpose) put(name, [cols, rows], transpose(piece, rows, cols));
        else put(name, [rows, cols], piece);
      });
    }
  };
  const blockPath = map.blockPath ?? 'h.';
  for (const rule of map.embeddings) write(rule, rule.ours, (n) => `${prefix}${n}`);
  for (let i = 0; i < config.layers; i++)
    for (const rule of map.block) write(rule, `h.${i}.${rule.ours}`, (n) => `${prefix}${blockPath}${i}.${n}`);
  for (const rule of map.final) write(rule, rule.ours, (n) => `${prefix}${n}`);
  for (const rule of map.head ?? []) write(rule, rule.ours, (n) => n);
  const unwritten = [...shapes.keys()].filter((name) => !written.has(name));
  if (unwritten.length > 0) throw new Error(`hfExport: the weight map does not write ${unwritten.join(', ')}.`);
  return tensors;
}
