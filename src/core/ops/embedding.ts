/**
 * Embedding lookup (`table[ids]`) whose gradient runs on every backend we use.
 *
 * `tf.gather`'s own gradient is `unsortedSegmentSum`, which the wasm backend does not have and which has an open
 * correctness report on webgpu. The gradient here accumulates the incoming rows into a [vocab, width] table by one
 * of two routes:
 *   - `'scatter'`: scatterND(ids, dy, [vocab, width]) — sums duplicate ids on cpu, wasm, webgl and webgpu; memory
 *     N·width. On cpu and wasm a sequential loop (cheapest, deterministic); on webgpu float atomics
 *     (compare-exchange loops that contend on frequent ids; the order of additions, so the last bits, may vary).
 *   - `'onehot'`: oneHot(ids)ᵀ · dy — a plain matmul, deterministic on every backend; memory N·vocab floats, so
 *     only for small vocabularies (char tokenizers, pruned BPE vocabularies).
 * `'auto'` scatters on cpu and wasm, and on GPU backends uses the matmul while N·vocab stays small.
 */
import * as tf from '@tensorflow/tfjs-core';

export type EmbeddingGradPath = 'auto' | 'onehot' | 'scatter';

/** Above this many one-hot entries (N·vocab, 16 MiB of float32) `'auto'` scatters on GPU backends too. */
export const ONEHOT_GRAD_MAX_ELEMENTS = 1 << 22;

/** Which route `'auto'` takes for `n` looked-up ids into a `vocab`-row table on `backend`. */
export function chooseEmbeddingGradPath(
  n: number,
  vocab: number,
  backend: string = tf.getBackend(),
): 'onehot' | 'scatter' {
  if (backend === 'cpu' || backend === 'wasm') return 'scatter';
  return n * vocab <= ONEHOT_GRAD_MAX_ELEMENTS ? 'onehot' : 'scatter';
}

/**
 * Rows of `table` ([vocab, width]) at `ids` (int32, any shape): returns [...ids.shape, width], with a gradient for
 * `table` (none for `ids`, which are integers).
 */
export function embeddingLookup(table: tf.Tensor2D, ids: tf.Tensor, gradPath: EmbeddingGradPath = 'auto'): tf.Tensor {
  if (ids.dtype !== 'int32') throw new Error(`embeddingLookup: ids must be int32, got ${ids.dtype}.`);
  if (table.rank !== 2) throw new Error(`embeddingLookup: table must be [vocab, width], got shape [${table.shape}].`);
  const [vocab, width] = table.shape;
  const n = ids.size;
  const outShape = [...ids.shape, width];
  const route = gradPath === 'auto' ? chooseEmbeddingGradPath(n, vocab) : gradPath;

  const op = tf.customGrad((tableIn, idsIn, save) => {
    const t = tableIn as tf.Tensor2D;
    const flatIds = tf.reshape(idsIn as tf.Tensor, [n]) as tf.Tensor1D;
    (save as tf.GradSaveFunc)([flatIds]);
    return {
      value: tf.reshape(tf.gather(t, flatIds), outShape),
      // In a tidy, so the one-hot [n, vocab] is freed at once rather than at the end of the whole backward pass.
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const ids1d = saved[0] as tf.Tensor1D;
          const dy2d = tf.reshape(dy, [n, width]) as tf.Tensor2D;
          const dTable =
            route === 'onehot'
              ? // int32 one-hot then cast: wasm's OneHot kernel ignores dtype 'float32' and writes int32 bits.
                tf.matMul(tf.cast(tf.oneHot(ids1d, vocab), 'float32'), dy2d, true, false)
              : tf.scatterND(tf.reshape(ids1d, [n, 1]), dy2d, [vocab, width]);
          return [dTable, tf.zeros(ids.shape, 'float32')];
        }),
    };
  });
  return op(table, ids);
}
