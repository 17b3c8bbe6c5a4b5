import { describe, expect, it } from 'vitest';
import { guessMapping, resolveMapping } from './columns';

describe('guessMapping', () => {
  it('matches the usual header names, best candidate first', () => {
    expect(guessMapping(['instruction', 'input', 'output'])).toEqual({
      instruction: 'instruction',
      input: 'input',
      output: 'output',
    });
    expect(guessMapping(['ID', 'Question', 'Context', 'Answer', 'Score'])).toEqual({
      id: 'ID',
      instruction: 'Question',
      input: 'Context',
      output: 'Answer',
      score: 'Score',
    });
    expect(guessMapping(['query', 'completion', 'level'])).toEqual({
      instruction: 'query',
      output: 'completion',
      score: 'level',
    });
    // "prompt" beats "question"; "output" beats "response"; each column is used once.
    expect(guessMapping(['question', 'prompt', 'response', 'output'])).toEqual({
      instruction: 'prompt',
      output: 'output',
    });
  });

  it('falls back to names that contain a candidate, and leaves out what it cannot find', () => {
    expect(guessMapping(['user_prompt', 'model_response'])).toEqual({
      instruction: 'user_prompt',
      output: 'model_response',
    });
    expect(guessMapping(['title', 'body'])).toEqual({});
  });
});

describe('resolveMapping', () => {
  it('drops empty optional choices', () => {
    expect(resolveMapping(['q', 'a'], 'f.csv', { instruction: 'q', output: 'a', input: '', id: '' })).toEqual({
      instruction: 'q',
      output: 'a',
    });
  });
});
