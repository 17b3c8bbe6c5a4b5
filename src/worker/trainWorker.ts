/// <reference lib="webworker" />
// Owns tfjs and the GPU: trains one run at a time and streams its events to the page.
import * as tf from '@tensorflow/tfjs-core';
import { countGptParams } from '../core/model/config';
import { disposeGptCaches } from '../core/model/gpt';
import { PhasedRunner, resumeFromCheckpoint, type RunnerInit } from '../core/train/runner';
import { startingModel } from '../core/train/modelSource';
import { heldOutExactMatch } from '../core/eval/heldOutExactMatch';
import { phaseSampler } from '../core/eval/phaseSampler';
import { formatOf } from '../core/text/recordFormat';
import { chooseBackend, watchWebGPUDevice } from './backends';
import type { TrainRequest, TrainResponse } from './trainProtocol';

const scope = self as DedicatedWorkerGlobalScope;
const post = (message: TrainResponse, transfer: Transferable[] = []) => scope.postMessage(message, transfer);

let runner: PhasedRunner | undefined;

async function start(request: Extract<TrainRequest, { type: 'start' }>): Promise<void> {
  const { runId } = request;
  const choice = await chooseBackend(request.backend);
  post({ type: 'backend', runId, choice });
  if (choice.name === 'webgpu') {
    watchWebGPUDevice((message) => {
      runner?.stop();
      post({ type: 'failed', runId, message });
    });
  }

  let init: RunnerInit;
  let notes: string[];
  if (request.model.kind === 'checkpoint' && request.model.resume) {
    const restored = resumeFromCheckpoint(new Uint8Array(request.model.bytes));
    init = { ...restored, phases: request.phases, heldOut: request.heldOut };
    notes = [`Resumed from step ${restored.resume.cursor.globalStep}.`];
  } else {
    const start = await startingModel(request.model as Parameters<typeof startingModel>[0], request.config, request, {
      tokenizerTexts: request.tokenizerTexts,
      adapter: choice.adapter,
    });
    init = {
      config: start.config,
      model: start.model,
      tokenizer: start.tokenizer,
      phases: request.phases,
      heldOut: request.heldOut,
    };
    notes = start.notes;
  }
  post({
    type: 'model',
    runId,
    config: init.model.config,
    parameters: countGptParams(init.model.config),
    vocabSize: init.tokenizer.vocabSize,
    notes,
  });

  const model = init.model;
  const template = formatOf(init.config.template);
  const sample = phaseSampler(model, init.tokenizer, request.heldOut, { template });
  runner = new PhasedRunner({
    ...init,
    maxSteps: request.maxSteps,
    afterPhase: async (stage, at) => {
      const snapshot = await sample(stage, at);
      if (snapshot) post({ type: 'samples', runId, snapshot });
    },
    onEvent: (event) => {
      if (event.type === 'checkpoint') {
        const bytes = event.bytes.slice();
        post({ type: 'event', runId, event: { ...event, bytes } }, [bytes.buffer]);
      } else post({ type: 'event', runId, event });
    },
  });
  for (const t of Object.values(init.resume?.optimizerState ?? {})) t.dispose();
  try {
    const { losses: _losses, ...summary } = await runner.run();
    runner.dispose();
    if (summary.status === 'done')
      post({
        type: 'exactMatch',
        runId,
        outcome: await heldOutExactMatch(model, init.tokenizer, request.heldOut, { template }),
      });
    for (const p of Object.values(init.model.params)) p.dispose();
    disposeGptCaches();
    const memory = tf.memory();
    post({ type: 'finished', runId, summary, memory: { numTensors: memory.numTensors, numBytes: memory.numBytes } });
  } finally {
    runner = undefined;
  }
}

scope.onmessage = (event: MessageEvent<TrainRequest>) => {
  const request = event.data;
  switch (request.type) {
    case 'start':
      if (runner) {
        post({
          type: 'failed',
          runId: request.runId,
          message: 'A run is already training in this tab; stop it first.',
        });
        return;
      }
      start(request).catch((error: unknown) => {
        runner = undefined;
        post({ type: 'failed', runId: request.runId, message: error instanceof Error ? error.message : String(error) });
      });
      break;
    case 'pause':
      runner?.pause();
      break;
    case 'resume':
      runner?.resume();
      break;
    case 'stop':
      runner?.stop();
      break;
  }
};
