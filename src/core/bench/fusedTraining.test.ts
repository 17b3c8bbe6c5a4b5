import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { openStepSession } from './stepBench';
import { validateGptConfig, type GptConfig } from '../model/config';
import { disposeGptCaches } from '../model/gpt';
import { ADAMW_KERNELS, FUSED_KERNELS } from '../kernels/fusedKernelNames';
import { setNodeBackend } from '../kernels/nodeBackends';
import { describeAdapter, startDawnWebGPU } from '../kernels/webgpu/dawnNode';

// The fused path trained on webgpu (Dawn) against the composite path trained on cpu: same model, batch and AdamW,
// 20 steps; every step's loss must agree to float32 accuracy, and the fused run must really run the fused kernels.
// Two models between them run every fused kernel: a GPT-2 (LayerNorm, bias + GELU) and a Llama-shaped one (RMSNorm,
// rotary positions, SwiGLU, grouped attention).
//
// Measured on Dawn/SwiftShader against cpu over 50 steps, seeds 3, 4 and 5: |Δloss| ≤ 4.8e-7 (one float32 ulp at
// a loss of 4) at every step, as large in steps 1–20 as in 21–50, so the differences do not compound and 20 steps
// check what 50 did (the reference loss falls from 4.13 to 3.35 by step 20, so the comparison covers real updates).
const LOSS_TOL = 5e-6; // measured 4.8e-7 (GPT-2 and the Llama-shaped model alike, seed 3)

const GPT2_SHAPED = validateGptConfig({
  vocabSize: 64,
  contextLength: 16,
  layers: 1,
  width: 32,
  heads: 2,
  mlpRatio: 4,
  layerNormEps: 1e-5,
  attentionScale: 'sqrt',
});
const LLAMA_SHAPED = validateGptConfig({
  ...GPT2_SHAPED,
  heads: 4,
  kvHeads: 2,
  mlpRatio: 3,
  norm: 'rmsNorm',
  positions: 'rope',
  rope: { theta: 10000 },
  mlp: 'swiglu',
  attention: 'grouped',
  qkvBias: false,
  attnOutBias: false,
  mlpBias: false,
});
const STEPS = 20;

const K = FUSED_KERNELS;
const FAMILY_KERNELS: string[] = [K.rmsNorm, K.rmsNormGradX, K.rmsNormGradWeight, K.rope, K.swiglu, K.swigluGrad];
// Every fused kernel a training step runs (all but plain GELU: the MLP's is bias + GELU) and the optimizer's.
const STEP_KERNELS = [
  ...Object.values(FUSED_KERNELS).filter((k) => k !== K.gelu && k !== K.geluGrad),
  ...Object.values(ADAMW_KERNELS),
];
const FUSED_NAMES = new Set<string>([...Object.values(FUSED_KERNELS), ...Object.values(ADAMW_KERNELS)]);

/** Each step's loss, and the fused kernels the first step ran (tf.profile). */
async function losses(config: GptConfig): Promise<{ losses: number[]; fused: string[] }> {
  disposeGptCaches();
  const session = openStepSession({ config, batchSize: 4, seed: 3 });
  try {
    const out: number[] = [];
    const profile = await tf.profile(async () => {
      out.push((await session.timedRun(1)).loss);
    });
    for (let i = 1; i < STEPS; i++) out.push((await session.timedRun(1)).loss);
    return {
      losses: out,
      fused: [...new Set(profile.kernels.map((k) => k.name).filter((n) => FUSED_NAMES.has(n)))].sort(),
    };
  } finally {
    session.dispose();
    disposeGptCaches();
  }
}

afterAll(async () => {
  await setNodeBackend('cpu');
});

describe('fused training step', () => {
  it('gives the composite path’s losses over 20 steps, running every fused kernel (webgpu fused vs cpu composite)', async () => {
    await setNodeBackend('cpu');
    const reference = [await losses(GPT2_SHAPED), await losses(LLAMA_SHAPED)];
    for (const r of reference) expect(r.fused).toEqual([]);
    console.log(`fused training on webgpu: ${describeAdapter(await startDawnWebGPU())}`);
    const tensorsBefore = tf.memory().numTensors;
    const fused = [await losses(GPT2_SHAPED), await losses(LLAMA_SHAPED)];
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(fused[0]!.fused).toEqual(STEP_KERNELS.filter((k) => !FAMILY_KERNELS.includes(k)).sort());
    expect(fused[1]!.fused).toEqual(expect.arrayContaining(FAMILY_KERNELS));
    expect([...new Set([...fused[0]!.fused, ...fused[1]!.fused])].sort()).toEqual([...STEP_KERNELS].sort());
    for (const [m, name] of ['GPT-2', 'Llama'].entries()) {
      const [want, got] = [reference[m]!.losses, fused[m]!.losses];
      expect(want[STEPS - 1], name).toBeLessThan(want[0]! - 0.5); // it learns, so the comparison covers real updates
      for (let i = 0; i < STEPS; i++)
        expect(Math.abs(got[i]! - want[i]!), `${name} step ${i + 1}`).toBeLessThan(LOSS_TOL);
    }
  }, 600_000);
});
