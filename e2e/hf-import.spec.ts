import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { parseSafetensors } from '../src/core/model/safetensors';
import { tinyHfCheckpoint } from '../src/core/hf/testing/hfFixtures';
import { downloadExportZip, loadSmallDemo, trainOnWebGpu } from './studio';

// A tiny random GPT-2 in Hugging Face layout (transformer. prefix, mask buffers, tokenizer.json + vocab/merges),
// generated here and written to a temp folder as a user's download would be.
const fixture = tinyHfCheckpoint({ architecture: 'gpt2', positions: 64, seed: 7 });
const V = 277;
const C = 16;

function writeFolder(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'hf-import-')), 'tiny-gpt2');
  mkdirSync(dir);
  for (const [name, content] of Object.entries(fixture.files)) writeFileSync(join(dir, name), content);
  return dir;
}

const asBuffer = (content: Uint8Array | string) =>
  typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);

/** Drop files on the import panel the way a file manager does: one DataTransfer holding several Files. */
async function dropFiles(page: Page, files: Record<string, Buffer>) {
  const payload = Object.entries(files).map(([name, buf]) => [name, buf.toString('base64')] as const);
  const dataTransfer = await page.evaluateHandle((entries) => {
    const dt = new DataTransfer();
    for (const [name, b64] of entries) {
      const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
      dt.items.add(new File([bytes], name));
    }
    return dt;
  }, payload);
  await page.dispatchEvent('[data-testid=model-dropzone]', 'drop', { dataTransfer });
}

async function openImportPanel(page: Page) {
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await page.getByTestId('model-import').locator('summary').click();
  await expect(page.getByTestId('model-dropzone')).toBeVisible();
}

test('a dropped GPT-2 folder is described, fine-tuned on WebGPU and exported back to Hugging Face layout', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const folder = writeFolder();
  const onDisk = Object.fromEntries(Object.keys(fixture.files).map((name) => [name, readFileSync(join(folder, name))]));
  await page.goto('/?backend=webgpu');
  await loadSmallDemo(page);
  await openImportPanel(page);

  // Bad input 1: no config.json. The message names the file; the files given are kept.
  const { 'config.json': _config, ...withoutConfig } = onDisk;
  await page
    .getByTestId('model-file-input')
    .setInputFiles(
      Object.entries(withoutConfig).map(([name, buffer]) => ({ name, mimeType: 'application/octet-stream', buffer })),
    );
  const error = page.getByTestId('model-import-error');
  await expect(error).toHaveAttribute('data-file', 'config.json');
  await expect(error).toContainText('config.json is not provided');
  await expect(page.getByTestId('imported-model')).toHaveCount(0);

  // The whole folder, dropped: checked in the worker and described.
  await dropFiles(page, onDisk);
  await expect(page.getByTestId('model-imported')).toBeVisible();
  await expect(error).toHaveCount(0);
  const card = page.getByTestId('imported-model');
  await expect(card).toHaveCount(1);
  const stats = card.getByTestId('imported-model-stats');
  await expect(stats).toContainText('gpt2');
  await expect(stats).toContainText(`${V}`);
  await expect(stats).toContainText('64');
  await expect(card.getByTestId('imported-model-notes')).toContainText('Skipped 4 attention-mask buffers');
  await expect(card.getByLabel('Prune vocabulary')).toBeChecked();
  await expect(card.getByTestId('model-memory')).toContainText('One training step at batch');
  console.log(
    `described: ${(await stats.textContent())?.replace(/\s+/g, ' ')} · ${await card.getByTestId('model-memory').textContent()}`,
  );

  // Bad input 2: a truncated model.safetensors. The message names it; the imported model stays.
  const weights = onDisk['model.safetensors']!;
  await page
    .getByTestId('model-file-input')
    .setInputFiles(
      Object.entries({ ...onDisk, 'model.safetensors': weights.subarray(0, weights.length - 1000) }).map(
        ([name, buffer]) => ({ name, mimeType: 'application/octet-stream', buffer }),
      ),
    );
  await expect(error).toHaveAttribute('data-file', 'model.safetensors');
  await expect(error).toContainText(/truncated/);
  console.log(`bad input message: ${await error.textContent()}`);
  await expect(card).toHaveCount(1);

  // Pick it in the Model menu and fine-tune briefly on WebGPU.
  const modelId = await card.getAttribute('data-model-id');
  await page.getByLabel('Model', { exact: true }).selectOption(`hf:${modelId}`);
  await expect(card).toHaveAttribute('data-selected', 'true');
  await page.getByLabel('Epochs per phase').fill('1');
  await page.getByLabel('Batch', { exact: true }).fill('4');
  await page.getByText('More settings').click();
  await page.getByLabel('Max steps (0 = all)').fill('6');
  await page.getByLabel('Learning rate').fill('0.01');
  const { backend, reason } = await trainOnWebGpu(page);
  console.log(`training backend: ${backend}; ${reason}`);
  expect(backend).toBe('webgpu');
  const kept = Number(/Vocabulary pruned to the (\d+) of 277 tokens/.exec(reason)?.[1]);
  expect(kept).toBeGreaterThan(256);

  // Export: one zip of the folder, every file under its own name.
  const { fileName, files } = await downloadExportZip(page, 'hf-export');
  expect(fileName).toMatch(/-merged-step-\d+\.zip$/);
  expect(Object.keys(files).sort()).toEqual([
    'config.json',
    'merges.txt',
    'model.safetensors',
    'tokenizer.json',
    'tokenizer_config.json',
    'vocab.json',
  ]);

  const st = parseSafetensors(new Uint8Array(files['model.safetensors']!));
  const names = Object.keys(fixture.tensors).sort();
  expect(st.entries.map((e) => e.name).sort()).toEqual(names);
  expect(names).toContain('transformer.h.0.attn.c_attn.weight');
  let changed = 0;
  for (const name of names) {
    const t = st.read(name);
    expect(t.shape, name).toEqual(fixture.tensors[name]!.shape);
    expect(Array.from(t.data).every(Number.isFinite), `${name} finite`).toBe(true);
    if (t.data.some((v, i) => v !== fixture.tensors[name]!.data[i])) changed++;
  }
  expect(changed).toBeGreaterThan(names.length / 2);
  // Unpruned back to the full table: the rows pruning dropped come back exactly as they were.
  const wte = st.read('transformer.wte.weight').data;
  const original = fixture.tensors['transformer.wte.weight']!.data;
  let sameRows = 0;
  for (let id = 0; id < V; id++)
    if (wte.subarray(id * C, (id + 1) * C).every((v, c) => v === original[id * C + c])) sameRows++;
  expect(sameRows).toBe(V - kept);
  expect(JSON.parse(files['config.json']!.toString('utf8'))).toMatchObject({
    model_type: 'gpt2',
    vocab_size: V,
    n_positions: 64,
    n_embd: C,
  });
  console.log(
    `exported ${Object.keys(files).join(', ')}: ${changed}/${names.length} tensors changed by training, ${sameRows} pruned rows restored`,
  );
});

