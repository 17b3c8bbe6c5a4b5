import { describe, expect, it } from 'vitest';
import type { InstructionRecord } from '../data/record';
import { IFD_SCORER_ENTRY, RESPONSE_LOSS_SCORER_ENTRY } from './ifdEntry';
import { JUDGE_SCORER_ENTRY } from './judge/entry';
import { scorers } from './registry';

const recs: InstructionRecord[] = [{ id: 'a', instruction: 'x', input: '', output: 'y', score: 2, meta: {} }];

describe('on-demand scorers in the registry', () => {
  it('are listed with names and notes, never available to the automatic pass, and leave the default alone', () => {
    const options = scorers.list(recs);
    expect(options.map((o) => [o.id, o.available])).toEqual([
      ['field', true],
      ['heuristic', true],
      ['judge', false],
      ['ifd', false],
      ['response-loss', false],
    ]);
    expect(options[2]!.note).toMatch(/on demand.*endpoint/i);
    expect(options[3]!.note).toMatch(/on demand on the loaded model/i);
    expect(scorers.defaultId(recs)).toBe('field');
  });

  it('say how to create them when asked through the registry', () => {
    expect(() => JUDGE_SCORER_ENTRY.create()).toThrow(/createJudgeScorer\(settings\)/);
    expect(() => IFD_SCORER_ENTRY.create()).toThrow(/createIfdScorer\(model\)/);
    expect(() => RESPONSE_LOSS_SCORER_ENTRY.create()).toThrow(/createResponseLossScorer\(model\)/);
  });
});
