/**
 * A wasm `BatchMatMul` that sends every product down XNNPACK's fast path.
 *
 * tfjs-backend-wasm 4.22 hands a BatchMatMul to XNNPACK only when neither operand is transposed and each operand is
 * one matrix; anything else runs a naive loop, measured 5–15× slower on the 2-core development machine.
 * Backpropagation through a GPT is made of exactly those cases: dX = dY·Wᵀ and dW = Xᵀ·dY for every linear layer and
 * the tied head, and the batched [B·H, T, T] products of attention. This kernel transposes explicitly (the wasm
 * Transpose kernel is fast) and runs a batch as one plain XNNPACK product per matrix. Same arithmetic; the sums may
 * differ from tfjs's in the last bits (another summation order). Whole training steps got ~5× faster on wasm.
 *
 * It wraps the stock kernel, which it calls for every product, so installing it changes nothing but speed;
 * `uninstallWasmBatchMatMul` puts tfjs's own kernel back (the bench times both in one process).
 */
import * as tf from '@tensorflow/tfjs-core';

type KernelFunc = tf.KernelConfig['kernelFunc'];
type KernelParams = Parameters<KernelFunc>[0];

/** The parts of tfjs-backend-wasm's `BackendWasm` this kernel uses. */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: Float32Array): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  disposeData(dataId: tf.DataId): boolean;
}

/** On a kernel function installed here: the stock kernel it wraps, so installing twice does not wrap twice. */
const STOCK = Symbol('stockBatchMatMul');
type Wrapped = KernelFunc & { [STOCK]?: KernelFunc };

const product = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

/**
 * The leading (batch) shape of the result, when every product can be taken one matrix at a time: each operand holds
 * either one matrix (broadcast to all) or exactly one per output matrix, laid out in the output's order. `null`
 * otherwise (incompatible shapes, or a partial broadcast such as [1, 3] against [3, 1], left to the stock kernel).
 */
export function perMatrixBatchShape(aShape: readonly number[], bShape: readonly number[]): number[] | null {
  const outerA = aShape.slice(0, -2);
  const outerB = bShape.slice(0, -2);
  const rank = Math.max(outerA.length, outerB.length);
  const padA = [...Array<number>(rank - outerA.length).fill(1), ...outerA];
  const padB = [...Array<number>(rank - outerB.length).fill(1), ...outerB];
  const outer: number[] = [];
  for (let i = 0; i < rank; i++) {
    if (padA[i] !== padB[i] && padA[i] !== 1 && padB[i] !== 1) return null;
    outer.push(Math.max(padA[i]!, padB[i]!));
  }
  const fits = (dims: number[]) => product(dims) === 1 || dims.every((d, i) => d === outer[i]);
  return fits(padA) && fits(padB) ? outer : null;
}

/**
 * A BatchMatMul kernel function that calls `stock` (tfjs's wasm BatchMatMul) only with untransposed single matrices,
 * transposing through `transpose` (tfjs's wasm Transpose) first. Products it cannot split that way, and non-float32
 * operands, go to `stock` unchanged.
 */
