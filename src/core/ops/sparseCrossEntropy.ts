/**
 * Mean cross-entropy of integer labels under a mask, without a one-hot [N, vocab] tensor.
 *
 * Forward:  ce_i = logSumExp(logits_i) − logits_i[label_i];  loss = Σ mask_i·ce_i / Σ mask_i  (0 when Σ mask = 0).
 * Backward: ∂loss/∂logits_i = (softmax(logits_i) − e_{label_i}) · mask_i / Σ mask. The label's entry is replaced
 * with `tensorScatterUpdate` (N updates) instead of subtracting a one-hot.
 * No [N, vocab] one-hot exists in either direction; `tf.losses.softmaxCrossEntropy` wants one, and at BPE
 * vocabularies that is hundreds of MB per step. The [N, vocab] tensors that remain: in the forward, the two inside
 * `logSumExp` (logits − max and its exp, freed at once); in the backward, three intermediates (logits − lse, its exp
 * = the softmax, the softmax with the label entries replaced) besides the [N, vocab] gradient it returns, alive together
 * with the saved logits while the gradient is computed, and freed as soon as it is.
 * Fused: the [N, vocab] work in two kernels, the per-row logSumExp − label logit forward, and
 * (softmax − onehot)·mask·dy/Σmask backward.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS as K } from '../kernels/fusedKernelNames';
import { fusableOp, runKernel } from './dispatch';

/** logSumExp per row and ce_i = lse_i − logits_i[label_i], the label's logit by a 1-D gather at row·V + label. */
function tokenCrossEntropyParts(logits: tf.Tensor2D, labels: tf.Tensor1D): { lse: tf.Tensor1D; ce: tf.Tensor1D } {
  const [n, vocab] = logits.shape;
  const flatIndex = tf.add(tf.mul(tf.range(0, n, 1, 'int32'), tf.scalar(vocab, 'int32')), labels);
  const labelLogit = tf.gather(tf.reshape(logits, [n * vocab]), flatIndex);
  const lse = tf.logSumExp(logits, 1) as tf.Tensor1D;
  return { lse, ce: tf.sub(lse, labelLogit) as tf.Tensor1D };
}

/**
 * Cross-entropy of each position's label, [N], forward only: what evaluation sums per row (eval/rowLoss.ts). The
 * same ops as the training loss below, so evaluation and training can never disagree on it.
 */
export function tokenCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  return tokenCrossEntropyParts(logits, labels).ce;
}

function checkShapes(logits: tf.Tensor2D, labels: tf.Tensor1D, mask: tf.Tensor1D): void {
  if (logits.rank !== 2) throw new Error(`sparseCrossEntropy: logits must be [N, vocab], got shape [${logits.shape}].`);
  const [n, vocab] = logits.shape;
  if (labels.dtype !== 'int32') throw new Error(`sparseCrossEntropy: labels must be int32, got ${labels.dtype}.`);
  if (labels.rank !== 1 || labels.shape[0] !== n) {
    throw new Error(
      `sparseCrossEntropy: labels must be [${n}] to match logits [${n}, ${vocab}], got [${labels.shape}].`,
    );
  }
  if (mask.rank !== 1 || mask.shape[0] !== n) {
    throw new Error(`sparseCrossEntropy: mask must be [${n}] to match logits [${n}, ${vocab}], got [${mask.shape}].`);
  }
}

