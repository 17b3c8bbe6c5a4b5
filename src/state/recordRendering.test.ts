import { describe, expect, it } from 'vitest';
import { renderTemplate } from '../core/text/template';
import { CharTokenizer } from '../core/tokenizer/charTokenizer';
import { gpt2Tokenizer } from '../core/tokenizer/testing/gpt2';
import { renderStudioRecord, type RenderedRecord } from './recordRendering';

const single = { instruction: 'Capital of France?', input: '', output: 'Paris' };
const conversation = {
  instruction: 'And of Italy?',
  input: '',
  output: 'Rome',
  history: [
    { user: 'Capital of France?', assistant: 'Paris' },
    { user: 'Say hi', assistant: 'hi', trained: false as const },
  ],
};
const char = CharTokenizer.fromTexts(
  [single, conversation].flatMap((r) => [r.instruction, r.output, 'User: Assistant:\n hi Paris Say']),
);

const text = (r: RenderedRecord) => r.segments.map((s) => s.text).join('');
const trained = (r: RenderedRecord) =>
  r.segments
    .filter((s) => s.trained)
    .map((s) => s.text)
    .join('|');

describe('renderStudioRecord', () => {
  it('gives back the training string, with the answer and its <eos> trained and <bos>/<eos> marked special', () => {
    const r = renderStudioRecord(char, 'paper', single);
    // renderTemplate writes the training string directly, without a tokenizer: an independent account of the text.
    expect(text(r)).toBe(renderTemplate('paper', single));
    expect(trained(r)).toBe('Paris|<eos>');
    expect(r.segments.filter((s) => s.special).map((s) => s.text)).toEqual(['<bos>', '<eos>', '<eos>']);
    // One token per character, plus <bos>, the prompt's <eos> and the final <eos>.
    expect(r.tokens).toBe([...renderTemplate('paper', single)].length - 3 * '<eos>'.length + 3);
    expect(r.trainedTokens).toBe('Paris'.length + 1);
  });

  it('trains the earlier answers of a conversation too, but not one marked untrained', () => {
    const r = renderStudioRecord(char, 'paper', conversation);
    expect(text(r)).toBe(renderTemplate('paper', conversation));
    expect(trained(r)).toBe('Paris|<eos>|Rome|<eos>');
    expect(r.trainedTokens).toBe('Paris'.length + 1 + 'Rome'.length + 1);
  });

  it('shows the token that straddles the seam inside the trained run under GPT-2 BPE, and whole characters', () => {
    const tok = gpt2Tokenizer();
    const r = renderStudioRecord(tok, 'paper', { ...single, output: 'Paris, 日本語 😀' });
    // " Paris" holds the prompt's last space: trained, as the mask rule says.
    expect(trained(r)).toBe(' Paris, 日本語 😀|<|endoftext|>');
    expect(text(r)).toBe(
      '<|endoftext|>User: Capital of France?<|endoftext|>\nAssistant: Paris, 日本語 😀<|endoftext|>',
    );
    expect(r.segments.find((s) => s.trained && !s.special)?.text.startsWith(' ')).toBe(true);
  });
});
