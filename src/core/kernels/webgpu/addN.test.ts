import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../nodeBackends';
import { chunkedAddN, installChunkedAddN, webgpuAddNMaxInputs } from './addN';
import { describeAdapter, startDawnWebGPU } from './dawnNode';

// On webgpu, AddN of ≥ 8 tensors was an invalid shader that silently dropped its whole command batch (see the module
// comment). The chunking logic is backend-independent, so it is checked here on cpu with a small limit; the browser
// test e2e/webgpu-regression.spec.ts runs it on a real WebGPU device, and the last block here on Dawn (WebGPU in Node).

beforeAll(async () => {
  await setNodeBackend('cpu');
});

function operands(n: number): { tensors: tf.Tensor[]; want: number[] } {
  const tensors = Array.from({ length: n }, (_, i) => tf.tensor2d([i, -2 * i, 0.5 * i, 1, i * i, -1], [2, 3]));
  const want = [0, 1, 2, 3, 4, 5].map((j) =>
    tensors.reduce((s, _, i) => s + [i, -2 * i, 0.5 * i, 1, i * i, -1][j]!, 0),
  );
  return { tensors, want };
}

describe('chunkedAddN', () => {
  it('never hands the inner kernel more tensors than the limit, and sums exactly what tf.addN would', () => {
    const original = tf.getKernel('AddN', 'cpu').kernelFunc;
    const calls: number[] = [];
    const spy: typeof original = (params) => {
      calls.push((params.inputs as unknown as unknown[]).length);
      return original(params);
    };
    const chunked = chunkedAddN(spy, () => 3);
    tf.unregisterKernel('AddN', 'cpu');
    tf.registerKernel({ kernelName: 'AddN', backendName: 'cpu', kernelFunc: chunked });
    try {
      for (const n of [1, 2, 3, 4, 7, 8, 9, 10, 28, 30]) {
        calls.length = 0;
        const { tensors, want } = operands(n);
        const before = tf.memory().numTensors;
        const dataIdsBefore = tf.engine().backend.numDataIds();
        const sum = tf.addN(tensors);
        expect(sum.shape).toEqual([2, 3]);
        expect(Array.from(sum.dataSync())).toEqual(want);
        expect(Math.max(...calls)).toBeLessThanOrEqual(3);
        // The partial sums are freed: only the result is new.
        expect(tf.memory().numTensors).toBe(before + 1);
        expect(tf.engine().backend.numDataIds()).toBe(dataIdsBefore + 1);
        tf.dispose([sum, ...tensors]);
      }
    } finally {
      tf.unregisterKernel('AddN', 'cpu');
      tf.registerKernel({ kernelName: 'AddN', backendName: 'cpu', kernelFunc: original });
    }
  });

  it('keeps gradients flowing through a chunked addN', () => {
    const restore = installChunkedAddN('cpu', () => 2)!;
    try {
      const xs = Array.from({ length: 9 }, (_, i) => tf.scalar(i + 1));
      const grads = tf.grads((...ts: tf.Tensor[]) => tf.square(tf.addN(ts)))(xs);
      // d/dx_i (Σx)² = 2·Σx = 90 for every input.
      expect(grads.map((g) => g.dataSync()[0])).toEqual(Array(9).fill(90));
      tf.dispose([...xs, ...grads]);
    } finally {
      restore();
    }
  });
});

describe('installChunkedAddN', () => {
  it('wraps once however often it is called, and restores the original kernel', () => {
    const original = tf.getKernel('AddN', 'cpu').kernelFunc;
    const first = installChunkedAddN('cpu', () => 2)!;
    const wrapped = tf.getKernel('AddN', 'cpu').kernelFunc;
    expect(wrapped).not.toBe(original);
    const second = installChunkedAddN('cpu', () => 2)!;
    const { tensors, want } = operands(5);
    const sum = tf.addN(tensors);
    expect(Array.from(sum.dataSync())).toEqual(want);
    tf.dispose([sum, ...tensors]);
    second();
    expect(tf.getKernel('AddN', 'cpu').kernelFunc).toBe(original);
    first();
    expect(tf.getKernel('AddN', 'cpu').kernelFunc).toBe(original);
  });

  it('does nothing for a backend without an AddN kernel', () => {
    expect(installChunkedAddN('no-such-backend')).toBeNull();
  });
});

describe('webgpuAddNMaxInputs', () => {
  it('is the device storage-buffer limit minus the output binding, WebGPU default 8 when unknown', () => {
    expect(webgpuAddNMaxInputs({ device: { limits: { maxStorageBuffersPerShaderStage: 8 } } })).toBe(7);
    expect(webgpuAddNMaxInputs({ device: { limits: { maxStorageBuffersPerShaderStage: 10 } } })).toBe(9);
    expect(webgpuAddNMaxInputs({})).toBe(7);
    expect(webgpuAddNMaxInputs({ device: { limits: { maxStorageBuffersPerShaderStage: 2 } } })).toBe(2);
  });
});

describe('tf.addN on webgpu (Dawn)', () => {
  beforeAll(async () => {
    const adapter = await startDawnWebGPU();
    console.log(`addN on webgpu: ${describeAdapter(adapter)}`);
  });
  afterAll(async () => {
    await setNodeBackend('cpu');
  });

  it('sums 30 tensors right, though one shader may bind at most 7 inputs', async () => {
    expect(tf.getBackend()).toBe('webgpu');
    for (const n of [2, 7, 8, 9, 30]) {
      const { tensors, want } = operands(n);
      const sum = tf.addN(tensors);
      expect(Array.from(await sum.data())).toEqual(want);
      tf.dispose([sum, ...tensors]);
    }
  });
});
