import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { unzipSync } from 'fflate';
import { parseSafetensors } from '../src/core/model/safetensors';
import { startHubServer, type HubTestServer } from '../src/testing/hubServer.node';
import { downloadExportZip, loadSmallDemo, trainOnWebGpu } from './studio';
import { SMOL, SMOL_CHAT_TEMPLATE, tinySmolLM2 } from '../src/core/hf/testing/tinySmolLM2';

// Issue #24's end-to-end check: a SmolLM2-shaped model (llama, grouped attention, tied head, bf16, its own
// tokenizer.json and ChatML template) by Hub id from a local Hub, LoRA on WebGPU over the demo's three phases, both
// exports downloaded and read back.
const MODEL_ID = 'test-org/SmolLM2-tiny-Instruct';
const fixture = tinySmolLM2();
let hub: HubTestServer;

test.beforeAll(async () => {
  hub = await startHubServer([{ kind: 'model', id: MODEL_ID, files: fixture.files }]);
});
test.afterAll(async () => {
  await hub.close();
});

const json = (b: Buffer | undefined) => JSON.parse(b!.toString('utf8')) as Record<string, unknown>;
const TOKENIZER_FILES = ['generation_config.json', 'tokenizer.json', 'tokenizer_config.json'];

test('a SmolLM2-shaped model by Hub id trains LoRA on WebGPU through three phases and exports merged and as peft', async ({
  page,
}) => {
  test.setTimeout(420_000);
  await page.goto(`/?backend=webgpu&hub=${encodeURIComponent(hub.url)}`);
  await loadSmallDemo(page, 4);
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await page.getByTestId('model-import').locator('summary').click();
  await page.getByTestId('model-url').fill(MODEL_ID);
  await page.getByTestId('model-url-download').click();
  await expect(page.getByTestId('model-imported')).toBeVisible({ timeout: 60_000 });
  expect(hub.requests.some((r) => r.path.endsWith('/model.safetensors'))).toBe(true);
  const card = page.getByTestId('imported-model');
  await expect(card.getByTestId('imported-model-name')).toHaveText(MODEL_ID);
  await expect(card.getByTestId('imported-model-stats')).toContainText('llama');

  await page.getByLabel('Model', { exact: true }).selectOption(`hf:${await card.getAttribute('data-model-id')}`);
  await page.getByLabel('Train LoRA adapters').check();
  await page.getByLabel('LoRA rank r').fill('4');
  await page.getByLabel('Epochs per phase').fill('1');
  await page.getByLabel('Batch', { exact: true }).fill('4');
  await page.getByLabel('Learning rate').fill('0.01');
  const { backend, reason } = await trainOnWebGpu(page, 360_000);
  console.log(`SmolLM2-shaped LoRA run on ${backend}: ${reason}`);
  expect(backend).toBe('webgpu');
  expect(reason).toMatch(/LoRA: rank 4, alpha 16 on attn\.q_proj, attn\.v_proj;/);
  expect(reason).toContain('llama');
  // The model brings SmolLM2-Instruct's template: the run trained in it, not in the studio's own.
  expect(reason).toContain("Records written with the model's own chat template (tokenizer_config.json chat_template).");
  // Each phase trained and was evaluated: the adapters and the model's spec carried from one phase to the next.
  await expect(page.getByTestId('eval-table').locator('tbody tr')).toHaveCount(3);

  const adapterZip = await downloadExportZip(page, 'peft-export');
  expect(adapterZip.fileName).toMatch(/^test-org-SmolLM2-tiny-Instruct-peft-adapter-step-\d+\.zip$/);
  const adapter = adapterZip.files;
  expect(Object.keys(adapter).sort()).toEqual(
    ['adapter_config.json', 'adapter_model.safetensors', ...TOKENIZER_FILES].sort(),
  );
  const adapterConfig = json(adapter['adapter_config.json']);
  expect(adapterConfig).toMatchObject({ peft_type: 'LORA', r: 4, lora_alpha: 16, task_type: 'CAUSAL_LM' });
  // the Hub id it was downloaded by, which PeftModel.from_pretrained loads the base from
  expect(adapterConfig.base_model_name_or_path).toBe(MODEL_ID);
  const targets = adapterConfig.target_modules as string[];
  expect(targets).toContain('q_proj');
  expect(targets.every((t) => /^(q|k|v|o|gate|up|down)_proj$/.test(t))).toBe(true);
  const st = parseSafetensors(new Uint8Array(adapter['adapter_model.safetensors']!));
  const B = st.read('base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight');
  expect(B.shape).toEqual([SMOL.width, 4]);
  expect(Math.max(...Array.from(B.data).map(Math.abs))).toBeGreaterThan(0); // trained away from zero
  expect(json(adapter['tokenizer_config.json']).chat_template).toBe(SMOL_CHAT_TEMPLATE);

  const mergedZip = await downloadExportZip(page, 'hf-export');
  expect(mergedZip.fileName).toMatch(/^test-org-SmolLM2-tiny-Instruct-merged-step-\d+\.zip$/);
  const merged = mergedZip.files;
  expect(Object.keys(merged).sort()).toEqual(['config.json', 'model.safetensors', ...TOKENIZER_FILES].sort());
  expect(json(merged['config.json'])).toMatchObject({
    model_type: 'llama',
    hidden_size: SMOL.width,
    num_hidden_layers: SMOL.layers,
    num_attention_heads: SMOL.heads,
    num_key_value_heads: SMOL.kvHeads,
    tie_word_embeddings: true,
    vocab_size: fixture.vocabSize,
  });
  expect(merged['tokenizer.json']!.toString('utf8')).toBe(fixture.files['tokenizer.json']);
  expect(json(merged['tokenizer_config.json']).chat_template).toBe(SMOL_CHAT_TEMPLATE);
  expect(json(merged['generation_config.json'])).toMatchObject({ eos_token_id: 2 });
  const weights = parseSafetensors(new Uint8Array(merged['model.safetensors']!));
  const names = weights.entries.map((e) => e.name);
  expect(names.some((n) => n.includes('lora'))).toBe(false);
  expect(names).toContain('model.layers.1.mlp.down_proj.weight');
  const q = weights.read('model.layers.0.self_attn.q_proj.weight').data;
  const q0 = fixture.tensors['model.layers.0.self_attn.q_proj.weight']!.data;
  expect(q.some((v, i) => v !== q0[i])).toBe(true); // the adapter merged in

  // The scale-out recipe writes the records in the template the run trained in: the base model's own.
  await page.getByRole('button', { name: 'Data & phases' }).click();
  await page.getByText('Outgrow the browser').click();
  await expect(page.getByLabel('Records in')).toHaveValue('chat:model');
  // the default base model (Llama-2-7b, a base model) ships no chat template: the form says so
  await expect(page.getByTestId('scale-out-template-hint')).toContainText('does not look like a chat model');
  await page.getByLabel('Base model').fill('HuggingFaceTB/SmolLM2-135M-Instruct');
  await expect(page.getByLabel('LLaMA-Factory template')).toHaveAttribute('placeholder', 'chatml');
  await expect(page.getByTestId('scale-out-template-hint')).toHaveCount(0);
  const recipeDownload = page.waitForEvent('download');
  await page.getByTestId('scale-out-download').click();
  const recipe = unzipSync(new Uint8Array(readFileSync(await (await recipeDownload).path())));
  const recipeJson = Object.entries(recipe).find(([name]) => name.endsWith('/trl/recipe.json'))![1];
  expect(JSON.parse(new TextDecoder().decode(recipeJson))).toMatchObject({
    template: 'chat',
    chat_template: { choice: 'model', source: null },
  });
});
