// The studio's LoRA exports loaded by the reference stack: a few LoRA steps on a tiny GPT-2, exported merged (a plain
// Hugging Face folder) and as a peft adapter; transformers and peft must give the studio's logits within 1e-4.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPython } from '../../testing/python.node';
import { exportRunAsHf, exportRunAsPeft } from './exportRun';
import { setNodeBackend } from '../kernels/nodeBackends';
import { PAPER_HYPER } from '../train/hyper';
import type { RunConfig } from '../train/runConfig';
import type { RunEvent } from '../train/events';
import { PhasedRunner } from '../train/runner';
import { rec } from '../text/testing/toyData';
import { loadCheckpoint } from '../model/checkpoint';
import { disposeGptCaches, disposeGptParams, gptLogits } from '../model/gpt';
import { importHfFolder } from './importModel';
import { paramsFromArrays } from '../model/paramArrays';
import { addLoraAdapters, type LoraSettings } from '../model/lora';
import { tinyHfCheckpoint } from './testing/hfFixtures';
import { maxAbsDiff } from './testing/importedLogits';

const IDS = [
  [259, 5, 270, 71, 200, 12, 276, 3, 100, 33],
  [4, 150, 7, 88, 1, 264, 2, 9, 60, 61],
];

let dir: string;
beforeAll(async () => {
  await setNodeBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'lora-interop-'));
});
afterAll(() => {
  disposeGptCaches();
  rmSync(dir, { recursive: true, force: true });
});

function writeFolder(path: string, files: Record<string, Uint8Array | string>): void {
  mkdirSync(path, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(path, name), content);
}

/** A few LoRA steps on the imported model; the last checkpoint's bytes. */
async function trainLora(files: Record<string, Uint8Array | string>, lora: LoraSettings): Promise<Uint8Array> {
  const imported = importHfFolder(files);
  const params = addLoraAdapters(imported.config, paramsFromArrays(imported.config, imported.params), lora, 4);
  const records = Array.from({ length: 6 }, (_, i) => rec(`r${i}`, `say ${i}`, `ok ${'abcdef'[i]}${i}`));
  const config: RunConfig = {
    arm: { kind: 'easy-to-hard' },
    hyper: { ...PAPER_HYPER, lr: 5e-2, batchSize: 3, epochsPerPhase: 2, warmupRatio: 0 },
    seed: 2,
    logEvery: 2,
    evalEvery: 0,
    template: 'paper',
    contextLength: 16,
    lora,
  };
  let bytes: Uint8Array | undefined;
  const runner = new PhasedRunner({
    config,
    model: { config: imported.config, params },
    tokenizer: imported.tokenizer,
    phases: [records.slice(0, 3), records.slice(3)],
    onEvent: (e: RunEvent) => {
      if (e.type === 'checkpoint') bytes = e.bytes;
    },
  });
  const summary = await runner.run();
  runner.dispose();
  disposeGptParams(params);
  expect(summary.status).toBe('done');
  return bytes!;
}

describe.each<[string, 'gpt2' | 'gpt_neo', LoraSettings]>([
  [
    'GPT-2, every projection, adapters only',
    'gpt2',
    {
      rank: 4,
      alpha: 8,
      targets: ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'],
      biases: false,
      layerNorms: false,
    },
  ],
  [
    'GPT-2, c_attn and the MLP c_proj, with biases and LayerNorms',
    'gpt2',
    { rank: 2, alpha: 3, targets: ['attn.c_attn', 'mlp.c_proj'], biases: true, layerNorms: true },
  ],
  [
    'GPT-Neo, every projection, with LayerNorms',
    'gpt_neo',
    {
      rank: 3,
      alpha: 6,
      targets: ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'],
      biases: false,
      layerNorms: true,
    },
  ],
])('LoRA exports in transformers/peft: %s', (label, architecture, lora) => {
  it('merged folder and peft adapter give the studio’s logits within 1e-4', async () => {
    const fixture = tinyHfCheckpoint({ architecture, buffers: false, seed: 11, windowSize: 16 });
    const bytes = await trainLora(fixture.files, lora);
    const ck = loadCheckpoint(bytes);
    const ours = tf.tidy(
      () =>
        gptLogits(
          ck.config,
          ck.params,
          tf.tensor2d(IDS, [IDS.length, IDS[0]!.length], 'int32'),
        ).dataSync() as Float32Array,
    );
    // Trained adapters, not the base: the run moved the model.
    const B = ck.params['h.0.attn.c_attn.lora_B.weight']!.dataSync();
    expect(Math.max(...Array.from(B).map(Math.abs))).toBeGreaterThan(1e-3);
    disposeGptParams(ck.params);
    tf.dispose(Object.values(ck.optimizerState ?? {}));

    const root = join(dir, label.replace(/\W+/g, '-'));
    writeFolder(join(root, 'base'), fixture.files);
    writeFolder(join(root, 'merged'), exportRunAsHf(fixture.files, bytes).files);
    writeFolder(join(root, 'adapter'), exportRunAsPeft(fixture.files, bytes, 'tiny-gpt2').files);
    const out = JSON.parse(
      runPython('python/lora_logits.py', [
        join(root, 'base'),
        join(root, 'merged'),
        join(root, 'adapter'),
        JSON.stringify(IDS),
      ]),
    ) as {
      base: number[];
      merged: number[];
      peft: number[];
    };
    // A file peft could not match would leave the base model: the trained model is far from it.
    expect(maxAbsDiff(out.base, ours)).toBeGreaterThan(1e-2);
    expect(maxAbsDiff(out.merged, ours)).toBeLessThan(1e-4);
    expect(maxAbsDiff(out.peft, ours)).toBeLessThan(1e-4);
  });
});
