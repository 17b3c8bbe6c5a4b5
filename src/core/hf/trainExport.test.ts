/**
 * What a person downloads is what they trained: an imported checkpoint trained a few steps, exported, and read back
 * by the independent Hugging Face reference forward gives the trained studio model's logits. And a checkpoint the
 * studio cannot represent (an untied head) is refused, not silently changed.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import { mulberry32 } from '../util/random';
import { disposeGptCaches, disposeGptParams, gptLoss } from '../model/gpt';
import { exportHfModel } from './exportModel';
import { HfImportError } from './files';
import { importHfModel } from './importModel';
import { paramsFromArrays, readParams } from '../model/paramArrays';
import { parseSafetensors, writeSafetensors, type TensorToWrite } from '../model/safetensors';
import { tinyHfCheckpoint, type TinyHfSpec } from './testing/hfFixtures';
import { hfLogits, type HfTensor } from './testing/hfReference';
import { importedLogits, maxAbsDiff } from './testing/importedLogits';

beforeAll(async () => {
  await setNodeBackend('cpu');
});
afterAll(() => disposeGptCaches());

function readAll(bytes: Uint8Array): Record<string, HfTensor> {
  const st = parseSafetensors(bytes);
  return Object.fromEntries(st.entries.map((e) => [e.name, { shape: e.shape, data: st.read(e.name).data }]));
}

/** `steps` plain gradient steps on a fixed random batch (enough to move every trainable parameter). */
async function trainImported(spec: TinyHfSpec, steps: number, lr: number) {
  const imported = importHfModel(tinyHfCheckpoint(spec).files);
  const { config } = imported;
  const vars = paramsFromArrays(config, imported.params);
  const next = mulberry32(9);
  const B = 2;
  const T = config.contextLength;
  const ids = Int32Array.from({ length: B * T }, () => Math.floor(next() * config.vocabSize));
  const targets = Int32Array.from({ length: B * T }, () => Math.floor(next() * config.vocabSize));
  const mask = Float32Array.from({ length: B * T }, (_, i) => (i % T >= 2 ? 1 : 0));
  for (let s = 0; s < steps; s++) {
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() =>
        gptLoss(
          config,
          vars,
          tf.tensor2d(ids, [B, T], 'int32'),
          tf.tensor2d(targets, [B, T], 'int32'),
          tf.tensor2d(mask, [B, T]),
        ),
      );
      for (const v of Object.values(vars)) v.assign(tf.sub(v, tf.mul(grads[v.name]!, lr)));
    });
  }
  const params = await readParams(vars);
  disposeGptParams(vars);
  return { imported, trained: { config, params } };
}

describe('import → train → export', () => {
  for (const spec of [
    { architecture: 'gpt_neo', seed: 31 },
    { architecture: 'gpt2', seed: 32 },
  ] as TinyHfSpec[]) {
    it(`${spec.architecture}: the exported folder's logits are the trained studio model's (≤ 1e-4)`, async () => {
      const { imported, trained } = await trainImported(spec, 20, 0.05);
      const out = exportHfModel({ ...trained, source: imported.source });
      const ids = [259, 5, 270, 71, 200, 12, 276, 3];
      const exported = hfLogits(
        JSON.parse(out.files['config.json'] as string),
        readAll(out.files['model.safetensors'] as Uint8Array),
        ids,
      );
      const studio = importedLogits(trained, ids);
      expect(maxAbsDiff(studio, exported)).toBeLessThan(1e-4);
      expect(out.notes.join(' ')).not.toMatch(/query bias/);
      // Training moved the model: the check above compares a trained model, not the import.
      expect(maxAbsDiff(importedLogits(imported, ids), exported)).toBeGreaterThan(1e-2);
    });
  }
});

describe('an untied output head', () => {
  /** The fixture's folder with lm_head.weight replaced by other values (a head that is not the token table). */
  function untied(spec: TinyHfSpec) {
    const fx = tinyHfCheckpoint({ ...spec, lmHead: true, buffers: false });
    const st = parseSafetensors(fx.files['model.safetensors'] as Uint8Array);
    const tensors: Record<string, TensorToWrite> = {};
    for (const e of st.entries) {
      const t = st.read(e.name);
      const data =
        e.name === 'lm_head.weight'
          ? (t.data as Float32Array).map((x, i) => x + (i % 7 === 0 ? 0.01 : 0))
          : (t.data as Float32Array);
      tensors[e.name] = { dtype: 'F32', shape: e.shape, data };
    }
    return { ...fx.files, 'model.safetensors': writeSafetensors(tensors, { format: 'pt' }) };
  }

  for (const architecture of ['gpt2', 'gpt_neo'] as const) {
    it(`${architecture}: lm_head.weight different from wte is refused with the reason (transformers would keep it apart)`, () => {
      const files = untied({ architecture });
      expect(() => importHfModel(files)).toThrow(HfImportError);
      expect(() => importHfModel(files)).toThrow(/lm_head\.weight differs from the token table .*untied output head/);
      // A stored head equal to the table is the tied head: imported, and written back on export.
      const tied = importHfModel(tinyHfCheckpoint({ architecture, lmHead: true }).files);
      expect(tied.source.hadLmHead).toBe(true);
    });
  }

  it('tie_word_embeddings: false is refused with the reason', () => {
    const fx = tinyHfCheckpoint({ architecture: 'gpt2' });
    const config = JSON.stringify({ ...fx.configJson, tie_word_embeddings: false });
    expect(() => importHfModel({ ...fx.files, 'config.json': config })).toThrow(
      /tie_word_embeddings is false.*ties the head to the token table/,
    );
  });
});
