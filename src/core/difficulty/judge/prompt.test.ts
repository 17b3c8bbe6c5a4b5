import { describe, expect, it } from 'vitest';
import {
  clipField,
  DEFAULT_JUDGE_PROMPT,
  EMPTY_INPUT_TEXT,
  judgePromptProblems,
  renderJudgeMessages,
  renderJudgeUser,
  validateJudgePrompt,
  type JudgePrompt,
} from './prompt';

const rec = { instruction: 'Reverse the word.', input: 'stressed', output: 'desserts' };

describe('judge prompt', () => {
  it('ships a default that validates, asks for 1–5 with decimals, and names both parts of the paper’s difficulty', () => {
    expect(judgePromptProblems(DEFAULT_JUDGE_PROMPT)).toEqual([]);
    const u = DEFAULT_JUDGE_PROMPT.user;
    expect(u).toMatch(/scale from 1 to 5/);
    expect(u).toMatch(/decimals/);
    expect(u).toMatch(/how hard the instruction itself is/);
    expect(u).toMatch(/turn the instruction and its input into the expected output/);
  });

  it('renders the record into the user message, after the system message', () => {
    const messages = renderJudgeMessages(DEFAULT_JUDGE_PROMPT, rec);
    expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(messages[1]!.content).toContain(
      '### Instruction\nReverse the word.\n\n### Input\nstressed\n\n### Expected output\ndesserts',
    );
    expect(renderJudgeMessages({ ...DEFAULT_JUDGE_PROMPT, system: '  ' }, rec).map((m) => m.role)).toEqual(['user']);
  });

  it('shows an empty input as such, and substitutes in one pass (record text that looks like a placeholder stays)', () => {
    const p: JudgePrompt = { system: '', user: 'I={instruction} N={input} O={output}', maxFieldChars: 1000 };
    expect(renderJudgeUser(p, { instruction: 'say {output}', input: ' ', output: '{input}' })).toBe(
      `I=say {output} N=${EMPTY_INPUT_TEXT} O={input}`,
    );
  });

  it('leaves other braces alone (JSON in the template)', () => {
    const p: JudgePrompt = {
      system: '',
      user: 'Reply as {"score": n}. {instruction}|{input}|{output}',
      maxFieldChars: 1000,
    };
    expect(judgePromptProblems(p)).toEqual([]);
    expect(renderJudgeUser(p, rec)).toBe('Reply as {"score": n}. Reverse the word.|stressed|desserts');
  });

  it('lists every problem: missing and misspelt placeholders, placeholders in the system message, a bad clip length', () => {
    const problems = judgePromptProblems({
      system: 'About {instruction}',
      user: 'Rate {instuction} given {input}',
      maxFieldChars: 10,
    });
    expect(problems.join('\n')).toMatch(/no \{instruction\}/);
    expect(problems.join('\n')).toMatch(/no \{output\}/);
    expect(problems.join('\n')).toMatch(/\{instuction\}, which is not a placeholder/);
    expect(problems.join('\n')).toMatch(/system message contains \{instruction\}/);
    expect(problems.join('\n')).toMatch(/maxFieldChars/);
    expect(judgePromptProblems({ system: '', user: ' ', maxFieldChars: 1000 })).toHaveLength(1);
    expect(() => validateJudgePrompt({ system: '', user: '{instruction}', maxFieldChars: 1000 })).toThrow(
      /no \{input\}.*no \{output\}/,
    );
  });

  it('clips long fields with a marker, never inside a surrogate pair', () => {
    expect(clipField('abc', 5)).toBe('abc');
    expect(clipField('abcdefgh', 5)).toBe('abcde\n[… 3 more characters not shown]');
    const emoji = `abcd${'😀'}xyz`; // the emoji is 2 UTF-16 units at 4–5
    expect(clipField(emoji, 5)).toBe(`abcd\n[… ${emoji.length - 4} more characters not shown]`);
    const long = { ...rec, output: 'x'.repeat(5000) };
    expect(renderJudgeUser(DEFAULT_JUDGE_PROMPT, long)).toContain('[… 1000 more characters not shown]');
  });
});
