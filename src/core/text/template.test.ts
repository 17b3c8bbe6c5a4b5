import { describe, expect, it } from 'vitest';
import { encodeExample, encodePrompt, fittingContextLength, renderTemplate } from './template';
import { responseMask } from './masks';
import { rec, ToyTokenizer } from './testing/toyData';

const tok = new ToyTokenizer();

describe('paper template', () => {
  it('builds <bos>User: {instruction}\\n{input}<eos>\\nAssistant: {output}<eos>', () => {
    const r = rec('a', 'Add', '3', '1 2');
    expect(renderTemplate('paper', r)).toBe('<bos>User: Add\n1 2<eos>\nAssistant: 3<eos>');
    const e = encodeExample('paper', tok, r);
    expect(tok.decode(e.ids)).toBe('<bos>User: Add\n1 2<eos>\nAssistant: 3<eos>');
    expect(tok.decode(e.ids.slice(0, e.promptLength))).toBe('<bos>User: Add\n1 2<eos>\nAssistant: ');
  });

  it('omits the input line when the input is empty', () => {
    expect(renderTemplate('paper', rec('a', 'Hi', 'Hello'))).toBe('<bos>User: Hi<eos>\nAssistant: Hello<eos>');
  });

  it('masks the prompt (including its middle <eos>) and trains on response + final <eos> only', () => {
    const e = encodeExample('paper', tok, rec('a', 'Hi', 'Yo'));
    const m = responseMask(e);
    const trained = e.ids.filter((_, i) => m[i] === 1);
    expect(tok.decode(trained)).toBe('Yo<eos>');
    // The prompt's <eos> (after "User: Hi") has mask 0.
    const midEos = e.ids.indexOf(tok.eosId);
    expect(midEos).toBeLessThan(e.promptLength);
    expect(m[midEos]).toBe(0);
  });

  it('handles an empty output: only the final <eos> is trained', () => {
    const e = encodeExample('paper', tok, rec('a', 'Hi', ''));
    expect(Array.from(responseMask(e)).reduce((a, b) => a + b, 0)).toBe(1);
    expect(e.ids[e.ids.length - 1]).toBe(tok.eosId);
  });
});

describe('alpaca template', () => {
  it('uses the no-input and the with-input Stanford Alpaca prompts', () => {
    expect(renderTemplate('alpaca', rec('a', 'Say hi', 'hi'))).toBe(
      '<bos>Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n' +
        '### Instruction:\nSay hi\n\n### Response:\nhi<eos>',
    );
    const withInput = renderTemplate('alpaca', rec('a', 'Sum', '3', '1 2'));
    expect(withInput).toContain('paired with an input that provides further context');
    expect(withInput).toContain('### Input:\n1 2\n\n### Response:\n3<eos>');
    const e = encodeExample('alpaca', tok, rec('a', 'Sum', '3', '1 2'));
    expect(tok.decode(e.ids.slice(e.promptLength))).toBe('3<eos>');
    expect(encodePrompt('alpaca', tok, rec('a', 'Sum', '3', '1 2'))).toEqual(e.ids.slice(0, e.promptLength));
  });

  it('rejects an unknown template by name', () => {
    expect(() => encodeExample('nope' as never, tok, rec('a', 'x', 'y'))).toThrow(/Unknown prompt template "nope"/);
  });
});

describe('fittingContextLength', () => {
  it('is the longest example less its last id, rounded up to 8, capped at the model context', () => {
    // <bos> "User: Hi" <eos> "\nAssistant: " "Hello" <eos> = 1 + 8 + 1 + 12 + 5 + 1 = 28 ids, 27 inputs.
    const short = rec('a', 'Hi', 'Hello');
    expect(encodeExample('paper', tok, short).ids).toHaveLength(28);
    expect(fittingContextLength('paper', tok, [short], 1024)).toBe(32);
    // 16 more characters of output: 43 inputs → 48.
    expect(fittingContextLength('paper', tok, [short, rec('b', 'Hi', 'Hello' + 'x'.repeat(16))], 1024)).toBe(48);
    expect(fittingContextLength('paper', tok, [short], 20)).toBe(20);
    expect(fittingContextLength('paper', tok, [], 1024)).toBe(8);
  });
});
