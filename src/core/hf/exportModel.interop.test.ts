/**
 * The studio's exports, loaded by `transformers` itself: a tiny GPT-2 and a tiny GPT-Neo (the golden folders of
 * python/make_golden.py) are imported, trained a few AdamW steps by the studio (its decay rule, its loss), exported
 * as a Hugging Face folder, and python/hf_logits.py loads that folder and computes logits on fixed ids: they equal
 * the trained studio model's within 1e-4.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runPython } from '../../testing/python.node';
import { goldenFolder } from '../golden/goldenFiles';
import { setNodeBackend } from '../kernels/nodeBackends';
import { AdamW, lossAndGrads } from '../train/optimizer';
import { mulberry32 } from '../util/random';
import { decayMask, disposeGptParams, gptLogits, gptLoss } from '../model/gpt';
import { exportHfModel } from './exportModel';
import { importHfModel } from './importModel';
import { paramsFromArrays, readParams } from '../model/paramArrays';
import { maxAbsDiff } from './testing/importedLogits';

beforeAll(async () => {
  await setNodeBackend('cpu');
});

const IDS = [
  [47, 3, 17, 8, 41, 0, 22, 5, 30, 12],
  [47, 29, 1, 44, 7, 7, 36, 15, 2, 40],
];

describe('transformers loads the studio exports', () => {
  for (const architecture of ['gpt2', 'gpt_neo'] as const) {
    it(`${architecture}: trained in the studio, exported, loaded by transformers: logits within 1e-4`, async () => {
      const imported = importHfModel(goldenFolder(architecture));
      const { config } = imported;
      const vars = paramsFromArrays(config, imported.params);
      const opt = new AdamW(vars, {
        beta1: 0.9,
        beta2: 0.95,
        eps: 1e-8,
        weightDecay: 0.1,
        clipNorm: 1,
        decay: decayMask,
      });
      const next = mulberry32(4);
      const [B, T] = [4, config.contextLength];
      const batch = () => Int32Array.from({ length: B * T }, () => Math.floor(next() * config.vocabSize));
      const ids = batch();
      const targets = batch();
      const mask = Float32Array.from({ length: B * T }, (_, i) => (i % T >= 3 ? 1 : 0));
      for (let step = 0; step < 10; step++) {
        tf.tidy(() => {
          const { grads } = lossAndGrads(vars, () =>
            gptLoss(
              config,
              vars,
              tf.tensor2d(ids, [B, T], 'int32'),
              tf.tensor2d(targets, [B, T], 'int32'),
              tf.tensor2d(mask, [B, T]),
            ),
          );
          opt.apply(grads, 1e-2);
        });
      }
      const studio = tf.tidy(
        () =>
          gptLogits(
            config,
            vars,
            tf.tensor2d(IDS.flat(), [IDS.length, IDS[0]!.length], 'int32'),
          ).dataSync() as Float32Array,
      );
      const trained = await readParams(vars);
      opt.dispose();
      disposeGptParams(vars);

      const out = exportHfModel({ config, params: trained, source: imported.source });
      const dir = mkdtempSync(join(tmpdir(), `studio-export-${architecture}-`));
      try {
        for (const [name, content] of Object.entries(out.files)) writeFileSync(join(dir, name), content);
        const hf = JSON.parse(runPython('python/hf_logits.py', [dir, JSON.stringify(IDS)])) as {
          architecture: string;
          logits: number[];
        };
        expect(hf.architecture).toBe(architecture);
        expect(maxAbsDiff(studio, hf.logits)).toBeLessThanOrEqual(1e-4);
        // Training moved the model away from the golden one, so this compares the trained weights.
        expect(maxAbsDiff(studio, importedGoldenLogits(architecture))).toBeGreaterThan(1e-2);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

function importedGoldenLogits(architecture: 'gpt2' | 'gpt_neo'): Float32Array {
  const imported = importHfModel(goldenFolder(architecture));
  const vars = paramsFromArrays(imported.config, imported.params);
  try {
    return tf.tidy(
      () =>
        gptLogits(
          imported.config,
          vars,
          tf.tensor2d(IDS.flat(), [IDS.length, IDS[0]!.length], 'int32'),
        ).dataSync() as Float32Array,
    );
  } finally {
    disposeGptParams(vars);
  }
}
