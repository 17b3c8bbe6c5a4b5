import { describe, expect, it } from 'vitest';
import { builtinChatTemplate } from '../text/builtinChatTemplates';
import { recipeTemplateOf, recipeTemplateValue, RECIPE_TEMPLATE_CHOICES } from './recipeTemplate';
import { resolveScaleOut, ScaleOutError } from './scaleOutOptions';
import { byName, plan, recipe } from './testing/recipe';

describe('the template a recipe writes its records in', () => {
  it("reduces the run's template to what a machine without the studio renders", () => {
    expect(recipeTemplateOf('alpaca')).toEqual({ kind: 'studio', name: 'alpaca' });
    // the studio's own as a chat template is its prompt template
    expect(recipeTemplateOf({ chat: 'paper' })).toEqual({ kind: 'studio', name: 'paper' });
    expect(recipeTemplateOf({ chat: 'model' })).toEqual({ kind: 'chat', choice: 'model' });
    const spec = { chat: 'model' as const, name: 'x', source: '{{ messages }}', tokens: {}, specialTokens: [] };
    // the model's own travels as "the base model's own", not as this model's source
    expect(recipeTemplateOf(spec)).toEqual({ kind: 'chat', choice: 'model' });
    expect(recipeTemplateOf({ chat: 'chatml' })).toEqual({
      kind: 'chat',
      choice: 'chatml',
      source: builtinChatTemplate('chatml').source,
      needsTokens: ['<|im_start|>', '<|im_end|>'],
    });
  });

  it('refuses a template it cannot write, saying which it can', () => {
    for (const bad of ['vicuna', { chat: 'gemma' }] as never[]) {
      let error: unknown;
      try {
        resolveScaleOut(plan, { promptTemplate: bad });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ScaleOutError);
      expect((error as ScaleOutError).hint).toMatch(/ChatML/);
    }
  });

  it("picks the LLaMA-Factory template that writes a built-in's turns; the model's own follows the model's name", () => {
    expect(resolveScaleOut(plan, { promptTemplate: { chat: 'chatml' } }).template).toBe('chatml');
    expect(resolveScaleOut(plan, { promptTemplate: { chat: 'llama3' } }).template).toBe('llama3');
    expect(
      resolveScaleOut(plan, { promptTemplate: { chat: 'model' }, baseModel: 'Qwen/Qwen2.5-0.5B-Instruct' }).template,
    ).toBe('qwen');
    expect(resolveScaleOut(plan, { promptTemplate: { chat: 'chatml' }, template: 'qwen' }).template).toBe('qwen');
  });

  it('recipe.json and the READMEs say which template, and a built-in travels with its source', () => {
    const files = byName(recipe({ promptTemplate: { chat: 'llama3' } }));
    const json = JSON.parse(files.get('trl/recipe.json')!) as {
      template: string;
      chat_template: { choice: string; source: string; needs_tokens: string[] };
    };
    expect(json.template).toBe('chat');
    expect(json.chat_template.choice).toBe('llama3');
    expect(json.chat_template.source).toBe(builtinChatTemplate('llama3').source);
    expect(json.chat_template.needs_tokens).toContain('<|eot_id|>');
    expect(files.get('trl/README.md')).toContain('built-in llama3 chat template');
    expect(files.get('README.md')).toContain("LLaMA-Factory's `llama3` writes the same turns");
    const own = byName(recipe({ promptTemplate: { chat: 'model' } }));
    expect(JSON.parse(own.get('trl/recipe.json')!).chat_template).toEqual({
      choice: 'model',
      source: null,
      needs_tokens: [],
    });
    expect(own.get('trl/README.md')).toContain("the base model's own chat template");
    expect(JSON.parse(byName(recipe()).get('trl/recipe.json')!).chat_template).toBeNull();
  });

  it('the menu has a value for every template a run can name', () => {
    for (const t of ['paper', 'alpaca', { chat: 'model' }, { chat: 'chatml' }, { chat: 'llama3' }] as const)
      expect(RECIPE_TEMPLATE_CHOICES.find((c) => c.value === recipeTemplateValue(t))!.template).toEqual(t);
    expect(recipeTemplateValue({ chat: 'paper' })).toBe('paper');
  });
});
