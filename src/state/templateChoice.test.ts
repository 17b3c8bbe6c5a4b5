import { describe, expect, it } from 'vitest';
import type { HfModelDescription } from '../core/hf/modelDescription';
import { DEFAULT_TRAIN_SETTINGS } from '../core/runs/settings';
import { configFromJson, configToJson } from '../core/runs/shareConfig';
import {
  chosenTemplate,
  ownChatTemplate,
  readsChatTemplates,
  templateOptions,
  trainerTemplate,
} from './templateChoice';

const description = {} as HfModelDescription;

describe('template choice', () => {
  it("offers the model's own template first only when it has one", () => {
    expect(templateOptions(true)).toEqual(['model', 'paper', 'chatml', 'llama3']);
    expect(templateOptions(false)).toEqual(['paper', 'chatml', 'llama3']);
  });

  it("uses the model's own when nothing is picked, and never one a model lacks", () => {
    expect(chosenTemplate({}, true)).toBe('model');
    expect(chosenTemplate({}, false)).toBe('paper');
    expect(chosenTemplate({ template: 'model' }, false)).toBe('paper');
    expect(chosenTemplate({ template: 'chatml' }, true)).toBe('chatml');
    expect(chosenTemplate({ template: 'llama3' }, false)).toBe('llama3');
  });

  it('sees a chat template in chat_template.jinja or in the description, and none otherwise', () => {
    expect(ownChatTemplate(undefined)).toBe(false);
    expect(ownChatTemplate({ fileSizes: { 'tokenizer.json': 10 }, description })).toBe(false);
    expect(ownChatTemplate({ fileSizes: { 'chat_template.jinja': 10 }, description })).toBe(true);
    const withTemplate = { ...description, chatTemplate: '{{ messages }}' } as HfModelDescription;
    expect(ownChatTemplate({ fileSizes: {}, description: withTemplate })).toBe(true);
    const empty = { ...description, chatTemplate: '' } as HfModelDescription;
    expect(ownChatTemplate({ fileSizes: {}, description: empty })).toBe(false);
  });

  it("gives the trainer the studio's template by name and a chat template by its choice, for the worker to read", () => {
    expect(trainerTemplate('paper')).toBe('paper');
    expect(trainerTemplate('chatml')).toEqual({ chat: 'chatml' });
    expect(trainerTemplate('model')).toEqual({ chat: 'model' });
  });

  it("offers only the studio's own template to a model whose tokenizer reads no special tokens", () => {
    expect(readsChatTemplates(undefined)).toBe(false);
    expect(readsChatTemplates({ fileSizes: { 'vocab.json': 1, 'merges.txt': 1 } })).toBe(false);
    expect(readsChatTemplates({ fileSizes: { 'tokenizer.json': 1 } })).toBe(true);
    expect(templateOptions(false, false)).toEqual(['paper']);
    expect(chosenTemplate({ template: 'chatml' }, false, false)).toBe('paper');
  });

  it('travels in a shared configuration, and a name this build does not know is refused by name', () => {
    const train = { ...DEFAULT_TRAIN_SETTINGS, template: 'llama3' as const };
    expect(configFromJson(configToJson(train)).train.template).toBe('llama3');
    const unknown = configToJson(DEFAULT_TRAIN_SETTINGS).replace('"seed"', '"template": "vicuna", "seed"');
    expect(() => configFromJson(unknown)).toThrow(
      /"train.template" must be one of model, chatml, llama3, paper \(got "vicuna"\)/,
    );
  });
});
