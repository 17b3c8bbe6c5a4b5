import { describe, expect, it } from 'vitest';
import { promptChars, recordText, responseChars } from './lengths';

describe('record lengths', () => {
  it('a single exchange: instruction (+ newline + input) and output', () => {
    expect(promptChars({ instruction: 'abc', input: '' })).toBe(3);
    expect(promptChars({ instruction: 'abc', input: 'de' })).toBe(6);
    expect(responseChars({ output: 'xyz' })).toBe(3);
  });

  it('a conversation counts every user turn as prompt and every answer as response', () => {
    const r = {
      instruction: 'q3',
      input: '',
      output: 'a3!',
      history: [
        { user: 'q1q1', assistant: 'a1' },
        { user: 'q', assistant: 'a2a2a2', trained: false as const },
      ],
    };
    expect(promptChars(r)).toBe(2 + 4 + 1);
    expect(responseChars(r)).toBe(3 + 2 + 6);
  });
});

describe('recordText', () => {
  it('holds every turn of a conversation, so a character vocabulary built from it covers the history', () => {
    const text = recordText({
      instruction: 'q2',
      input: '',
      output: 'a2',
      history: [{ user: 'Ωq1', assistant: 'ßa1' }],
    });
    expect(text).toContain('Ωq1');
    expect(text).toContain('ßa1');
    expect(recordText({ instruction: 'q', input: 'i', output: 'a' })).toBe('q\ni\na');
  });
});
