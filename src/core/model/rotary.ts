/**
 * The cos/sin tables of rotary position embeddings, as transformers' LlamaRotaryEmbedding computes them: inverse
 * frequencies θ^(−2j/D) for j < D/2 (`compute_default_rope_parameters`, or `_compute_llama3_parameters` for
 * rope_scaling llama3), the angle of position p and pair j is p · invFreq[j]. transformers computes in float32; so
 * do the tables here (each step rounded with Math.fround), so the angles agree to the last bit or nearly.
 *
 * The tables go to ops/rope.ts as [1, T, D/2] (training: positions 0 … T−1 in every row) or [B, T, D/2] (cached
 * generation: positions per row).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GptConfig, RopeSpec } from './config';
import { headWidth } from './config';

const f = Math.fround;

/** invFreq[j] of a head of D channels, j < D/2, in float32 as transformers has them. */
export function ropeInverseFrequencies(rope: RopeSpec, D: number): Float32Array {
  const half = D / 2;
  const inv = new Float32Array(half);
  for (let j = 0; j < half; j++) inv[j] = f(1 / f(Math.pow(rope.theta, f((2 * j) / D))));
  const s = rope.scaling;
  if (s === undefined) return inv;
  // _compute_llama3_parameters: wavelengths longer than originalContext / lowFreqFactor are divided by `factor`,
  // shorter than originalContext / highFreqFactor kept, and those between blended smoothly.
  const lowWavelen = s.originalContext / s.lowFreqFactor;
  const highWavelen = s.originalContext / s.highFreqFactor;
  for (let j = 0; j < half; j++) {
    const freq = inv[j]!;
    const wavelen = f((2 * Math.PI) / freq);
    const scaled = wavelen > lowWavelen ? f(freq / s.factor) : freq;
    if (wavelen < highWavelen || wavelen > lowWavelen) {
      inv[j] = scaled;
      continue;
    }
    const smooth = f((s.originalContext / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor));
    inv[j] = f(f(f(f(1 - smooth) * scaled) / s.factor) + f(smooth * scaled));
  }
  return inv;
}

/** cos and sin of every position below `positions` and pair, [positions, D/2] row-major each. */
function ropeTableValues(rope: RopeSpec, D: number, positions: number): { cos: Float32Array; sin: Float32Array } {
  const inv = ropeInverseFrequencies(rope, D);
  const half = D / 2;
  const cos = new Float32Array(positions * half);
  const sin = new Float32Array(positions * half);
  for (let p = 0; p < positions; p++) {
    for (let j = 0; j < half; j++) {
      const angle = f(p * inv[j]!);
      cos[p * half + j] = Math.cos(angle);
      sin[p * half + j] = Math.sin(angle);
    }
  }
  return { cos, sin };
}

// One table per rope setting, head width and context: a forward makes only small tensors from it.
const tableCache = new Map<string, { cos: Float32Array; sin: Float32Array }>();

function tablesOf(config: GptConfig): { cos: Float32Array; sin: Float32Array; half: number } {
  const D = headWidth(config);
  const rope = config.rope;
  if (rope === undefined) throw new Error('Rotary positions need config.rope.');
  const key = JSON.stringify([rope, D, config.contextLength]);
  let tables = tableCache.get(key);
  if (tables === undefined) {
    tables = ropeTableValues(rope, D, config.contextLength);
    tableCache.set(key, tables);
  }
  return { ...tables, half: D / 2 };
}

export interface RopeTables {
  cos: tf.Tensor3D;
  sin: tf.Tensor3D;
}

/** The tables of positions 0 … T−1, [1, T, D/2] (the training forward: the same in every row). */
export function ropeTablesFirst(config: GptConfig, T: number): RopeTables {
  const { cos, sin, half } = tablesOf(config);
  return {
    cos: tf.tensor3d(cos.subarray(0, T * half), [1, T, half]),
    sin: tf.tensor3d(sin.subarray(0, T * half), [1, T, half]),
  };
}

/** The tables at positions [B, T] int32 (each row its own positions), [B, T, D/2]. */
export function ropeTablesAt(config: GptConfig, positions: tf.Tensor2D): RopeTables {
  const { cos, sin, half } = tablesOf(config);
  const [B, T] = positions.shape;
  const at = (table: Float32Array): tf.Tensor3D =>
    tf.reshape(tf.gather(tf.tensor2d(table, [config.contextLength, half]), positions), [B, T, half]);
  return { cos: at(cos), sin: at(sin) };
}
