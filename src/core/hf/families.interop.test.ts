/**
 * Llama, Qwen2 and Qwen3 against transformers itself: python/tiny_families.py writes tiny random checkpoints
 * (grouped attention 4/2 heads, tied and untied heads, Llama 3's rope scaling, q/k/v/o and MLP biases, Qwen3's own
 * head_dim and q/k norms, one saved in bfloat16) with transformers' logits, cached decoding, masked-loss gradient and
 * Trainer decay list. The studio imports each folder and must agree; its export must load in transformers with no
 * missing or unexpected key and give the same logits, in float32 and in bfloat16.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPython } from '../../testing/python.node';
import { setNodeBackend } from '../kernels/nodeBackends';
import type { GptConfig } from '../model/config';
import {
  decayMask,
  disposeGptParams,
  gptForwardCached,
  gptHead,
  gptLogits,
  gptLoss,
  keyPaddingMask,
  type GptCache,
  type GptParams,
} from '../model/gpt';
import { saveCheckpoint } from '../model/checkpoint';
import { paramsFromArrays } from '../model/paramArrays';
import { CharTokenizer } from '../tokenizer/charTokenizer';
import { exportHfModel, type HfExportDtype } from './exportModel';
import { exportRunAsHf } from './exportRun';
import { HF_FAMILIES } from './families';
import { importHfModel, type HfImport } from './importModel';
import { maxAbsDiff } from './testing/importedLogits';
import { writeWeightMap } from './weightMap';

// Measured (cpu backend, deterministic): logits ≤ 6.7e-6 off transformers' (llama3-scaled rope), cached decoding
// ≤ 7.6e-6 off transformers' and 0 off our full forward; gradients ≤ 6.7e-6 (the tied token table of
// llama_llama3_tied, whose entries reach 3.8; the others ≤ 2.3e-6): the 1e-5 of issue #24, a thin margin on that one.
const LOGITS_TOLERANCE = 1e-4;
const CACHED_VS_FULL_TOLERANCE = 1e-5;
const GRAD_TOLERANCE = 1e-5;
// An f32 model exported as bf16 moves its logits by rounding (measured ≤ 0.23): only a bound that catches garbage.
const BF16_ROUNDING_BOUND = 0.5;

const VARIANTS = ['llama', 'llama_llama3_tied', 'llama_bias', 'qwen2', 'qwen3', 'qwen3_bf16'] as const;

interface Reference {
  ids: number[][];
  targets: number[][];
  mask: number[][];
  prefill: number;
  logits: number[];
  cached_logits: number[];
  loss: number;
  grads: Record<string, number[]>;
  decay: string[];
  parameters: string[];
}

let root: string;
beforeAll(async () => {
  await setNodeBackend('cpu');
  root = mkdtempSync(join(tmpdir(), 'studio-families-'));
  const made = JSON.parse(runPython('python/tiny_families.py', [root])) as string[];
  expect(made).toEqual([...VARIANTS].sort());
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function folder(dir: string): Record<string, Uint8Array> {
  return Object.fromEntries(readdirSync(dir).map((n) => [n, new Uint8Array(readFileSync(join(dir, n)))]));
}

const ids2d = (rows: number[][]) => tf.tensor2d(rows, undefined, 'int32');

function logitsOf(config: GptConfig, params: GptParams, rows: number[][]): Float32Array {
  return tf.tidy(() => gptLogits(config, params, ids2d(rows)).dataSync() as Float32Array);
}

/** A prefill of `prefill` columns, then one column per step, as the reference decodes: logits [B, T, V] flat. */
function cachedLogitsOf(config: GptConfig, params: GptParams, rows: number[][], prefill: number): Float32Array {
  return tf.tidy(() => {
    const [B, T] = [rows.length, rows[0]!.length];
    const keyPadding = keyPaddingMask(
      rows.map(() => 0),
      T,
    );
    let cache: GptCache | null = null;
    const out: tf.Tensor[] = [];
    for (let at = 0; at < T;) {
      const n = at === 0 ? prefill : 1;
      const cols = (f: (t: number, b: number) => number) =>
        tf.tensor2d(
          rows.map((r, b) => r.slice(at, at + n).map((_, j) => f(at + j, b))),
          [B, n],
          'int32',
        );
      const r = gptForwardCached(
        config,
        params,
        cols((t, b) => rows[b]![t]!),
        cols((t) => t),
        keyPadding,
        cache,
      );
      out.push(tf.reshape(gptHead(params, r.hidden), [B, n, config.vocabSize]));
      cache = r.cache;
      at += n;
    }
    return tf.concat(out, 1).dataSync() as Float32Array;
  });
}

/** The masked loss's gradient, in the checkpoint's names and layout (the export's weight map applied to it). */
function checkpointGrads(imported: HfImport, params: GptParams, ref: Reference): Record<string, Float32Array> {
  const { config, source } = imported;
  const grads = tf.tidy(() => {
    const { grads } = tf.variableGrads(
      () => gptLoss(config, params, ids2d(ref.ids), ids2d(ref.targets), tf.tensor2d(ref.mask)),
      Object.values(params),
    );
    return grads;
  });
  const arrays = Object.fromEntries(
    Object.entries(params).map(([name, v]) => [name, grads[v.name]!.dataSync() as Float32Array]),
  );
  Object.values(grads).forEach((g) => g.dispose());
  const tensors = writeWeightMap(
    HF_FAMILIES[source.architecture].weights,
    config,
    arrays,
    source.wpeTail,
    source.prefix,
  );
  return Object.fromEntries(Object.entries(tensors).map(([n, t]) => [n, t.data as Float32Array]));
}

