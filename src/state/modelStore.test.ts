import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { describeHfFolder } from '../core/hf/describeFolder';
import { tinySmolLM2 } from '../core/hf/testing/tinySmolLM2';
import { listModels, modelKeys, saveModel, toStoredFiles, type StoredModelMeta } from '../storage/modelStorage';
import { openStudioDB } from '../storage/db';
import { emptyStudioDB } from '../storage/testing/studioDB';
import { peftBaseModel, useModelStore } from './modelStore';

describe('restoring imported models', () => {
  beforeEach(emptyStudioDB);

  it("notes the chat template of a model imported before the import noted it, so the form offers the model's own", async () => {
    const files = toStoredFiles(tinySmolLM2().files);
    const { chatTemplate, ...older } = describeHfFolder(tinySmolLM2().files);
    expect(chatTemplate).toBe('tokenizer_config.json chat_template');
    const meta: StoredModelMeta = {
      kind: 'meta',
      id: 'old',
      name: 'SmolLM2 (imported long ago)',
      importedAt: 1,
      origin: 'files',
      description: older,
      fileSizes: Object.fromEntries(Object.entries(files).map(([n, b]) => [n, b.byteLength])),
      fingerprint: 'fp',
      prune: false,
    };
    await saveModel(meta, files);
    // and in the layout of then: only tokenizer.json with the tokenizer, its config with the weights
    const db = await openStudioDB();
    const { 'tokenizer.json': json, ...rest } = files;
    await db.put(
      'models',
      { kind: 'files', id: 'old', files: { 'tokenizer.json': json! } },
      modelKeys('old').tokenizer,
    );
    await db.put('models', { kind: 'files', id: 'old', files: rest }, modelKeys('old').files);

    await useModelStore.getState().restore();
    expect(useModelStore.getState().models[0]!.description.chatTemplate).toBe('tokenizer_config.json chat_template');
    expect((await listModels())[0]!.description.chatTemplate).toBe('tokenizer_config.json chat_template');
  });
});

describe("a PEFT adapter's base model", () => {
  const description = describeHfFolder(tinySmolLM2().files);
  it('is the Hub id a model was downloaded by, else the id its config names, else its name with what to do', () => {
    const hub = 'https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct/resolve/main/';
    expect(peftBaseModel({ name: 'HuggingFaceTB/SmolLM2-135M-Instruct@main', origin: hub, description })).toEqual({
      name: 'HuggingFaceTB/SmolLM2-135M-Instruct',
    });
    expect(
      peftBaseModel({
        name: 'my-folder',
        origin: 'files',
        description: { ...description, suggestedName: 'openai-community/gpt2' },
      }),
    ).toEqual({ name: 'openai-community/gpt2' });
    const bare = peftBaseModel({
      name: 'tiny-gpt2',
      origin: 'files',
      description: { ...description, suggestedName: undefined },
    });
    expect(bare.name).toBe('tiny-gpt2');
    expect(bare.note).toContain('set its base_model_name_or_path to the Hub id or the local folder of that model');
  });
});
