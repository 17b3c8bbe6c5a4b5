import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstructionRecord } from '../data/record';
import { setNodeBackend } from '../kernels/nodeBackends';
import { gptConfigFromPreset } from '../model/config';
import { disposeGptCaches, disposeGptParams, initGptParams } from '../model/gpt';
import { CharTokenizer } from '../tokenizer/charTokenizer';
import type { GenerationModel } from './generate';
import { EXACT_MATCH_MAX_ANSWER_TOKENS, exactMatchRecords, heldOutExactMatch } from './heldOutExactMatch';

beforeAll(async () => {
  await setNodeBackend('cpu');
});
afterAll(() => disposeGptCaches());

/** Held-out records in phase order, as the held-out split lists them: `perPhase` of each of three phases. */
function heldOut(perPhase: number, output = (i: number) => String(i % 10)) {
  return [0, 1, 2].flatMap((phase) =>
    Array.from({ length: perPhase }, (_, i) => {
      const record: InstructionRecord = {
        id: `p${phase}-${i}`,
        instruction: 'copy',
        input: String(i),
        output: output(i),
        score: 1 + 2 * phase,
        meta: {},
      };
      return { record, bucket: String(phase) };
    }),
  );
}

describe('exactMatchRecords', () => {
  it('keeps every record up to the cap, in order', () => {
    const all = heldOut(100);
    expect(exactMatchRecords(all, 300)).toEqual(all);
  });

  it('past the cap keeps records of every phase (not the head of the list), in order, the same every time', () => {
    const all = heldOut(200);
    const kept = exactMatchRecords(all, 300);
    expect(kept).toHaveLength(300);
    expect(exactMatchRecords(all, 300)).toEqual(kept);
    for (const phase of ['0', '1', '2']) expect(kept.filter((h) => h.bucket === phase).length).toBeGreaterThan(70);
    expect(kept.map((h) => all.indexOf(h))).toEqual(kept.map((h) => all.indexOf(h)).sort((a, b) => a - b));
  });
});

describe('heldOutExactMatch', () => {
  const noModel = {} as GenerationModel;

  it('skips when there is nothing to score, and when answers are long (no generation at all)', async () => {
    const tokenizer = CharTokenizer.fromTexts(['abcdefghij0123456789 copy']);
    expect((await heldOutExactMatch(noModel, tokenizer, [], {})).skipped).toBe('no held-out records');
    const long = heldOut(3, () => 'a'.repeat(EXACT_MATCH_MAX_ANSWER_TOKENS + 1));
    const outcome = await heldOutExactMatch(noModel, tokenizer, long);
    expect(outcome.report).toBeUndefined();
    expect(outcome.skipped).toMatch(/answers are long \(median 65 tokens\)/);
  });

  it('scores per bucket and per whole-number level, and says when it scored only part of the records', async () => {
    const records = heldOut(110);
    const tokenizer = CharTokenizer.fromTexts(['abcdefghij0123456789 copy', ...records.map((h) => h.record.input)]);
    const config = gptConfigFromPreset('micro', tokenizer.vocabSize, {
      layers: 1,
      width: 16,
      heads: 2,
      contextLength: 32,
    });
    const params = initGptParams(config, 3);
    try {
      const outcome = await heldOutExactMatch({ config, params }, tokenizer, records);
      expect(outcome.report!.buckets.map((b) => b.bucket)).toEqual(['0', '1', '2']);
      expect(outcome.report!.overall.n).toBe(300);
      expect(outcome.byLevel!.buckets.map((b) => b.bucket)).toEqual(['1', '3', '5']);
      expect(outcome.byLevel!.overall).toEqual(outcome.report!.overall);
      expect(outcome.skipped).toBe('scored 300 of 330 held-out records (chosen by id, the same in every run)');
      expect(outcome.examples.length).toBeGreaterThan(0);
    } finally {
      disposeGptParams(params);
    }
  }, 60_000);
});
