/**
 * `tf.addN` that respects the WebGPU device's storage-buffer limit.
 *
 * tfjs-backend-webgpu 4.22 runs AddN as ONE shader that binds every input and the output as storage buffers, and it
 * never splits the inputs (Concat does). tfjs also does not ask for a higher `maxStorageBuffersPerShaderStage` when it
 * creates its device, so the WebGPU default of 8 applies (SwiftShader's adapter would allow 10; real GPUs differ):
 * `tf.addN` of 8 or more tensors makes an invalid pipeline. WebGPU reports that only through the device's
 * `uncapturederror` event, which tfjs does not listen to, and the invalid pipeline invalidates the whole command
 * buffer it was recorded in: the AddN and every other kernel batched into the same submit (up to
 * `WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE` = 15 dispatches) silently do nothing. Their outputs keep whatever their pooled
 * buffers held before — stale numbers, sometimes NaN — so the failure depends on allocation history, not on the data.
 *
 * The fix wraps the backend's own AddN kernel: more inputs than one shader may bind are summed in chunks (a tree of
 * AddN calls, each within the limit), the partial sums freed. Other backends can use the same wrapper (tests run it on
 * cpu with a small limit); on cpu and wasm AddN has no such limit and is left alone.
 */
import * as tf from '@tensorflow/tfjs-core';

type KernelFunc = tf.KernelConfig['kernelFunc'];
type KernelParams = Parameters<KernelFunc>[0];

/** Marks a kernel function installed here, so installing twice does not wrap twice. */
const WRAPPED = Symbol('chunkedAddN');
type Wrapped = KernelFunc & { [WRAPPED]?: KernelFunc };

/** The WebGPU default `maxStorageBuffersPerShaderStage`: what a device gets unless it asked for more. */
export const WEBGPU_DEFAULT_STORAGE_BUFFERS = 8;

/** Inputs one AddN shader may bind on this backend: the device's storage-buffer limit minus the output's binding. */
export function webgpuAddNMaxInputs(backend: unknown): number {
  const limit = (backend as { device?: { limits?: { maxStorageBuffersPerShaderStage?: number } } }).device?.limits
    ?.maxStorageBuffersPerShaderStage;
  return Math.max(2, (typeof limit === 'number' && limit > 0 ? limit : WEBGPU_DEFAULT_STORAGE_BUFFERS) - 1);
}

/**
 * An AddN kernel function that calls `inner` on at most `maxInputs(backend)` tensors at a time, summing chunks into
 * partial sums (and those again) until one call remains. Partial sums are freed through the backend.
 */
export function chunkedAddN(inner: KernelFunc, maxInputs: (backend: unknown) => number): KernelFunc {
  const run = (params: KernelParams): tf.TensorInfo => {
    const inputs = params.inputs as unknown as tf.TensorInfo[];
    const max = Math.max(2, Math.floor(maxInputs(params.backend)));
    if (inputs.length <= max) return inner(params) as tf.TensorInfo;
    const backend = params.backend as { disposeData(dataId: tf.DataId): unknown };
    const partials: tf.TensorInfo[] = [];
    let level = inputs;
    while (level.length > max) {
      const next: tf.TensorInfo[] = [];
      for (let i = 0; i < level.length; i += max) {
        const chunk = level.slice(i, i + max);
        const [only] = chunk;
        if (chunk.length === 1 && only) {
          next.push(only);
          continue;
        }
        const sum = inner({ ...params, inputs: chunk as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo;
        partials.push(sum);
        next.push(sum);
      }
      level = next;
    }
    const out = inner({ ...params, inputs: level as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo;
    // The backend defers freeing a buffer that queued GPU work still reads, so this is safe before the work ran.
    for (const p of partials) backend.disposeData(p.dataId);
    return out;
  };
  const wrapped = run as Wrapped;
  wrapped[WRAPPED] = inner;
  return wrapped;
}

/**
 * Replaces `backendName`'s registered AddN kernel with `chunkedAddN` of it. Call after the backend's package was
 * imported (its kernels register on import). Returns a function that puts the original kernel back, or `null` when
 * the backend has no AddN kernel registered. Installing twice keeps one wrapper.
 */
export function installChunkedAddN(
  backendName = 'webgpu',
  maxInputs: (backend: unknown) => number = webgpuAddNMaxInputs,
): (() => void) | null {
  const config = tf.getKernel('AddN', backendName);
  if (!config) return null;
  const current = config.kernelFunc as Wrapped;
  const original = current[WRAPPED] ?? current;
  const register = (kernelFunc: KernelFunc) => {
    tf.unregisterKernel('AddN', backendName);
    tf.registerKernel({ ...config, kernelFunc });
  };
  register(chunkedAddN(original, maxInputs));
  return () => register(original);
}
