import { describe, expect, it } from 'vitest';
import type { InstructionRecord } from '../data/record';
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
    expect(() => scorers.create('judge')).toThrow(/createJudgeScorer\(settings\)/);
    expect(() => scorers.create('ifd')).toThrow(/createIfdScorer\(model\)/);
    expect(() => scorers.create('response-loss')).toThrow(/createResponseLossScorer\(model\)/);
  });
});
