/// <reference types="@webgpu/types" />
// Bundled by e2e/webgpu-regression.spec.ts (esbuild) and run in Chromium on the real WebGPU device.
// It imports the worker's backend module, so it tests the studio's own setup of the webgpu backend.
import * as tf from '@tensorflow/tfjs-core';
import { chooseBackend } from '../src/worker/backends';
import { gptConfigFromPreset } from '../src/core/model/config';
import { decayMask, disposeGptCaches, disposeGptParams, gptLoss, initGptParams } from '../src/core/model/gpt';
import { AdamW, lossAndGrads } from '../src/core/train/optimizer';
import { syntheticAgreementBatch } from '../src/core/train/backendAgreement';

export interface RegressionResult {
  maxStorageBuffersPerShaderStage: number;
  /** tf.addN of k GPU tensors: what came back and what it should be. */
  addN: { k: number; got: number[]; want: number[] }[];
  /** AdamW with more flat groups than one AddN shader may bind, one step on each backend from the same init. */
  adamw: {
    groups: number;
    cpu: { loss: number; norm: number };
    webgpu: { loss: number; norm: number };
    /** max |param_webgpu − param_cpu| / lr after the step, and how many weights are off by more than 1 % of lr. */
    maxParamDiffRelLr: number;
    weightsOff: number;
    weights: number;
  };
  /** WebGPU validation errors the device reported (tfjs does not listen for them itself). */
  errors: string[];
}

const LR = 1e-3;

async function adamwStep(backend: string) {
  await tf.setBackend(backend);
  await tf.ready();
  const config = gptConfigFromPreset('micro', 53);
  const params = initGptParams(config, 1);
  // Small groups: the optimizer's norm is tf.addN over one partial sum per group, so > 7 groups exceed the limit.
  const opt = new AdamW(params, {
    beta1: 0.9,
    beta2: 0.95,
    eps: 1e-8,
    weightDecay: 0.1,
    clipNorm: 1,
    decay: decayMask,
    maxGroupElements: 1024,
  });
  const batch = syntheticAgreementBatch(config, 4, 1);
  const shape: [number, number] = [batch.batchSize, batch.seqLen];
  const [lossT, normT] = tf.tidy(() => {
    const ids = tf.tensor2d(batch.ids, shape, 'int32');
    const targets = tf.tensor2d(batch.targets, shape, 'int32');
    const mask = tf.tensor2d(batch.mask, shape, 'float32');
    const { value, grads } = lossAndGrads(params, () => gptLoss(config, params, ids, targets, mask));
    const norm = opt.apply(grads, LR, { loss: value });
    return [value, norm];
  });
  const names = Object.keys(params).sort();
  const flat = tf.tidy(() => tf.concat(names.map((n) => tf.reshape(params[n]!, [-1]))));
  const [loss, norm, weights] = [
    (await lossT.data())[0]!,
    (await normT.data())[0]!,
    (await flat.data()) as Float32Array,
  ];
  const groups = opt.groupNames.length;
  tf.dispose([lossT, normT, flat]);
  opt.dispose();
  disposeGptParams(params);
  disposeGptCaches();
  return { loss, norm, weights, groups };
}

async function run(): Promise<RegressionResult> {
  await chooseBackend('webgpu');
  const device = (tf.backend() as unknown as { device: GPUDevice }).device;
  const errors: string[] = [];
  device.addEventListener('uncapturederror', (e) =>
    errors.push((e as GPUUncapturedErrorEvent).error.message.split('\n')[0]!),
  );

  const addN: RegressionResult['addN'] = [];
  for (const k of [2, 7, 8, 9, 16, 30]) {
    const xs = Array.from({ length: k }, (_, i) => tf.mul(tf.tensor1d([i + 1, -(i + 1), 0.5]), 1)); // computed: on the GPU
    const sum = tf.addN(xs);
    addN.push({ k, got: Array.from(await sum.data()), want: [(k * (k + 1)) / 2, -(k * (k + 1)) / 2, 0.5 * k] });
    tf.dispose([...xs, sum]);
  }

  const gpu = await adamwStep('webgpu');
  await device.queue.onSubmittedWorkDone();
  const cpu = await adamwStep('cpu');
  let maxDiff = 0;
  let off = 0;
  for (let i = 0; i < cpu.weights.length; i++) {
    const d = Math.abs(gpu.weights[i]! - cpu.weights[i]!) / LR;
    if (!(d <= maxDiff)) maxDiff = Number.isNaN(d) ? Infinity : Math.max(maxDiff, d);
    if (!(d <= 0.01)) off++;
  }
  return {
    maxStorageBuffersPerShaderStage: device.limits.maxStorageBuffersPerShaderStage,
    addN,
    adamw: {
      groups: gpu.groups,
      cpu: { loss: cpu.loss, norm: cpu.norm },
      webgpu: { loss: gpu.loss, norm: gpu.norm },
      maxParamDiffRelLr: maxDiff,
      weightsOff: off,
      weights: cpu.weights.length,
    },
    errors,
  };
}

(window as unknown as { runWebGPURegression: typeof run }).runWebGPURegression = run;
