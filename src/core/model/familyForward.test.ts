import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import { gptParamShapes, type GptConfig } from './config';
import {
  decayMask,
  disposeGptParams,
  gptForwardCached,
  gptHead,
  gptLogits,
  initGptParams,
  keyPaddingMask,
  type GptCache,
  type GptParams,
} from './gpt';
import { randomizeGptParams } from './testing/randomParams';

// A Qwen3-like shape: rotary positions with Llama 3's scaling, RMSNorm, SwiGLU, 4 query heads over 2 key/value
// heads of headDim 6 (≠ width / heads), q/k norms, an untied head. The logits against transformers are checked in
// hf/families.interop.test.ts; here the forward's own consistency.
const QWEN3ISH: GptConfig = {
  vocabSize: 13,
  contextLength: 8,
  layers: 2,
  width: 16,
  heads: 4,
  mlpRatio: 4,
  layerNormEps: 1e-6,
  attentionScale: 'sqrt',
  qkvBias: false,
  norm: 'rmsNorm',
  positions: 'rope',
  rope: {
    theta: 10000,
    scaling: { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 4 },
  },
  mlp: 'swiglu',
  mlpHidden: 24,
  attention: 'grouped',
  kvHeads: 2,
  headDim: 6,
  qkNorm: true,
  attnOutBias: false,
  mlpBias: false,
  head: 'untied',
};

const IDS = [
  [1, 5, 7, 3, 9, 12],
  [2, 10, 2, 2, 4, 0],
];

let params: GptParams;
beforeAll(async () => {
  await setNodeBackend('cpu');
  params = initGptParams(QWEN3ISH, 3);
  randomizeGptParams(params, 5, { embeddings: 0.7, weights: 0.4 });
});
afterAll(() => disposeGptParams(params));

function fullLogits(rows: number[][]): number[][] {
  return tf.tidy(() =>
    (gptLogits(QWEN3ISH, params, tf.tensor2d(rows, undefined, 'int32')).arraySync() as number[][][]).flat(),
  );
}

function cachedLogits(rows: number[][], chunks: number[], pads: number[]): number[][] {
  return tf.tidy(() => {
    const B = rows.length;
    const keyPadding = keyPaddingMask(pads, rows[0]!.length);
    const positions = rows.map((r, b) => r.map((_, t) => Math.max(0, t - pads[b]!)));
    let cache: GptCache | null = null;
    const out: tf.Tensor[] = [];
    let at = 0;
    for (const n of chunks) {
      const ids = tf.tensor2d(
        rows.map((r) => r.slice(at, at + n)),
        [B, n],
        'int32',
      );
      const pos = tf.tensor2d(
        positions.map((r) => r.slice(at, at + n)),
        [B, n],
        'int32',
      );
      const r = gptForwardCached(QWEN3ISH, params, ids, pos, keyPadding, cache);
      out.push(tf.reshape(gptHead(params, r.hidden), [B, n, QWEN3ISH.vocabSize]));
      cache = r.cache;
      at += n;
    }
    for (const layer of cache!) {
      expect(layer.k.shape).toEqual([B, 2, rows[0]!.length, 6]); // kvHeads, un-repeated
    }
    return (tf.concat(out, 1).arraySync() as number[][][]).flat();
  });
}

const maxDiff = (a: number[][], b: number[][]) =>
  Math.max(...a.flatMap((row, i) => row.map((x, j) => Math.abs(x - b[i]![j]!))));

describe('the forward of a rotary, grouped, gated, untied family', () => {
  it('gives the full forward’s logits when cached, as a prefill or column by column', () => {
    const full = fullLogits(IDS);
    for (const chunks of [[6], [1, 1, 1, 1, 1, 1], [3, 2, 1]]) {
      expect(maxDiff(cachedLogits(IDS, chunks, [0, 0]), full), `${chunks}`).toBeLessThan(1e-5);
    }
  });

  it('hides left padding: a padded row gives, at its own positions, the logits it gives alone', () => {
    const padded = [[7, 7, ...IDS[0]!.slice(0, 4)], IDS[1]!];
    for (const chunks of [[6], [3, 1, 1, 1]]) {
      const got = cachedLogits(padded, chunks, [2, 0]);
      expect(maxDiff(got.slice(2, 6), fullLogits([IDS[0]!.slice(0, 4)]))).toBeLessThan(1e-5);
      expect(maxDiff(got.slice(6), fullLogits([IDS[1]!]))).toBeLessThan(1e-5);
    }
  });

  it('moves the logits with every parameter kind: the untied head, the q/k norms, the rotation', () => {
    const base = fullLogits(IDS);
    for (const name of [
      'lm_head.weight',
      'h.1.attn.q_norm.weight',
      'h.0.attn.k_norm.weight',
      'h.0.mlp.up_proj.weight',
    ]) {
      const v = params[name]!;
      const saved = v.clone();
      tf.tidy(() => v.assign(tf.mul(v, 1.5)));
      expect(maxDiff(fullLogits(IDS), base), name).toBeGreaterThan(1e-3);
      v.assign(saved);
      saved.dispose();
    }
  });

  it('initialises norm weights to 1 and biases to 0, and decays neither', () => {
    const p = initGptParams({ ...QWEN3ISH, qkvBias: true }, 1);
    for (const [name] of gptParamShapes({ ...QWEN3ISH, qkvBias: true })) {
      const values = p[name]!.dataSync();
      const isNorm = /(ln_\d|ln_f|q_norm|k_norm)\.weight$/.test(name);
      if (isNorm)
        expect(
          [...values].every((x) => x === 1),
          name,
        ).toBe(true);
      if (name.endsWith('.bias'))
        expect(
          [...values].every((x) => x === 0),
          name,
        ).toBe(true);
      expect(decayMask(name), name).toBe(!isNorm && !name.endsWith('.bias'));
    }
    disposeGptParams(p);
  });
});
