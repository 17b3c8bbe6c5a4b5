import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBaseTokenizer } from '../src/core/demo/pretrainCorpus';
import { loadCheckpoint } from '../src/core/model/checkpoint';
import { GPT_PRESETS } from '../src/core/model/config';
import { disposeGptParams, gptLoss, initGptParams } from '../src/core/model/gpt';
import { lossAndGrads } from '../src/core/train/optimizer';
import { main, restoreWasmMatMul, speedUpWasmMatMul } from './make-base-model';
import { setNodeBackend } from './tfNode';

describe('speedUpWasmMatMul', () => {
  beforeAll(async () => {
    await setNodeBackend('wasm');
  });
  afterAll(() => restoreWasmMatMul());

  const both = (f: () => tf.Tensor): [Float32Array, Float32Array, number[], number[]] => {
    restoreWasmMatMul();
    const r0 = f();
    expect(speedUpWasmMatMul()).toBe(true);
    const r1 = f();
    const out: [Float32Array, Float32Array, number[], number[]] = [r0.dataSync() as Float32Array, r1.dataSync() as Float32Array, r0.shape, r1.shape];
    tf.dispose([r0, r1]);
    return out;
  };

  it('gives tfjs’s own products for every transpose and batch layout', () => {
    const cases: [number[], number[], boolean, boolean][] = [
      [[5, 7], [7, 3], false, false],
      [[5, 7], [3, 7], false, true],
      [[7, 5], [7, 3], true, false],
      [[7, 5], [3, 7], true, true],
      [[2, 3, 5, 7], [2, 3, 7, 4], false, false],
      [[2, 3, 5, 7], [2, 3, 4, 7], false, true],
      [[2, 3, 7, 5], [2, 3, 7, 4], true, false],
      [[1, 5, 7], [4, 7, 3], false, false],
      [[4, 5, 7], [1, 3, 7], false, true],
      [[6, 33, 40], [6, 40, 29], false, false],
    ];
    for (const [sa, sb, ta, tb] of cases) {
      const a = tf.randomNormal(sa, 0, 1, 'float32', 1);
      const b = tf.randomNormal(sb, 0, 1, 'float32', 2);
      const [v0, v1, s0, s1] = both(() => tf.matMul(a, b, ta, tb));
      expect(s1).toEqual(s0);
      for (let i = 0; i < v0.length; i++) expect(Math.abs(v0[i]! - v1[i]!)).toBeLessThan(1e-4);
      tf.dispose([a, b]);
    }
  });

  it('gives the same GPT loss and gradients, and leaks nothing', () => {
    const config = { ...GPT_PRESETS.micro, vocabSize: 40 };
    const params = initGptParams(config, 3);
    const ids = tf.tensor2d(Array.from({ length: 2 * 32 }, (_, i) => (i * 7) % 40), [2, 32], 'int32');
    const mask = tf.ones([2, 32]) as tf.Tensor2D;
    const grads = () =>
      tf.tidy(() => {
        const { value, grads: g } = lossAndGrads(params, () => gptLoss(config, params, ids, ids, mask));
        return tf.concat([tf.reshape(value, [1]), ...Object.values(g).map((x) => tf.reshape(x, [-1]))]);
      });
    speedUpWasmMatMul();
    grads().dispose();
    const before = tf.memory().numTensors;
    const [v0, v1] = both(grads);
    expect(tf.memory().numTensors).toBe(before);
    let worst = 0;
    for (let i = 0; i < v0.length; i++) worst = Math.max(worst, Math.abs(v0[i]! - v1[i]!) / (1e-3 + Math.abs(v0[i]!)));
    expect(worst).toBeLessThan(1e-3);
    tf.dispose([ids, mask]);
    disposeGptParams(params);
  });
});

describe('npm run make:base -- --micro', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'base-model-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    restoreWasmMatMul();
  });

  it('pretrains a micro model and writes a loadable checkpoint with the base tokenizer and a README', async () => {
    const logs: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => void logs.push(args.join(' '));
    try {
      await main(['--micro', '--out', dir, '--steps', '8']);
    } finally {
      console.log = log;
    }
    const bytes = new Uint8Array(readFileSync(join(dir, 'base.safetensors')));
    const ck = loadCheckpoint(bytes);
    try {
      expect(ck.config).toMatchObject({ ...GPT_PRESETS.micro, vocabSize: createBaseTokenizer().vocabSize });
      expect(ck.tokenizer.toJSON()).toEqual(createBaseTokenizer().toJSON());
      expect(ck.optimizerState).toBeUndefined();
      expect(ck.meta['base.steps']).toBe('8');
      expect(Number(ck.meta['base.heldOutLoss'])).toBeGreaterThan(0);
    } finally {
      disposeGptParams(ck.params);
    }
    expect(statSync(join(dir, 'base.safetensors')).size).toBeLessThan(8e6);
    // The loss curve is printed and goes down from ln(vocab) ≈ 4.1.
    const curve = logs.filter((l) => /^step +\d/.test(l)).map((l) => Number(/loss (\S+)/.exec(l)![1]));
    expect(curve.length).toBe(4);
    expect(curve[curve.length - 1]!).toBeLessThan(curve[0]!);
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(readme).toContain('npm run make:base -- --micro --out');
    expect(readme).toMatch(/\| time \| \*\*\d+ s\*\*/);
  }, 30_000);
});