test('a model folder downloads from a base URL with progress, and a second import comes from the browser cache', async ({
  page,
}) => {
  test.setTimeout(120_000);
  // Sharded weights and vocab.json + merges.txt (no tokenizer.json): the downloader falls back through both choices.
  const sharded = tinyHfCheckpoint({ architecture: 'gpt2', positions: 32, shards: 2, seed: 3 });
  const { 'tokenizer.json': _tok, ...served } = sharded.files;
  const requests: string[] = [];
  await page.route('**/hf-mirror/tiny-sharded/resolve/main/*', async (route) => {
    const name = new URL(route.request().url()).pathname.split('/').pop()!;
    requests.push(name);
    const content = served[name];
    if (content === undefined) await route.fulfill({ status: 404, body: 'not found' });
    else {
      // Slow enough on the shards that the progress bar can be seen.
      if (name.endsWith('.safetensors')) await new Promise((r) => setTimeout(r, 400));
      await route.fulfill({
        status: 200,
        body: asBuffer(content),
        headers: { 'content-type': 'application/octet-stream' },
      });
    }
  });
  await page.goto('/');
  await loadSmallDemo(page);
  await openImportPanel(page);

  const url = new URL('/hf-mirror/tiny-sharded/resolve/main/', page.url()).href;
  await page.getByTestId('model-url').fill(url);
  await page.getByTestId('model-url-download').click();
  await expect(page.getByTestId('model-import-status')).toHaveAttribute('data-stage', 'downloading');
  await expect(page.getByTestId('model-import-status')).toContainText(/model-0000\d-of-00002\.safetensors/);
  await expect(page.getByTestId('model-imported')).toBeVisible({ timeout: 60_000 });
  const card = page.getByTestId('imported-model');
  await expect(card).toHaveCount(1);
  await expect(card.getByTestId('imported-model-name')).toHaveText('hf-mirror/tiny-sharded');
  await expect(card).toContainText('model-00001-of-00002.safetensors, model-00002-of-00002.safetensors');
  await expect(card).toContainText('vocab.json + merges.txt');
  const fetched = requests.length;
  expect(requests).toContain('tokenizer.json'); // tried first, 404
  expect(requests).toContain('model.safetensors'); // tried first, 404

  // Again: the bytes come from Cache Storage (only the 404s are asked again); the model is refreshed, not doubled.
  await page.getByTestId('model-url-download').click();
  await expect(page.getByTestId('model-imported')).toContainText('imported again', { timeout: 60_000 });
  await expect(card).toHaveCount(1);
  const again = requests.slice(fetched);
  expect(again.filter((n) => served[n] !== undefined)).toEqual([]);

  // A wrong address names the file it could not find.
  await page.getByTestId('model-url').fill(new URL('/hf-mirror/nothing-here/resolve/main/', page.url()).href);
  await page.getByTestId('model-url-download').click();
  await expect(page.getByTestId('model-import-error')).toHaveAttribute('data-file', 'config.json');
  await expect(card).toHaveCount(1);
});
