import { describe, expect, it } from 'vitest';
import { BatchBuilder, fitToContext } from './batches';
import { pretokenize } from './pretokenize';
import { scoredTokens } from './masks';
import type { EncodedExample } from './template';
import { rec, ToyTokenizer } from './testing/toyData';

const tok = new ToyTokenizer();
const ex = (prompt: number[], response: number[]): EncodedExample => ({
  ids: [...prompt, ...response],
  promptLength: prompt.length,
});

describe('fitToContext', () => {
  it('keeps short examples whole', () => {
    const p = fitToContext(ex([1, 10, 11], [20, 2]), 8);
    expect(Array.from(p.ids)).toEqual([1, 10, 11, 20, 2]);
    expect(p.promptLength).toBe(3);
    expect(p.truncation).toBe('none');
    // Exactly T + 1 tokens still fit: T inputs, T targets.
    expect(fitToContext(ex([1, 10, 11], [20, 21, 2]), 5).truncation).toBe('none');
  });

  it('cuts the prompt from the left, keeping <bos>, when the response fits', () => {
    // P = 6, R = 3, T = 6 → 7 tokens: <bos> + last 3 prompt tokens + whole response.
    const p = fitToContext(ex([1, 10, 11, 12, 13, 14], [20, 21, 2]), 6);
    expect(Array.from(p.ids)).toEqual([1, 12, 13, 14, 20, 21, 2]);
    expect(p.promptLength).toBe(4);
    expect(p.truncation).toBe('prompt');
    expect(p.dropped).toBe(2);
    // Room for a single prompt token: the one just before the response.
    const q = fitToContext(ex([1, 10, 11], [20, 21, 22, 2]), 4);
    expect(Array.from(q.ids)).toEqual([11, 20, 21, 22, 2]);
    expect(q.promptLength).toBe(1);
  });

  it('cuts the response at its end when the response alone exceeds T', () => {
    // T = 6: the prompt keeps ⌊6/2⌋ = 3 tokens (<bos> + tail), the response the first 4.
    const p = fitToContext(ex([1, 10, 11, 12, 13], [20, 21, 22, 23, 24, 25, 26, 2]), 6);
    expect(Array.from(p.ids)).toEqual([1, 12, 13, 20, 21, 22, 23]);
    expect(p.promptLength).toBe(3);
    expect(p.truncation).toBe('response');
    expect(p.dropped).toBe(6);
  });

  it('counts truncated records in pretokenize', () => {
    const recs = [
      rec('a', 'Hi', 'Yo'),
      rec('b', 'A much longer instruction that will not fit', 'ok'),
      rec('c', 'x', 'y'.repeat(100)),
    ];
    const { examples, stats } = pretokenize(recs, 'paper', tok, 32);
    expect(stats).toMatchObject({ examples: 3, promptTruncated: 1, responseTruncated: 1 });
    expect(stats.tokensDropped).toBeGreaterThan(0);
    for (const e of examples) expect(e.ids.length).toBeLessThanOrEqual(33);
    expect(examples[0]!.truncation).toBe('none');
  });
});

describe('BatchBuilder', () => {
  it('shifts targets by one, masks only response targets, pads rows and missing rows with mask 0', () => {
    const b = new BatchBuilder(3, 6, 0);
    const rows = [fitToContext(ex([1, 10, 11], [20, 2]), 6), fitToContext(ex([1, 10], [20, 21, 22, 23, 2]), 6)];
    const hb = b.build(rows);
    const row = (a: ArrayLike<number>, r: number) => Array.from(a).slice(r * 6, r * 6 + 6);
    expect(row(hb.ids, 0)).toEqual([1, 10, 11, 20, 2, 0]);
    expect(row(hb.targets, 0)).toEqual([10, 11, 20, 2, 0, 0]);
    // Targets 20 and <eos> (positions 2 and 3) are the response.
    expect(row(hb.mask, 0)).toEqual([0, 0, 1, 1, 0, 0]);
    // 7 tokens = T + 1: all 6 inputs used, the last target is the final <eos>.
    expect(row(hb.ids, 1)).toEqual([1, 10, 20, 21, 22, 23]);
    expect(row(hb.targets, 1)).toEqual([10, 20, 21, 22, 23, 2]);
    expect(row(hb.mask, 1)).toEqual([0, 1, 1, 1, 1, 1]);
    // Missing third row: all padding.
    expect(row(hb.ids, 2)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(row(hb.mask, 2)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(hb).toMatchObject({ rows: 2, tokens: 5 + 6, maskTokens: 2 + 5 });
    // Buffers are reused and fully reset.
    const again = b.build([rows[0]!]);
    expect(row(again.mask, 1)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(again.maskTokens).toBe(2);
  });

  it('the mask marks exactly the response tokens of a templated record', () => {
    const { examples } = pretokenize([rec('a', 'Hi', 'Yo')], 'paper', tok, 40);
    const hb = new BatchBuilder(1, 40, tok.padId).build(examples);
    const trainedTargets = Array.from(hb.targets).filter((_, i) => hb.mask[i] === 1);
    expect(tok.decode(trainedTargets)).toBe('Yo<eos>');
  });

  it('rejects too many rows', () => {
    expect(() =>
      new BatchBuilder(1, 4, 0).build([fitToContext(ex([1], [2]), 4), fitToContext(ex([1], [2]), 4)]),
    ).toThrow(/at most 1/);
  });
});

describe('scoredTokens', () => {
  it('counts the targets a row’s mask scores: everything after the prompt', () => {
    const rows = [fitToContext(ex([1, 10, 11, 12], [20, 21, 2]), 16), fitToContext(ex([1], [20, 21, 22, 2]), 16)];
    expect(rows.map(scoredTokens)).toEqual([3, 4]);
    const hb = new BatchBuilder(2, 16, tok.padId).build(rows);
    expect(hb.maskTokens).toBe(7);
    expect(hb.mask.reduce((a, m) => a + m, 0)).toBe(7);
  });
});
