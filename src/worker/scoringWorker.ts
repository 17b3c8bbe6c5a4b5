/// <reference lib="webworker" />
// IFD and response loss in a worker of their own: a pretrained model (sent as checkpoint bytes) reads every record
// twice (with and without its instruction) on the fastest backend, and never shares tfjs or the GPU with a training
// run. One request per worker; the page cancels by terminating it, which also gives the GPU memory back at once.
import * as tf from '@tensorflow/tfjs-core';
import { scoreIfd, scoreResponseLoss, type ModelScoreResult } from '../core/difficulty/ifd';
import { loadCheckpoint } from '../core/model/checkpoint';
import { disposeGptParams } from '../core/model/gpt';
import { chooseBackend } from './backends';
import type { ScoringRequest, ScoringResponse } from './scoringProtocol';

const scope = self as DedicatedWorkerGlobalScope;
const post = (message: ScoringResponse, transfer: Transferable[] = []) => scope.postMessage(message, transfer);

async function handle(request: ScoringRequest): Promise<void> {
  const { id } = request;
  post({ type: 'status', id, message: 'Choosing a backend…' });
  const choice = await chooseBackend(request.backend);
  post({ type: 'status', id, message: `Loading ${request.modelName} on ${choice.name}…` });
  const ck = loadCheckpoint(new Uint8Array(request.modelBytes));
  for (const t of Object.values(ck.optimizerState ?? {})) t.dispose();
  const c = ck.config;
  const modelText = `${c.layers} layers, width ${c.width}, context ${c.contextLength}, ${ck.tokenizer.kind} tokenizer`;
  try {
    post({
      type: 'status',
      id,
      message: `Scoring ${request.records.length.toLocaleString('en-US')} records with ${request.modelName} (${modelText}) on ${choice.name}…`,
    });
    const model = { config: c, params: ck.params, tokenizer: ck.tokenizer };
    let lastPost = 0;
    const onProgress = (fraction: number) => {
      const now = performance.now();
      if (fraction < 1 && now - lastPost < 100) return;
      lastPost = now;
      post({ type: 'progress', id, fraction });
    };
    const started = performance.now();
    const options = { onProgress, ...(request.batchSize ? { batchSize: request.batchSize } : {}) };
    const result: ModelScoreResult =
      request.scorer === 'ifd'
        ? await scoreIfd(request.records, model, options)
        : await scoreResponseLoss(request.records, model, options);
    const d = result.details;
    post(
      {
        type: 'done',
        id,
        scorer: request.scorer,
        scores: result.scores,
        raw: result.raw,
        problems: result.problems,
        summary: {
          backend: choice.name,
          backendReason: choice.reason,
          model: modelText,
          seconds: (performance.now() - started) / 1000,
          truncated: d.truncated,
          batchShapes: d.batchShapes,
          readbacks: d.readbacks,
        },
      },
      [result.scores.buffer, result.raw.buffer],
    );
  } finally {
    disposeGptParams(ck.params);
    tf.disposeVariables();
  }
}

scope.onmessage = (event: MessageEvent<ScoringRequest>) => {
  const request = event.data;
  handle(request).catch((error: unknown) => {
    post({ type: 'error', id: request.id, message: error instanceof Error ? error.message : String(error) });
  });
};
