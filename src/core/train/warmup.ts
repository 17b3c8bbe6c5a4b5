import * as tf from '@tensorflow/tfjs-core';

/**
 * Compile warm-up: reads a dry-run step's gradient norm and an evaluation batch's row losses back together (one
 * readback), so every kernel of both has run on the real shapes before the first timed step. Disposes what it reads;
 * returns whether it read anything.
 */
export async function readWarmup(outputs: readonly (tf.Tensor | null)[]): Promise<boolean> {
  const reads = outputs.filter((t): t is tf.Tensor => t !== null);
  if (reads.length === 0) return false;
  const all = tf.tidy(() => tf.concat(reads.map((t) => tf.reshape(t, [-1]))));
  try {
    await all.data();
  } finally {
    tf.dispose([all, ...reads]);
  }
  return true;
}