function exportAndLoad(imported: HfImport, dtype: HfExportDtype, rows: number[][]): number[] {
  const out = exportHfModel({ config: imported.config, params: imported.params, source: imported.source, dtype });
  const dir = mkdtempSync(join(root, `export-${dtype}-`));
  for (const [name, content] of Object.entries(out.files)) writeFileSync(join(dir, name), content);
  // hf_logits.py fails unless the folder loads with no missing, unexpected or mismatched key.
  const hf = JSON.parse(runPython('python/hf_logits.py', [dir, JSON.stringify(rows)])) as { logits: number[] };
  return hf.logits;
}

describe('Llama, Qwen2 and Qwen3 equal transformers', () => {
  for (const variant of VARIANTS) {
    it(`${variant}: logits, cached decoding, masked-loss gradients, decay, export f32 and bf16`, () => {
      const dir = join(root, variant);
      const ref = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as Reference;
      const imported = importHfModel(folder(dir));
      const params = paramsFromArrays(imported.config, imported.params);
      try {
        const full = logitsOf(imported.config, params, ref.ids);
        expect(maxAbsDiff(full, ref.logits), 'logits').toBeLessThanOrEqual(LOGITS_TOLERANCE);
        const cached = cachedLogitsOf(imported.config, params, ref.ids, ref.prefill);
        expect(maxAbsDiff(cached, ref.cached_logits), 'cached logits').toBeLessThanOrEqual(LOGITS_TOLERANCE);
        expect(maxAbsDiff(cached, full), 'cached vs full').toBeLessThanOrEqual(CACHED_VS_FULL_TOLERANCE);

        const grads = checkpointGrads(imported, params, ref);
        expect(Object.keys(grads).sort()).toEqual(Object.keys(ref.grads).sort());
        for (const [name, g] of Object.entries(ref.grads))
          expect(maxAbsDiff(grads[name]!, g), `gradient of ${name}`).toBeLessThanOrEqual(GRAD_TOLERANCE);

        const decayed = new Set(ref.decay);
        for (const [ours, theirs] of Object.entries(imported.source.names))
          for (const name of theirs) expect(decayMask(ours), `decay of ${ours} (${name})`).toBe(decayed.has(name));
        expect(Object.values(imported.source.names).flat().sort()).toEqual(ref.parameters);

        for (const dtype of ['float32', 'bfloat16'] as const) {
          const hf = exportAndLoad(imported, dtype, ref.ids);
          // bf16 rounding moves an f32 model's logits; the bf16 variant's weights are bf16 already, so it must not.
          const exact = dtype === 'float32' || variant.endsWith('bf16');
          if (exact) expect(maxAbsDiff(full, hf), `export ${dtype}`).toBeLessThanOrEqual(LOGITS_TOLERANCE);
          else expect(maxAbsDiff(full, hf), `export ${dtype}`).toBeLessThan(BF16_ROUNDING_BOUND);
        }
      } finally {
        disposeGptParams(params);
      }
    });
  }

  for (const variant of ['llama_llama3_tied', 'qwen3'] as const) {
    it(`${variant}: a run's checkpoint (moved weights) exported by exportRunAsHf loads in transformers with its logits`, () => {
      const dir = join(root, variant);
      const ref = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as Reference;
      const files = folder(dir);
      const imported = importHfModel(files);
      const params = paramsFromArrays(imported.config, imported.params);
      try {
        // Stands in for training: every parameter moved, the head and norms included.
        tf.tidy(() => Object.values(params).forEach((v, i) => v.assign(tf.mul(v, 1 + 0.05 * ((i % 5) - 2)))));
        const moved = logitsOf(imported.config, params, ref.ids);
        expect(maxAbsDiff(moved, ref.logits)).toBeGreaterThan(1e-2);
        // Any tokenizer of the model's vocabulary size: the export writes none for a char tokenizer.
        const specials = new CharTokenizer([]).vocabSize;
        const alphabet = Array.from({ length: imported.config.vocabSize - specials }, (_, i) =>
          String.fromCharCode(0x61 + i),
        );
        const bytes = saveCheckpoint({ config: imported.config, tokenizer: new CharTokenizer(alphabet), params });
        const out = exportRunAsHf(files, bytes);
        const exportDir = mkdtempSync(join(root, 'run-'));
        for (const [name, content] of Object.entries(out.files)) writeFileSync(join(exportDir, name), content);
        const hf = JSON.parse(runPython('python/hf_logits.py', [exportDir, JSON.stringify(ref.ids)])) as {
          logits: number[];
        };
        expect(maxAbsDiff(moved, hf.logits)).toBeLessThanOrEqual(LOGITS_TOLERANCE);
      } finally {
        disposeGptParams(params);
      }
    });
  }
});
