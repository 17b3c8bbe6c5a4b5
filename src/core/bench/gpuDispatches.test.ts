import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import { describeAdapter, startDawnWebGPU } from '../kernels/webgpu/dawnNode';
import { countWebGPUDispatches } from './gpuDispatches';

afterAll(async () => {
  await setNodeBackend('cpu');
});

describe('countWebGPUDispatches', () => {
  it('counts programs run on webgpu, not the free Identity and Reshape kernels tf.profile lists', async () => {
    console.log(`dispatch count on webgpu: ${describeAdapter(await startDawnWebGPU())}`);
    // Large enough that webgpu does not hand the Add to its cpu fallback (it does below ~1 000 elements).
    const a = tf.ones([64, 64]);
    const { result, dispatches } = await countWebGPUDispatches(async () => {
      const profile = await tf.profile(() => tf.add(tf.reshape(tf.clone(a), [4096]), 1));
      return profile.kernels.map((k) => k.name);
    });
    expect(result).toEqual(['Identity', 'Reshape', 'Add']);
    expect(dispatches).toBe(1);
    a.dispose();
  });

  it('is null off webgpu', async () => {
    await setNodeBackend('cpu');
    expect((await countWebGPUDispatches(async () => 0)).dispatches).toBeNull();
  });
});
