/**
 * Rotary position embeddings on q or k, x [B, H, T, D], as transformers' `apply_rotary_pos_emb` with `rotate_half`:
 * channel j < D/2 pairs with j + D/2, the pair turned by the angle whose cos and sin are given per row and column:
 *   y[j]       = x[j] · cos[j] − x[j + D/2] · sin[j]
 *   y[j + D/2] = x[j + D/2] · cos[j] + x[j] · sin[j]
 * `cos`, `sin`: [Bc, T, D/2] with Bc = 1 (every row at positions 0 … T−1: training) or B (positions per row: cached
 * generation); they are constants (no gradient). A rotation's inverse is the rotation by −angle, so the gradient of
 * x is the same op on dy with sin negated.
 *
 * Fused kernel (kernels/webgpu): FusedRope {x, cos, sin} with attr `inverse` (0: the rotation, 1: by −angle) → y.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS as K } from '../kernels/fusedKernelNames';
import { fusableOp, registerKernelGradient, runKernel } from './dispatch';

registerKernelGradient(K.rope, { inputs: ['cos', 'sin'] }, (dy, [cos, sin], attrs) => ({
  x: () => runKernel(K.rope, { x: dy, cos, sin }, { inverse: attrs.inverse === 1 ? 0 : 1 }),
  cos: () => tf.zerosLike(cos),
  sin: () => tf.zerosLike(sin),
}));

function checkTables(x: tf.Tensor4D, cos: tf.Tensor3D, sin: tf.Tensor3D): void {
  const [B, , T, D] = x.shape;
  const ok = (t: tf.Tensor3D) =>
    t.rank === 3 && (t.shape[0] === 1 || t.shape[0] === B) && t.shape[1] === T && t.shape[2] * 2 === D;
  if (D % 2 !== 0 || !ok(cos) || !ok(sin) || cos.shape.join() !== sin.shape.join())
    throw new Error(
      `rope: x [${x.shape}] needs cos and sin [1 or ${B}, ${T}, ${D / 2}], got [${cos.shape}], [${sin.shape}].`,
    );
}

export const rope = fusableOp([K.rope], {
  composite: (x: tf.Tensor4D, cos: tf.Tensor3D, sin: tf.Tensor3D): tf.Tensor4D => {
    checkTables(x, cos, sin);
    const [Bc, T, half] = cos.shape;
    const c = tf.reshape(cos, [Bc, 1, T, half]);
    const s = tf.reshape(sin, [Bc, 1, T, half]);
    const [x1, x2] = tf.split(x, 2, 3) as [tf.Tensor4D, tf.Tensor4D];
    return tf.concat([tf.sub(tf.mul(x1, c), tf.mul(x2, s)), tf.add(tf.mul(x2, c), tf.mul(x1, s))], 3) as tf.Tensor4D;
  },
  fused: (x: tf.Tensor4D, cos: tf.Tensor3D, sin: tf.Tensor3D): tf.Tensor4D => {
    checkTables(x, cos, sin);
    return runKernel(K.rope, { x, cos, sin }, { inverse: 0 }) as tf.Tensor4D;
  },
});
