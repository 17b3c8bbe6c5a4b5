/**
 * The fused AdamW step, as train/optimizer.ts runs it where `fusedAdamWAvailable()` (its kernels registered for the
 * current backend: kernels/webgpu/adamwPrograms.ts for webgpu): the same arithmetic as its composite update, with the
 * guard, the clip scale and the coefficients computed on the device in one small kernel instead of a dozen scalar
 * ops, and no reshapes or slices per parameter. No readback.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ADAMW_KERNELS as K, ADAMW_SCALAR as SCALAR } from '../kernels/fusedKernelNames';
import { fusedKernelsRegistered, runKernel } from './dispatch';

/** Whether the optimizer's step may run on these kernels now (ops/dispatch.ts). */
export function fusedAdamWAvailable(): boolean {
  return fusedKernelsRegistered(Object.values(K));
}

/** The tensors' values in order, as one flat vector (a group's gradient). */
export function fusedFlatten(xs: tf.Tensor[]): tf.Tensor1D {
  return runKernel(K.flatten, xs) as tf.Tensor1D;
}

export interface FusedScalarOptions {
  clipNorm: number;
  guard: boolean;
  dryRun: boolean;
}

/**
 * One step's scalars from the groups' flat gradients: [norm, ok, scale, halted'] (SCALAR's indices) — the pre-clip
 * global norm; 1 when the step may change the state (not a dry run and, with the guard, norm and loss finite and not
 * halted); clipNorm / max(norm, clipNorm), or 1 without clipping; the halt flag after this step.
 */
export function fusedAdamWScalars(
  flats: tf.Tensor1D[],
  loss: tf.Scalar | undefined,
  halted: tf.Scalar,
  o: FusedScalarOptions,
): tf.Tensor1D {
  return tf.tidy(() => {
    const sumSquares = flats.length === 0 ? tf.zeros([1]) : runKernel(K.sumSquares, flats);
    const clip = o.clipNorm > 0 && Number.isFinite(o.clipNorm) ? o.clipNorm : 0;
    return runKernel(
      K.scalars,
      { sumSquares, loss: loss ?? halted, halted },
      { clipNorm: clip, guard: o.guard ? 1 : 0, hasLoss: loss ? 1 : 0, dryRun: o.dryRun ? 1 : 0 },
    ) as tf.Tensor1D;
  });
}

/** One entry of `fusedAdamWScalars`' output as a scalar. */
export function pickScalar(scalars: tf.Tensor1D, which: keyof typeof SCALAR): tf.Scalar {
  return tf.tidy(() => tf.reshape(tf.slice(scalars, [SCALAR[which]], [1]), []) as tf.Scalar);
}

/** m + (1 − β)·(g' − m) with g' = scale·g (`square`: its square, for v); m itself where the step is not ok. */
export function fusedAdamWMoment(
  g: tf.Tensor1D,
  m: tf.Tensor1D,
  scalars: tf.Tensor1D,
  beta: number,
  square: boolean,
): tf.Tensor1D {
  return runKernel(K.moment, { g, m, scalars }, { oneMinusBeta: 1 - beta, square: square ? 1 : 0 }) as tf.Tensor1D;
}

export interface FusedParamStep {
  /** Where p's values start in the group's flat moments. */
  offset: number;
  lr: number;
  bc1: number;
  bc2: number;
  eps: number;
  /** lr·weightDecay, or 0 for a parameter without decay. */
  lrWd: number;
}

/** p − lr·(m/bc1)/(√(v/bc2) + ε) − lrWd·p over p's slice of the flat moments; p itself where the step is not ok. */
export function fusedAdamWParam(
  p: tf.Tensor,
  m: tf.Tensor1D,
  v: tf.Tensor1D,
  scalars: tf.Tensor1D,
  s: FusedParamStep,
): tf.Tensor {
  return runKernel(K.param, { p, m, v, scalars }, { ...s });
}
