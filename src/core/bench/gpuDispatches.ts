/**
 * Counts the compute dispatches the webgpu backend records while `fn` runs, by wrapping its `runWebGPUProgram`.
 * tf.profile counts kernels, and on webgpu two of the most frequent ones dispatch nothing: `Identity` (the engine
 * clones every tensor a gradient saves, tfjs-core engine.ts `saveTensorsForBackwardMode`; webgpu's Identity only bumps
 * a reference count) and `Reshape` (shares the buffer). Dispatches are what a GPU pays per step. Off webgpu: null.
 */
import * as tf from '@tensorflow/tfjs-core';

type Runner = { runWebGPUProgram?: (...args: unknown[]) => unknown };

export async function countWebGPUDispatches<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; dispatches: number | null }> {
  const backend = tf.backend() as unknown as Runner;
  const original = backend.runWebGPUProgram;
  if (tf.getBackend() !== 'webgpu' || typeof original !== 'function') return { result: await fn(), dispatches: null };
  let dispatches = 0;
  backend.runWebGPUProgram = function (this: unknown, ...args: unknown[]) {
    dispatches++;
    return original.apply(this, args);
  };
  try {
    return { result: await fn(), dispatches };
  } finally {
    backend.runWebGPUProgram = original;
  }
}
