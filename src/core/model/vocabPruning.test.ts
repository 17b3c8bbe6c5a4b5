import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setNodeBackend } from '../kernels/nodeBackends';
import { PrunedTokenizer } from '../tokenizer/bpePruned';
import { tokenizerFromJSON } from '../tokenizer/fromJSON';
import { loadCheckpoint, saveCheckpoint } from './checkpoint';
import { disposeGptCaches, disposeGptParams, gptLogits, gptLoss } from './gpt';
import { exportHfModel } from '../hf/exportModel';
import { importHfFolder } from '../hf/importModel';
import { paramsFromArrays } from './paramArrays';
import { GPT_PRESETS } from './config';
import { tinyHfCheckpoint } from '../hf/testing/hfFixtures';
import { planVocabPruning, pruneParams, pruneVocabulary, pruningStats, unpruneParams } from './vocabPruning';

beforeAll(async () => {
  await setNodeBackend('cpu');
});
afterAll(() => disposeGptCaches());

const TEXTS = [' the cat and the dog', ' the dog was in the set', ' a cat sat on the mat', ' and so on and on'];

/** Rows of ids + next-token targets + a mask over all but the last position, padded with eos to T. */
function batch(rows: number[][], pad: number): { ids: number[][]; targets: number[][]; mask: number[][] } {
  const T = Math.max(...rows.map((r) => r.length)) - 1;
  const ids: number[][] = [];
  const targets: number[][] = [];
  const mask: number[][] = [];
  for (const r of rows) {
    const padded = [...r, ...new Array(T + 1 - r.length).fill(pad)];
    ids.push(padded.slice(0, T));
    targets.push(padded.slice(1));
    mask.push(padded.slice(1).map((_, t) => (t + 1 < r.length ? 1 : 0)));
  }
  return { ids, targets, mask };
}

function lossAndLogits(
  config: Parameters<typeof gptLoss>[0],
  params: Record<string, Float32Array>,
  b: ReturnType<typeof batch>,
) {
  const vars = paramsFromArrays(config, params);
  try {
    return tf.tidy(() => {
      const ids = tf.tensor2d(b.ids, undefined, 'int32');
      const loss = gptLoss(config, vars, ids, tf.tensor2d(b.targets, undefined, 'int32'), tf.tensor2d(b.mask));
      return { loss: loss.dataSync()[0]!, logits: gptLogits(config, vars, ids).arraySync() as number[][][] };
    });
  } finally {
    disposeGptParams(vars);
  }
}