export function perMatrixBatchMatMul(stock: KernelFunc, transpose: KernelFunc): KernelFunc {
  const plainProduct = (a: tf.TensorInfo, b: tf.TensorInfo, backend: unknown): tf.TensorInfo =>
    stock({
      inputs: { a, b },
      backend,
      attrs: { transposeA: false, transposeB: false },
    } as unknown as KernelParams) as tf.TensorInfo;
  const swapLastTwo = (x: tf.TensorInfo, backend: unknown): tf.TensorInfo => {
    const r = x.shape.length;
    const perm = Array.from({ length: r }, (_, i) => i);
    [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
    return transpose({ inputs: { x }, backend, attrs: { perm } } as unknown as KernelParams) as tf.TensorInfo;
  };

  const run = (params: KernelParams): tf.TensorInfo => {
    const { a, b } = params.inputs as unknown as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = params.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    const batchA = product(a.shape.slice(0, -2));
    const batchB = product(b.shape.slice(0, -2));
    const alreadyFast = !transposeA && !transposeB && batchA === 1 && batchB === 1;
    const outer = perMatrixBatchShape(a.shape, b.shape);
    if (alreadyFast || outer === null || a.dtype !== 'float32' || b.dtype !== 'float32')
      return stock(params) as tf.TensorInfo;

    const backend = params.backend as WasmBackendLike;
    const a2 = transposeA ? swapLastTwo(a, backend) : a;
    const b2 = transposeB ? swapLastTwo(b, backend) : b;
    const m = a2.shape[a2.shape.length - 2]!;
    const k = a2.shape[a2.shape.length - 1]!;
    const n = b2.shape[b2.shape.length - 1]!;
    const batch = product(outer);
    let out: tf.TensorInfo;
    if (batch === 1) {
      out = plainProduct(a2, b2, backend);
    } else {
      out = backend.makeOutput([batch, m, n], 'float32');
      const matrix = (x: tf.TensorInfo, i: number, rows: number, cols: number): tf.TensorInfo => {
        const size = rows * cols;
        // Read the heap view right before use: an allocation may grow the wasm memory and detach older views.
        const values = backend.typedArrayFromHeap(x).slice(i * size, (i + 1) * size);
        return backend.makeOutput([rows, cols], 'float32', undefined, values);
      };
      const aOnly = batchA === 1 ? matrix(a2, 0, m, k) : null;
      const bOnly = batchB === 1 ? matrix(b2, 0, k, n) : null;
      for (let i = 0; i < batch; i++) {
        const ai = aOnly ?? matrix(a2, i, m, k);
        const bi = bOnly ?? matrix(b2, i, k, n);
        const oi = plainProduct(ai, bi, backend);
        backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(oi), i * m * n);
        backend.disposeData(oi.dataId);
        if (!aOnly) backend.disposeData(ai.dataId);
        if (!bOnly) backend.disposeData(bi.dataId);
      }
      if (aOnly) backend.disposeData(aOnly.dataId);
      if (bOnly) backend.disposeData(bOnly.dataId);
    }
    if (transposeA) backend.disposeData(a2.dataId);
    if (transposeB) backend.disposeData(b2.dataId);
    (out as { shape: number[] }).shape = [...outer, m, n];
    return out;
  };
  const wrapped = run as Wrapped;
  wrapped[STOCK] = stock;
  return wrapped;
}

/**
 * Registers `perMatrixBatchMatMul` as the wasm backend's BatchMatMul. Call after `@tensorflow/tfjs-backend-wasm` was
 * imported (its kernels register on import), before or after the backend started. Returns false when the wasm
 * backend's kernels are not registered. Installing twice keeps one wrapper.
 */
export function installWasmBatchMatMul(): boolean {
  const config = tf.getKernel('BatchMatMul', 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!config || !transpose) return false;
  if ((config.kernelFunc as Wrapped)[STOCK]) return true;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({ ...config, kernelFunc: perMatrixBatchMatMul(config.kernelFunc, transpose.kernelFunc) });
  return true;
}

/** Puts tfjs's own wasm BatchMatMul back; does nothing when it is already there. */
export function uninstallWasmBatchMatMul(): void {
  const config = tf.getKernel('BatchMatMul', 'wasm');
  const stock = config ? (config.kernelFunc as Wrapped)[STOCK] : undefined;
  if (!config || !stock) return;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({ ...config, kernelFunc: stock });
}

/** Whether the wasm backend's BatchMatMul is the one installed here. */
export function wasmBatchMatMulInstalled(): boolean {
  const config = tf.getKernel('BatchMatMul', 'wasm');
  return Boolean(config && (config.kernelFunc as Wrapped)[STOCK]);
}

/** `'fast'` installs the kernel, `'stock'` puts tfjs's back: the bench's switch between the two. */
export function setWasmBatchMatMul(kind: 'fast' | 'stock'): void {
  if (kind === 'fast') installWasmBatchMatMul();
  else uninstallWasmBatchMatMul();
}