function composite(logits: tf.Tensor2D, labels: tf.Tensor1D, mask: tf.Tensor1D): tf.Scalar {
  checkShapes(logits, labels, mask);
  const [n] = logits.shape;
  const op = tf.customGrad((logitsIn, labelsIn, maskIn, save) => {
    const z = logitsIn as tf.Tensor2D;
    const y = labelsIn as tf.Tensor1D;
    const m = tf.cast(maskIn as tf.Tensor1D, 'float32');
    const { lse, ce } = tokenCrossEntropyParts(z, y);
    const count = tf.sum(m);
    const denom = tf.where(tf.greater(count, 0), count, tf.onesLike(count));
    const loss = tf.div(tf.sum(tf.mul(ce, m)), denom) as tf.Scalar;
    (save as tf.GradSaveFunc)([z, y, m, lse, ce, denom, loss]);
    return {
      value: loss,
      // In a tidy: tfjs keeps whatever a gradient function leaves in scope until the whole backward pass ends, and
      // here that would be three more [N, vocab] tensors besides the gradient.
      gradFunc: (dy: tf.Scalar, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [zs, ys, ms, lses, ces, dens, losss] = saved as [
            tf.Tensor2D,
            tf.Tensor1D,
            tf.Tensor1D,
            tf.Tensor1D,
            tf.Tensor1D,
            tf.Scalar,
            tf.Scalar,
          ];
          const probs = tf.exp(tf.sub(zs, tf.expandDims(lses, 1)));
          // softmax at the label is exp(−ce): subtract the one-hot there without building it.
          const atLabel = tf.sub(tf.exp(tf.neg(ces)), 1);
          const indices = tf.stack([tf.range(0, n, 1, 'int32'), ys], 1) as tf.Tensor2D;
          const diff = tf.tensorScatterUpdate(probs, indices, atLabel);
          const scale = tf.div(tf.mul(ms, dy), dens); // [N]
          const dLogits = tf.mul(diff, tf.expandDims(scale, 1));
          // ∂loss/∂mask_i = (ce_i − loss) / Σ mask, for completeness (masks are data, rarely differentiated).
          const dMask = tf.div(tf.mul(tf.sub(ces, losss), dy), dens);
          return [dLogits, tf.zeros([n], 'float32'), dMask];
        }),
    };
  });
  return op(logits, labels, mask) as tf.Scalar;
}

/** Σ mask = 0 gives 0, as the composite. */
function fused(logits: tf.Tensor2D, labels: tf.Tensor1D, mask: tf.Tensor1D): tf.Scalar {
  checkShapes(logits, labels, mask);
  const op = tf.customGrad((z, y, mIn, save) => {
    const m = mIn as tf.Tensor1D;
    const ce = runKernel(K.crossEntropyRows, { logits: z as tf.Tensor, labels: y as tf.Tensor });
    const count = tf.sum(m);
    const denom = tf.where(tf.greater(count, 0), count, tf.onesLike(count));
    const loss = tf.div(tf.sum(tf.mul(ce, m)), denom) as tf.Scalar;
    (save as tf.GradSaveFunc)([z as tf.Tensor, y as tf.Tensor, m, ce, denom, loss]);
    return {
      value: loss,
      gradFunc: (dy: tf.Scalar, saved: tf.Tensor[]) => {
        const [zs, ys, ms, ces, dens, losss] = saved as [
          tf.Tensor,
          tf.Tensor,
          tf.Tensor,
          tf.Tensor,
          tf.Tensor,
          tf.Tensor,
        ]; // the six saved above
        const scale = tf.div(tf.mul(ms, dy), dens);
        const dLogits = runKernel(K.crossEntropyGrad, { logits: zs, labels: ys, scale });
        const dMask = tf.div(tf.mul(tf.sub(ces, losss), dy), dens);
        return [dLogits, tf.zeros(ys.shape, 'float32'), dMask];
      },
    };
  });
  return op(logits, labels, mask.dtype === 'float32' ? mask : tf.cast(mask, 'float32')) as tf.Scalar;
}

/**
 * @param logits float32 [N, V]
 * @param labels int32 [N], each in [0, V) (not checked: that would need a GPU readback)
 * @param mask   float32 [N]: 1 where the position counts, 0 where it does not (prompt, padding); weights allowed
 */
export const sparseCrossEntropy = fusableOp([K.crossEntropyRows, K.crossEntropyGrad], { composite, fused });