describe('vocabulary pruning on a tiny random GPT-2', () => {
  const fx = tinyHfCheckpoint({ architecture: 'gpt2', seed: 31 });
  const model = importHfFolder(fx.files);

  it('keeps the ids of the texts plus the specials (and, by default, the 256 bytes)', () => {
    const bare = planVocabPruning(model.tokenizer, TEXTS, { keepByteTokens: false });
    const used = new Set(TEXTS.flatMap((t) => model.tokenizer.encode(t)));
    expect(bare.keep).toEqual([...used, model.tokenizer.eosId].sort((a, b) => a - b));
    expect(bare.counts[bare.keep.indexOf(model.tokenizer.tokenId('Ġthe')!)]).toBe(5);
    const withBytes = planVocabPruning(model.tokenizer, TEXTS);
    expect(withBytes.keep.length).toBe(new Set([...bare.keep, ...model.tokenizer.byteTokenIds()]).size);
  });

  it('the kept logits are exactly the full logits; the loss is the full loss renormalised over the kept ids', () => {
    const pruned = pruneVocabulary(model, TEXTS, { keepByteTokens: false });
    const n = pruned.plan.keep.length;
    expect(pruned.config.vocabSize).toBe(n);
    expect(pruned.params.wte!.length).toBe(n * 16);
    expect(pruned.params['h.0.attn.c_attn.weight']).toBe(model.params['h.0.attn.c_attn.weight']); // shared, not copied

    const fullRows = TEXTS.map((t) => [model.tokenizer.bosId, ...model.tokenizer.encode(t), model.tokenizer.eosId]);
    const prunedRows = TEXTS.map((t) => [
      pruned.tokenizer.bosId,
      ...pruned.tokenizer.encode(t),
      pruned.tokenizer.eosId,
    ]);
    expect(prunedRows.map((r) => r.map((id) => pruned.tokenizer.toOriginal(id)))).toEqual(fullRows);
    const full = lossAndLogits(model.config, model.params, batch(fullRows, model.tokenizer.padId));
    const small = lossAndLogits(pruned.config, pruned.params, batch(prunedRows, pruned.tokenizer.padId));

    let maxDiff = 0;
    full.logits.forEach((row, b) =>
      row.forEach((logits, t) =>
        pruned.plan.keep.forEach(
          (id, j) => (maxDiff = Math.max(maxDiff, Math.abs(logits[id]! - small.logits[b]![t]![j]!))),
        ),
      ),
    );
    expect(maxDiff).toBeLessThan(1e-5);

    // Cross-entropy over the kept ids only, from the FULL model's logits, in float64.
    const b = batch(fullRows, model.tokenizer.padId);
    let sum = 0;
    let count = 0;
    let fullCheck = 0;
    b.targets.forEach((row, i) =>
      row.forEach((y, t) => {
        if (b.mask[i]![t] === 0) return;
        const z = full.logits[i]![t]!;
        const lse = (ids: number[]) => {
          const m = Math.max(...ids.map((k) => z[k]!));
          return m + Math.log(ids.reduce((s, k) => s + Math.exp(z[k]! - m), 0));
        };
        sum += lse(pruned.plan.keep) - z[y]!;
        fullCheck += lse(z.map((_, k) => k)) - z[y]!;
        count++;
      }),
    );
    expect(small.loss).toBeCloseTo(sum / count, 5);
    expect(full.loss).toBeCloseTo(fullCheck / count, 5);
    // The difference is exactly −mean log P_full(kept ids): zero only when the pruned ids carry no probability.
    expect(full.loss).toBeGreaterThan(small.loss);
  });

  it('loss is unchanged when the pruned ids carry no probability', () => {
    // Give every pruned row a large negative component along a direction the final hidden state always has: ln_f's
    // bias dominates when ln_f.weight is tiny, so those logits become ≈ −1e4 and their probability 0.
    const plan = planVocabPruning(model.tokenizer, TEXTS, { keepByteTokens: false });
    const kept = new Set(plan.keep);
    const C = 16;
    const params: Record<string, Float32Array> = {
      ...model.params,
      'ln_f.weight': new Float32Array(C).fill(1e-3),
      'ln_f.bias': new Float32Array(C).fill(1),
    };
    const wte = Float32Array.from(model.params.wte!);
    for (let id = 0; id < model.config.vocabSize; id++) if (!kept.has(id)) wte.fill(-1000 / C, id * C, (id + 1) * C);
    params.wte = wte;
    const fullRows = TEXTS.map((t) => [model.tokenizer.bosId, ...model.tokenizer.encode(t), model.tokenizer.eosId]);
    const { config, params: prunedParams } = pruneParams(model.config, params, plan);
    const tok = new PrunedTokenizer(model.tokenizer, plan.keep);
    const prunedRows = fullRows.map((r) => r.map((id) => tok.toPruned(id)!));
    const full = lossAndLogits(model.config, params, batch(fullRows, model.tokenizer.padId));
    const small = lossAndLogits(config, prunedParams, batch(prunedRows, tok.padId));
    expect(Math.abs(full.loss - small.loss)).toBeLessThan(1e-5);
  });

  it('unprune writes the trained rows back and leaves every other row as it was', () => {
    const pruned = pruneVocabulary(model, TEXTS);
    const trainedWte = pruned.params.wte!.map((v, i) => v + 0.001 * (i % 7));
    const back = unpruneParams(pruned.config, { ...pruned.params, wte: trainedWte }, pruned.plan, model.params.wte!);
    expect(back.config).toEqual(model.config);
    const C = 16;
    const kept = new Map(pruned.plan.keep.map((id, i) => [id, i]));
    for (let id = 0; id < model.config.vocabSize; id++) {
      const row = back.params.wte!.subarray(id * C, (id + 1) * C);
      const i = kept.get(id);
      expect(row).toEqual(
        i === undefined ? model.params.wte!.subarray(id * C, (id + 1) * C) : trainedWte.subarray(i * C, (i + 1) * C),
      );
    }
    // Untouched training → the exact original table; and it exports with the full vocabulary.
    expect(unpruneParams(pruned.config, pruned.params, pruned.plan, model.params.wte!).params.wte).toEqual(
      model.params.wte,
    );
    const out = exportHfModel({ ...back, source: model.source, tokenizer: pruned.tokenizer });
    expect(importHfFolder(out.files).tokenizer.vocabSize).toBe(277);
    expect(() => unpruneParams(model.config, model.params, pruned.plan, model.params.wte!)).toThrow(/kept/);
  });

  it('the pruned tokenizer survives a checkpoint (tokenizerFromJSON) and encodes text outside the dataset through bytes', () => {
    const pruned = pruneVocabulary(model, TEXTS);
    const vars = paramsFromArrays(pruned.config, pruned.params);
    const bytes = saveCheckpoint({ config: pruned.config, tokenizer: pruned.tokenizer, params: vars });
    disposeGptParams(vars);
    const loaded = loadCheckpoint(bytes);
    disposeGptParams(loaded.params);
    expect(loaded.tokenizer.vocabSize).toBe(pruned.config.vocabSize);
    expect(loaded.tokenizer.encode(' the cat')).toEqual(pruned.tokenizer.encode(' the cat'));
    const unseen = ' wizards zap 42 ✨';
    expect(loaded.tokenizer.decode(loaded.tokenizer.encode(unseen))).toBe(unseen);
    expect(tokenizerFromJSON(pruned.tokenizer.toJSON()).eosId).toBe(pruned.tokenizer.eosId);
  });

  it('stats: memory saved and the arithmetic speed-up', () => {
    const plan = planVocabPruning(model.tokenizer, TEXTS, { keepByteTokens: false });
    const s = pruningStats(model.config, plan, 4, 16);
    const removed = 277 - plan.keep.length;
    expect(s.keptTokens).toBe(plan.keep.length);
    expect(s.paramsBefore - s.paramsAfter).toBe(removed * 16);
    expect(s.trainingBytesSaved).toBe(16 * removed * 16);
    expect(s.logitBytesSaved).toBe(4 * 4 * 16 * removed);
    expect(s.estimatedSpeedup).toBeGreaterThan(1);
  });
});

describe('an untied head', () => {
  it('prunes and unprunes lm_head.weight with the token table, row for row', () => {
    const config = { ...GPT_PRESETS.micro, vocabSize: 5, width: 2, head: 'untied' as const };
    const wte = Float32Array.from({ length: 10 }, (_, i) => i);
    const head = Float32Array.from({ length: 10 }, (_, i) => 100 + i);
    const plan = { keep: [1, 3], originalVocabSize: 5, counts: [1, 1] };
    const pruned = pruneParams(config, { wte, 'lm_head.weight': head }, plan);
    expect([...pruned.params['lm_head.weight']!]).toEqual([102, 103, 106, 107]);
    const trained = { ...pruned.params, 'lm_head.weight': Float32Array.from([-1, -2, -3, -4]) };
    const back = unpruneParams(pruned.config, trained, plan, { wte, 'lm_head.weight': head });
    expect([...back.params['lm_head.weight']!]).toEqual([100, 101, -1, -2, 104, 105, -3, -4, 108, 109]);
    expect([...back.params.wte!]).toEqual([...wte]);
    expect(() => unpruneParams(pruned.config, trained, plan, wte)).toThrow(/original lm_head.weight/);
  });
});
