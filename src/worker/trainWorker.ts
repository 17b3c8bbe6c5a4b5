/// <reference lib="webworker" />
// Owns tfjs and the GPU: trains one run at a time and streams its events to the page.
import * as tf from '@tensorflow/tfjs';
import { countGptParams } from '../core/model/config';
import { disposeGptCaches, initGptParams, type GptParams } from '../core/model/gpt';
import { CharTokenizer } from '../core/tokenizer/charTokenizer';
import { PhasedRunner, resumeFromCheckpoint, type RunnerInit } from '../core/train/runner';
import { loadCheckpoint } from '../core/model/checkpoint';
import { chooseBackend } from './backends';
import type { TrainRequest, TrainResponse } from './trainProtocol';

const scope = self as DedicatedWorkerGlobalScope;
const post = (message: TrainResponse, transfer: Transferable[] = []) => scope.postMessage(message, transfer);

let runner: PhasedRunner | undefined;

async function start(request: Extract<TrainRequest, { type: 'start' }>): Promise<void> {
  const { runId } = request;
  const choice = await chooseBackend(request.backend);
  post({ type: 'backend', runId, choice });

  let init: RunnerInit;
  if (request.model.kind === 'checkpoint' && request.model.resume) {
    const restored = resumeFromCheckpoint(new Uint8Array(request.model.bytes));
    init = { ...restored, phases: request.phases, heldOut: request.heldOut };
  } else {
    let params: GptParams;
    let tokenizer;
    let config;
    if (request.model.kind === 'checkpoint') {
      const ck = loadCheckpoint(new Uint8Array(request.model.bytes));
      for (const t of Object.values(ck.optimizerState ?? {})) t.dispose();
      ({ params, tokenizer, config } = ck);
    } else {
      tokenizer = CharTokenizer.fromTexts(request.tokenizerTexts ?? []);
      config = { ...request.model.config, vocabSize: tokenizer.vocabSize };
      params = initGptParams(config, request.model.seed);
    }
    init = { config: request.config, model: { config, params }, tokenizer, phases: request.phases, heldOut: request.heldOut };
  }
  post({
    type: 'model',
    runId,
    config: init.model.config,
    parameters: countGptParams(init.model.config),
    vocabSize: init.tokenizer.vocabSize,
  });

  runner = new PhasedRunner({
    ...init,
    maxSteps: request.maxSteps,
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
        post({ type: 'failed', runId: request.runId, message: 'A run is already training in this tab; stop it first.' });
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
