/**
 * The model's fused ops on webgpu — LayerNorm, GELU (and bias + GELU), causal softmax, sparse cross-entropy — each one kernel forward
 * and one to four backward (fusedPrograms.ts), with gradients by `tf.customGrad`. The model calls them only where
 * `fusedKernelsActive()`: on the webgpu backend with the kernels registered (dawnNode.ts in Node, the worker's
 * backends.ts in the browser) and not switched off (`setFusedKernels(false)`, which the bench uses to time the stock
 * path). Every other backend keeps the composite ops, which are the reference the tests compare these against.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS as K } from './fusedPrograms';

let enabled = true;

/** Turns the fused path on or off for every later op call (default on). */
export function setFusedKernels(on: boolean): void {
  enabled = on;
}

/** Whether the model should call the fused ops now. */
export function fusedKernelsActive(): boolean {
  return enabled && tf.getBackend() === 'webgpu' && tf.getKernel(K.layerNorm, 'webgpu') !== undefined;
}

const run = (name: string, inputs: tf.NamedTensorMap, attrs: Record<string, number> = {}) =>
  tf.engine().runKernel(name, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;

// x·W + bias's gradient, all 2-D: the fused.matMul op would reshape to 3-D and back around every matmul.
tf.registerGradient({
  kernelName: K.linear,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, [a, b]) => {
    const d = dy as tf.Tensor;
    return { a: () => tf.matMul(d, b, false, true), b: () => tf.matMul(a, d, true, false), bias: () => run(K.columnSum, { x: d }) };
  },
});

/** x [N, K] · weight [K, M] + bias [M] (GPT-2's Conv1D), tfjs's matmul kernel with the bias fused in. */
export function fusedLinear(x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor): tf.Tensor2D {
  return run(K.linear, { a: x, b: weight, bias }) as tf.Tensor2D;
}

/** LayerNorm over the last axis of x [N, C], biased variance, as layers.ts's composite. */
export function fusedLayerNorm(x: tf.Tensor2D, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor2D {
  const op = tf.customGrad((xIn, g, b, save) => {
    (save as tf.GradSaveFunc)([xIn as tf.Tensor, g as tf.Tensor]);
    return {
      value: run(K.layerNorm, { x: xIn as tf.Tensor, gamma: g as tf.Tensor, beta: b as tf.Tensor }, { eps }),
      gradFunc: (dy: tf.Tensor, [xs, gs]: tf.Tensor[]) => {
        const stats = run(K.layerNormStats, { x: xs }, { eps });
        const dx = run(K.layerNormGradX, { x: xs, stats, gamma: gs, dy });
        const dGamma = run(K.layerNormGradParams, { x: xs, stats, dy }, { part: 0 });
        const dBeta = run(K.layerNormGradParams, { x: xs, stats, dy }, { part: 1 });
        stats.dispose();
        return [dx, dGamma, dBeta];
      },
    };
  });
  return op(x, gamma, beta) as tf.Tensor2D;
}

/** GPT-2's tanh GELU, as layers.ts's `gelu`. */
export function fusedGelu(x: tf.Tensor2D): tf.Tensor2D {
  const op = tf.customGrad((xIn, save) => {
    (save as tf.GradSaveFunc)([xIn as tf.Tensor]);
    return {
      value: run(K.gelu, { x: xIn as tf.Tensor }),
      gradFunc: (dy: tf.Tensor, [xs]: tf.Tensor[]) => run(K.geluGrad, { x: xs, dy }),
    };
  });
  return op(x) as tf.Tensor2D;
}

/**
 * gelu(x + bias) over x [N, C], bias [C]: the MLP's bias add and GELU in one kernel forward; backward one kernel for
 * dx and one column sum for dbias.
 */
export function fusedBiasGelu(x: tf.Tensor2D, bias: tf.Tensor): tf.Tensor2D {
  const op = tf.customGrad((xIn, b, save) => {
    (save as tf.GradSaveFunc)([xIn as tf.Tensor, b as tf.Tensor]);
    return {
      value: run(K.biasGelu, { x: xIn as tf.Tensor, bias: b as tf.Tensor }),
      gradFunc: (dy: tf.Tensor, [xs, bs]: tf.Tensor[]) => {
        const dx = run(K.biasGeluGrad, { x: xs, bias: bs, dy });
        return [dx, run(K.columnSum, { x: dx })];
      },
    };
  });
  return op(x, bias) as tf.Tensor2D;
}

/**
 * softmax(scale · scores) over the last axis with the causal mask: row q of each [T, T] block sees keys 0 … q
 * (the others get probability 0). scores: [..., T, T].
 */
export function fusedCausalSoftmax(scores: tf.Tensor, scale = 1): tf.Tensor {
  const op = tf.customGrad((s, save) => {
    const p = run(K.causalSoftmax, { scores: s as tf.Tensor }, { scale });
    (save as tf.GradSaveFunc)([p]);
    return {
      value: p,
      gradFunc: (dy: tf.Tensor, [ps]: tf.Tensor[]) => run(K.softmaxGrad, { p: ps, dp: dy }, { scale }),
    };
  });
  return op(scores);
}

/**
 * The masked mean cross-entropy of sparseCrossEntropy.ts, with the [N, vocab] work in two kernels: the per-row
 * logSumExp − label logit forward, and (softmax − onehot)·mask·dy/Σmask backward. Σ mask = 0 gives 0.
 */
export function fusedSparseCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, mask: tf.Tensor1D): tf.Scalar {
  const op = tf.customGrad((z, y, mIn, save) => {
    const m = mIn as tf.Tensor1D;
    const ce = run(K.crossEntropyRows, { logits: z as tf.Tensor, labels: y as tf.Tensor });
    const count = tf.sum(m);
    const denom = tf.where(tf.greater(count, 0), count, tf.onesLike(count));
    const loss = tf.div(tf.sum(tf.mul(ce, m)), denom) as tf.Scalar;
    (save as tf.GradSaveFunc)([z as tf.Tensor, y as tf.Tensor, m, ce, denom, loss]);
    return {
      value: loss,
      gradFunc: (dy: tf.Scalar, [zs, ys, ms, ces, dens, losss]: tf.Tensor[]) => {
        const scale = tf.div(tf.mul(ms, dy), dens);
        const dLogits = run(K.crossEntropyGrad, { logits: zs, labels: ys, scale });
        const dMask = tf.div(tf.mul(tf.sub(ces, losss), dy), dens);
        return [dLogits, tf.zeros(ys.shape, 'float32'), dMask];
      },
    };
  });
  return op(logits, labels, mask.dtype === 'float32' ? mask : tf.cast(mask, 'float32')) as tf.Scalar;
}
