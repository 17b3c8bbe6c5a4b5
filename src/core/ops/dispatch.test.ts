import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import { fusableOp, fusedKernelsRegistered, setFusedKernels } from './dispatch';

const KERNELS = ['DispatchTestForward', 'DispatchTestBackward'];
const op = fusableOp(KERNELS, { composite: (x: number) => `composite ${x}`, fused: (x: number) => `fused ${x}` });

function register(name: string, backendName = 'cpu'): void {
  tf.registerKernel({ kernelName: name, backendName, kernelFunc: () => ({ dataId: {}, shape: [], dtype: 'float32' }) });
}

beforeAll(async () => {
  await setNodeBackend('cpu');
});
afterEach(() => {
  for (const name of KERNELS) if (tf.getKernel(name, 'cpu')) tf.unregisterKernel(name, 'cpu');
  for (const name of KERNELS) if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
  setFusedKernels(true);
});

describe('fusableOp', () => {
  it('runs the composite path until every kernel the fused one needs is registered for the current backend', () => {
    expect(op(1)).toBe('composite 1');
    register(KERNELS[0]!);
    expect(op.fusedNow()).toBe(false); // the backward kernel is still missing
    expect(op(2)).toBe('composite 2');
    register(KERNELS[1]!);
    expect(op.fusedNow()).toBe(true);
    expect(op(3)).toBe('fused 3');
    expect(fusedKernelsRegistered(KERNELS)).toBe(true);
  });

  it('asks the current backend, not another one that registered the kernels', async () => {
    for (const name of KERNELS) register(name, 'wasm');
    expect(op(1)).toBe('composite 1');
    await setNodeBackend('wasm');
    try {
      expect(op(2)).toBe('fused 2');
    } finally {
      await setNodeBackend('cpu');
    }
  });

  it('runs the composite path while the fused kernels are switched off, and either path on demand', () => {
    for (const name of KERNELS) register(name);
    setFusedKernels(false);
    expect(op(1)).toBe('composite 1');
    expect(fusedKernelsRegistered(KERNELS)).toBe(false);
    expect(op.fused(2)).toBe('fused 2');
    setFusedKernels(true);
    expect(op(3)).toBe('fused 3');
    expect(op.composite(4)).toBe('composite 4');
  });
});
