/**
 * How an op picks its path. Each op the model calls has a composite path (stock tf ops, every backend; the reference
 * the tests compare against) and may have a fused path: kernels a backend registers under the names of
 * kernels/fusedKernelNames.ts (kernels/webgpu registers them all for webgpu, at start-up). A call runs the fused path
 * where every kernel the op needs, forward and backward, is registered for the current backend and the fused kernels
 * are not switched off (`setFusedKernels(false)`, which the bench uses to time the composite path on the same
 * backend). The model calls the op and never asks which.
 */
import * as tf from '@tensorflow/tfjs-core';

let fusedOn = true;

/** Turns the fused paths on or off for every later op call (default on). */
export function setFusedKernels(on: boolean): void {
  fusedOn = on;
}

/** Whether a call now may run on `kernelNames`: all registered for the current backend, and not switched off. */
export function fusedKernelsRegistered(kernelNames: readonly string[]): boolean {
  if (!fusedOn) return false;
  const backend = tf.getBackend();
  return kernelNames.every((name) => tf.getKernel(name, backend) !== undefined);
}

/** An op: called, it takes its fused path where `fusedNow()`, else its composite; each path callable on its own. */
export type FusableOp<A extends unknown[], R> = ((...args: A) => R) & {
  composite: (...args: A) => R;
  fused: (...args: A) => R;
  /** Whether a call now takes the fused path. */
  fusedNow: () => boolean;
};

/** The op with these two paths; the fused one needs `kernels` (every kernel it and its gradient run). */
export function fusableOp<A extends unknown[], R>(
  kernels: readonly string[],
  paths: { composite: (...args: A) => R; fused: (...args: A) => R },
): FusableOp<A, R> {
  const { composite, fused } = paths;
  const fusedNow = () => fusedKernelsRegistered(kernels);
  const op = (...args: A): R => (fusedNow() ? fused(...args) : composite(...args));
  return Object.assign(op, { composite, fused, fusedNow });
}

/** Runs the kernel `name` of the current backend on named (or listed) inputs with numeric attributes. */
export function runKernel(
  name: string,
  inputs: tf.NamedTensorMap | tf.Tensor[],
  attrs: Record<string, number> = {},
): tf.Tensor {
  return tf
    .engine()
    .runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/**
 * Registers the gradient of the kernel `kernelName` (for every backend: the gradient itself runs kernels by name).
 * The engine clones what it saves (an `Identity` each, no dispatch on webgpu). A gradient registered for the kernel
 * rather than a `tf.customGrad` around its call: customGrad adds a profiled kernel to every call.
 */
export function registerKernelGradient<const Inputs extends readonly string[] = [], Output extends boolean = false>(
  kernelName: string,
  save: { inputs?: Inputs; output?: Output },
  gradFunc: (
    dy: tf.Tensor,
    saved: SavedTensors<Inputs, Output>,
    attrs: Record<string, number>,
  ) => Record<string, () => tf.Tensor>,
): void {
  tf.registerGradient({
    kernelName,
    inputsToSave: save.inputs ? [...save.inputs] : undefined,
    outputsToSave: save.output ? [true] : undefined,
    // The engine hands back exactly what was asked to be saved: the named inputs in order, then the output.
    gradFunc: (dy, saved, attrs) =>
      gradFunc(dy as tf.Tensor, saved as SavedTensors<Inputs, Output>, attrs as unknown as Record<string, number>),
  });
}

/** What a kernel gradient receives: one tensor per saved input name, then the output where it was saved. */
type SavedTensors<Inputs extends readonly string[], Output extends boolean> = [
  ...{ [I in keyof Inputs]: tf.Tensor },
  ...(Output extends true ? [tf.Tensor] : []),
];
