/**
 * The model's fused ops on webgpu — linear, LayerNorm, GELU (and bias + GELU), causal softmax, sparse cross-entropy —
 * each one kernel forward and one to four backward (fusedPrograms.ts), with gradients registered for the kernels
 * (a `tf.customGrad` adds a profiled kernel per call; cross-entropy, several kernels forward, keeps one). The model
 * calls them only where `fusedKernelsActive()`: on the webgpu backend with the kernels registered (dawnNode.ts in Node, the worker's
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

/** Registers `kernelName`'s gradient; the engine clones what it saves (an `Identity` each, no dispatch on webgpu). */
function gradient(kernelName: string, save: { inputs?: string[]; output?: boolean }, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[], attrs: Record<string, number>) => Record<string, () => tf.Tensor>): void {
  tf.registerGradient({
    kernelName,
    inputsToSave: save.inputs,
    outputsToSave: save.output ? [true] : undefined,
    gradFunc: (dy, saved, attrs) => gradFunc(dy as tf.Tensor, saved, attrs as unknown as Record<string, number>),
  });
}

// x·W + bias's gradient, all 2-D: the fused.matMul op would reshape to 3-D and back around every matmul.
gradient(K.linear, { inputs: ['a', 'b'] }, (dy, [a, b]) => ({
  a: () => tf.matMul(dy, b, false, true),
  b: () => tf.matMul(a, dy, true, false),
  bias: () => run(K.columnSum, { x: dy }),
}));

/** x [N, K] · weight [K, M] + bias [M] (GPT-2's Conv1D), tfjs's matmul kernel with the bias fused in. */
export function fusedLinear(x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor): tf.Tensor2D {
  return run(K.linear, { a: x, b: weight, bias }) as tf.Tensor2D;
}

// Add's own gradient saves both inputs (two clones) and reshapes dy twice; for one shape dy is the gradient of
// both. `a` takes dy itself (the output's gradient is not needed after this node), `b` a clone, so no two
// accumulation entries share a tensor.
gradient(K.residualAdd, {}, (dy) => ({ a: () => dy, b: () => dy.clone() }));

/** a + b, both of one shape (the block's residual connections). */
export function fusedResidualAdd(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (a.shape.join() !== b.shape.join()) throw new Error(`fusedResidualAdd: shapes [${a.shape}] and [${b.shape}] differ.`);
  return run(K.residualAdd, { a, b }) as tf.Tensor2D;
}

// dx, dγ and dβ share the row statistics, recomputed from x (cheaper than saving a second output). Computed outside
// the per-input closures, so they live until the backward pass ends whichever inputs need a gradient.
gradient(K.layerNorm, { inputs: ['x', 'gamma'] }, (dy, [x, gamma], { eps }) => {
  const stats = run(K.layerNormStats, { x }, { eps });
  return {
    x: () => run(K.layerNormGradX, { x, stats, gamma, dy }),
    gamma: () => run(K.layerNormGradParams, { x, stats, dy }, { part: 0 }),
    beta: () => run(K.layerNormGradParams, { x, stats, dy }, { part: 1 }),
  };
});

/** LayerNorm over the last axis of x [N, C], biased variance, as layers.ts's composite. */
export function fusedLayerNorm(x: tf.Tensor2D, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor2D {
  return run(K.layerNorm, { x, gamma, beta }, { eps }) as tf.Tensor2D;
}

gradient(K.gelu, { inputs: ['x'] }, (dy, [x]) => ({ x: () => run(K.geluGrad, { x, dy }) }));

/** GPT-2's tanh GELU, as layers.ts's `gelu`. */
export function fusedGelu(x: tf.Tensor2D): tf.Tensor2D {
  return run(K.gelu, { x }) as tf.Tensor2D;
}

// dbias is the column sum of dx (computed once, outside the per-input closures).
gradient(K.biasGelu, { inputs: ['x', 'bias'] }, (dy, [x, bias]) => {
  const dx = run(K.biasGeluGrad, { x, bias, dy });
  return { x: () => dx, bias: () => run(K.columnSum, { x: dx }) };
});

/**
 * gelu(x + bias) over x [N, C], bias [C]: the MLP's bias add and GELU in one kernel forward; backward one kernel for
 * dx and one column sum for dbias.
 */
export function fusedBiasGelu(x: tf.Tensor2D, bias: tf.Tensor): tf.Tensor2D {
  return run(K.biasGelu, { x, bias }) as tf.Tensor2D;
}

gradient(K.causalSoftmax, { output: true }, (dy, [p], { scale }) => ({ scores: () => run(K.softmaxGrad, { p, dp: dy }, { scale }) }));

/**
 * softmax(scale · scores) over the last axis with the causal mask: row q of each [T, T] block sees keys 0 … q
 * (the others get probability 0). scores: [..., T, T].
 */
export function fusedCausalSoftmax(scores: tf.Tensor, scale = 1): tf.Tensor {
  return run(K.causalSoftmax, { scores }, { scale });
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
