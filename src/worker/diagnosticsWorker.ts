/// <reference lib="webworker" />
// Diagnostics in a worker of their own, so a check or a benchmark never shares tfjs (or the GPU device) with a
// training run's worker: a backend-agreement check against cpu, a training-step benchmark, and a speed probe.
import * as tf from '@tensorflow/tfjs-core';
import { gptConfigFromPreset, validateGptConfig } from '../core/model/config';
import { checkBackendAgreement, summarizeAgreement, syntheticAgreementBatch } from '../core/train/backendAgreement';
import { measureSpeed } from '../core/bench/speedProbe';
import { benchInterleaved, benchTrainingStepAndFree } from '../core/bench/stepBench';
import { chooseBackend } from './backends';
import type { DiagnosticsRequest, DiagnosticsResponse } from './diagnosticsProtocol';

const scope = self as DedicatedWorkerGlobalScope;
const post = (message: DiagnosticsResponse) => scope.postMessage(message);

/** chooseBackend registered every backend (webgpu, wasm with its binaries); switching is then plain tfjs. */
async function setBackend(name: string): Promise<void> {
  if (!(await tf.setBackend(name)))
    throw new Error(`tfjs could not switch to the ${name} backend in the diagnostics worker.`);
  await tf.ready();
}

async function handle(request: DiagnosticsRequest): Promise<void> {
  const { id } = request;
  const choice = await chooseBackend(request.backend, {
    wasmThreads: request.type === 'bench' ? request.wasmThreads : undefined,
  });
  if (request.type === 'agreement') {
    const config = gptConfigFromPreset(request.preset ?? 'micro', request.vocabSize ?? 64);
    const batchSize = request.batchSize ?? 4;
    post({ type: 'progress', id, message: `one training step on cpu, then on ${choice.name}…` });
    const report = await checkBackendAgreement({
      backends: ['cpu', choice.name],
      setBackend,
      config,
      seed: request.seed ?? 1,
      batch: syntheticAgreementBatch(config, batchSize, request.seed ?? 1),
    });
    post({ type: 'agreement', id, choice, config, batchSize, summary: summarizeAgreement(report) });
    return;
  }
  if (request.type === 'speed') {
    const speed = await measureSpeed({
      config: validateGptConfig(request.config),
      batchSize: request.batchSize,
      seqLen: request.seqLen,
      onProgress: (message) => post({ type: 'progress', id, message: `${choice.name}: ${message}` }),
    });
    post({ type: 'speed', id, choice, speed });
    return;
  }
  const config = validateGptConfig(request.model);
  const progress = (message: string) => post({ type: 'progress', id, message: `${choice.name}: ${message}` });
  if (request.type === 'benchInterleaved') {
    const result = await benchInterleaved(
      { config, batchSize: request.batchSize },
      request.variants,
      request.rounds,
      progress,
    );
    post({ type: 'benchInterleaved', id, choice, result });
    return;
  }
  const result = await benchTrainingStepAndFree({
    config,
    batchSize: request.batchSize,
    warmupSteps: request.warmupSteps,
    runs: request.runs,
    stepsPerRun: request.stepsPerRun,
    loss: request.loss,
    wasmMatMul: request.wasmMatMul,
    profile: request.profile,
    onProgress: progress,
  });
  post({ type: 'bench', id, choice, result });
}

scope.onmessage = (event: MessageEvent<DiagnosticsRequest>) => {
  const request = event.data;
  handle(request).catch((error: unknown) => {
    post({ type: 'error', id: request.id, message: error instanceof Error ? error.message : String(error) });
  });
};
