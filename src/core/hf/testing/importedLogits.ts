import * as tf from '@tensorflow/tfjs-core';
import { disposeGptParams, gptLogits } from '../../model/gpt';
import type { HfImport } from '../importModel';
import { paramsFromArrays } from '../../model/paramArrays';

/** Our tfjs logits [T, V] (flat) for one sequence of an imported model, on the current backend. */
export function importedLogits(imported: Pick<HfImport, 'config' | 'params'>, ids: number[]): Float32Array {
  const vars = paramsFromArrays(imported.config, imported.params);
  try {
    return tf.tidy(
      () => gptLogits(imported.config, vars, tf.tensor2d([ids], [1, ids.length], 'int32')).dataSync() as Float32Array,
    );
  } finally {
    disposeGptParams(vars);
  }
}

/** Largest |a[i] − b[i]|; arrays of different lengths are an error, not a small difference. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: ${a.length} values against ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
