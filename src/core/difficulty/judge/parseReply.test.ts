import { describe, expect, it } from 'vitest';
import { parseJudgeReply, replyExcerpt } from './parseReply';

const score = (reply: unknown) => {
  const r = parseJudgeReply(reply);
  return r.ok ? r.score : undefined;
};
const reason = (reply: unknown) => {
  const r = parseJudgeReply(reply);
  return r.ok ? `scored ${r.score}` : r.reason;
};

describe('parseJudgeReply', () => {
  it.each([
    ['3', 3],
    [' 4\n', 4],
    ['3.5', 3.5],
    ['3.5.', 3.5],
    ['**4**', 4],
    ['`2`', 2],
    ['Score: 3.5', 3.5],
    ['score:4', 4],
    ['Difficulty: 2 (easy)', 2],
    ['Difficulty level: 4', 4],
    ['The difficulty is 1.75', 1.75],
    ['4/5', 4],
    ['2.5 / 5', 2.5],
    ['I would rate it 3 out of 5.', 3],
    ["I'd rate this a 2 on a scale of 1 to 5.", 2],
    ['On a scale from 1 to 5: 4', 4],
    ['Score (1-5): 3', 3],
    ['Rating = 5', 5],
    ['Four.', 4],
    ['1', 1],
    ['5.0', 5],
    ['<think>maybe 2, maybe 4</think>\n3', 3],
    // A labelled score wins over other numbers in the same reply.
    ['Score: 3. The task has 2 steps.', 3],
    ['4/5 — the answer needs 4 steps', 4],
  ])('reads %j as %d', (reply, expected) => {
    expect(score(reply)).toBe(expected);
  });

  it.each([
    ['', /empty/],
    ['   ', /empty/],
    ['**', /empty/],
    ['I am not sure.', /no number/],
    ['3 or 4', /several numbers \(3, 4\)/],
    ['3-4', /several numbers \(3, 4\)/],
    ['3,5', /several numbers/],
    ['Score: 2. Actually, score: 3', /several scores \(2, 3\)/],
    ['8/10', /out of 10/],
    ['7', /outside the 1–5 scale/],
    ['0.5', /outside/],
    ['Score: -1', /-1 is outside/],
    ['80%', /outside/],
    ['Score: 6/5', /outside/],
    ['<think>it is clearly a 3 because', /inside its reasoning/],
    [
      `${'This task asks for a summary of a long passage, which takes some care. '.repeat(3)}Overall 3.`,
      /long reply .* no labelled score/,
    ],
    ['This one is moderate.', /no number/],
    [42, /not text/],
    [null, /not text/],
  ])('refuses %j', (reply, why) => {
    expect(reason(reply)).toMatch(why);
  });

  it('accepts a long reply when it carries a labelled score', () => {
    const long = `${'Reasoning about the task at length. '.repeat(10)}\nFinal score: 4.5`;
    expect(parseJudgeReply(long)).toEqual({ ok: true, score: 4.5, how: 'labelled' });
  });

  it('says which rule found the score', () => {
    expect(parseJudgeReply('3')).toMatchObject({ how: 'only-number' });
    expect(parseJudgeReply('3/5')).toMatchObject({ how: 'out-of-5' });
    expect(parseJudgeReply('Score: 3')).toMatchObject({ how: 'labelled' });
    expect(parseJudgeReply('three')).toMatchObject({ how: 'number-word' });
  });

  it('honours another scale when asked', () => {
    expect(parseJudgeReply('8/10', { min: 1, max: 10 })).toEqual({ ok: true, score: 8, how: 'out-of-5' });
    expect(parseJudgeReply('12', { min: 1, max: 10 })).toMatchObject({ ok: false });
  });

  it('makes one-line excerpts', () => {
    expect(replyExcerpt('a\n\nb')).toBe('a b');
    expect(replyExcerpt('x'.repeat(100), 10)).toBe(`${'x'.repeat(9)}…`);
  });
});
