import { expect, test, type Page } from '@playwright/test';
import { parseSafetensors } from '../src/core/model/safetensors';
import { tinyHfCheckpoint } from '../src/core/hf/testing/hfFixtures';
import { downloadExportZip, loadSmallDemo, trainOnWebGpu } from './studio';

// A tiny random GPT-2 folder, generated here, fine-tuned with LoRA on WebGPU over the small demo's three phases;
// the adapters come back as a peft adapter folder and merged into a Hugging Face folder.
const fixture = tinyHfCheckpoint({ architecture: 'gpt2', positions: 64, seed: 5 });

async function importFixture(page: Page) {
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await page.getByTestId('model-import').locator('summary').click();
  await page.getByTestId('model-file-input').setInputFiles(
    Object.entries(fixture.files).map(([name, content]) => ({
      name,
      mimeType: 'application/octet-stream',
      buffer: Buffer.from(content),
    })),
  );
  await expect(page.getByTestId('model-imported')).toBeVisible();
}

test('LoRA on an imported GPT-2 trains phase after phase on WebGPU and exports a peft adapter and a merged model', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await page.goto('/?backend=webgpu');
  await loadSmallDemo(page);
  await importFixture(page);
  const card = page.getByTestId('imported-model');
  await page.getByLabel('Model', { exact: true }).selectOption(`hf:${await card.getAttribute('data-model-id')}`);
  // The memory note shows both estimates.
  await expect(card.getByTestId('model-memory-lora')).toContainText('With LoRA (rank 8');

  await page.getByLabel('Train LoRA adapters').check();
  await page.getByLabel('LoRA rank r').fill('4');
  await page.getByLabel('LoRA on mlp.c_proj').check();
  await expect(card.getByTestId('model-memory-lora')).toContainText('as chosen');
  await page.getByLabel('Epochs per phase').fill('1');
  await page.getByLabel('Batch', { exact: true }).fill('4');
  await page.getByLabel('Learning rate').fill('0.01');
  const { backend, reason } = await trainOnWebGpu(page);
  const panel = page.getByTestId('run-panel');
  await expect(panel).toHaveAttribute('data-status', 'done');
  expect(backend).toBe('webgpu');
  expect(reason).toMatch(/LoRA: rank 4, alpha 16 on attn\.c_attn, mlp\.c_proj; [\d,]+ of [\d,]+ parameters train/);
  console.log(`LoRA run: ${reason}`);
  // Every phase trained and was evaluated: the adapters carried from one phase to the next.
  await expect(page.getByTestId('eval-table').locator('tbody tr')).toHaveCount(3);

  const adapter = (await downloadExportZip(page, 'peft-export')).files;
  expect(Object.keys(adapter).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
  const config = JSON.parse(adapter['adapter_config.json']!.toString('utf8')) as Record<string, unknown>;
  expect(config).toMatchObject({
    peft_type: 'LORA',
    r: 4,
    lora_alpha: 16,
    fan_in_fan_out: true,
    task_type: 'CAUSAL_LM',
    target_modules: ['c_attn', 'mlp.c_proj'],
  });
  const st = parseSafetensors(new Uint8Array(adapter['adapter_model.safetensors']!));
  const names = st.entries.map((e) => e.name);
  expect(names).toHaveLength(2 * 2 * 2);
  expect(names).toContain('base_model.model.transformer.h.1.mlp.c_proj.lora_B.weight');
  const B = st.read('base_model.model.transformer.h.0.attn.c_attn.lora_B.weight');
  expect(B.shape).toEqual([48, 4]);
  expect(Math.max(...Array.from(B.data).map(Math.abs))).toBeGreaterThan(0); // trained away from zero

  const merged = (await downloadExportZip(page, 'hf-export')).files;
  const weights = parseSafetensors(new Uint8Array(merged['model.safetensors']!));
  expect(weights.entries.some((e) => e.name.includes('lora'))).toBe(false);
  const cAttn = weights.read('transformer.h.0.attn.c_attn.weight').data;
  expect(cAttn.some((v, i) => v !== fixture.tensors['transformer.h.0.attn.c_attn.weight']!.data[i])).toBe(true);
  // Frozen: a projection without an adapter is exported exactly as imported.
  expect(Array.from(weights.read('transformer.h.0.mlp.c_fc.weight').data)).toEqual(
    Array.from(fixture.tensors['transformer.h.0.mlp.c_fc.weight']!.data),
  );
});
