import { describe, expect, it } from 'vitest';
import type { InstructionRecord } from '../data/record';
import { createDefaultRegistry } from './registry';

const rec = (id: string, score?: number): InstructionRecord => ({
  id,
  instruction: 'x',
  input: '',
  output: 'y',
  score,
  meta: {},
});

describe('scorer registry', () => {
  it('offers only the heuristic when the data has no scores', () => {
    const reg = createDefaultRegistry();
    const options = reg.list([rec('a'), rec('b')]);
    expect(options.map((o) => [o.id, o.available])).toEqual([
      ['field', false],
      ['heuristic', true],
    ]);
    expect(options[0]!.note).toMatch(/no score/);
    expect(reg.defaultId([rec('a')])).toBe('heuristic');
  });

  it('prefers the file’s scores when present and says when only some records have one', () => {
    const reg = createDefaultRegistry();
    expect(reg.defaultId([rec('a', 2)])).toBe('field');
    const [field] = reg.list([rec('a', 2), rec('b')]);
    expect(field).toMatchObject({ id: 'field', available: true });
    expect(field!.note).toBe('1 of 2 records carry a score; the rest stay unscored.');
  });

  it('creates working scorers by id and rejects unknown or duplicate ids', async () => {
    const reg = createDefaultRegistry();
    const result = await reg.create('field').score([rec('a', 4)]);
    expect(Array.from(result.scores)).toEqual([4]);
    expect(reg.create('heuristic').id).toBe('heuristic');
    expect(() => reg.create('judge')).toThrow(/Unknown scorer "judge".*field, heuristic/);
    expect(() =>
      reg.register({
        id: 'field',
        name: 'x',
        description: 'x',
        availability: () => ({ available: true }),
        create: () => reg.create('field'),
      }),
    ).toThrow(/already registered/);
  });

  it('lets a later scorer plug in', () => {
    const reg = createDefaultRegistry();
    reg.register({
      id: 'ifd',
      name: 'IFD',
      description: 'instruction-following difficulty',
      availability: () => ({ available: false, note: 'load a model first' }),
      create: () => reg.create('heuristic'),
    });
    expect(reg.list([]).map((o) => o.id)).toEqual(['field', 'heuristic', 'ifd']);
  });

  it('lists an on-demand scorer after the built-in ones, never available, and says how to start it instead', () => {
    const reg = createDefaultRegistry();
    reg.registerOnDemand({
      id: 'judge',
      name: 'LLM judge',
      description: 'asks a model',
      note: 'runs on demand',
      howTo: 'create it with createJudgeScorer(settings).',
    });
    expect(reg.list([rec('a', 2)]).map((o) => [o.id, o.available, o.note])).toEqual([
      ['field', true, undefined],
      ['heuristic', true, 'A length-and-cue proxy, not a judgement.'],
      ['judge', false, 'runs on demand'],
    ]);
    expect(() => reg.create('judge')).toThrow(
      /LLM judge scorer runs on demand only: create it with createJudgeScorer\(settings\)/,
    );
    expect(() => reg.registerOnDemand({ id: 'field', name: 'x', description: 'x', note: 'x', howTo: 'x' })).toThrow(
      /already registered/,
    );
  });
});
