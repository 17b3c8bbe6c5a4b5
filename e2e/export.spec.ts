import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect, test } from '@playwright/test';
import { unzipSync } from 'fflate';
import { parseSafetensors } from '../src/core/model/safetensors';
import { loadSmallDemo, microSettings } from './studio';

test('the scale-out recipe downloads as one zip holding a consistent TRL and LLaMA-Factory setup', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Try the demo dataset' }).click();
  await expect(page.getByTestId('phase-table')).toBeVisible();
  await page.getByText('Outgrow the browser').click();
  await expect(page.getByTestId('scale-out-recipes')).toContainText('TRL + accelerate');
  await expect(page.getByTestId('scale-out-recipes')).toContainText('LLaMA-Factory');
  await expect(page.getByTestId('scale-out-tested')).toContainText(
    /Tested end to end with torch [\d.]+, transformers [\d.]+/,
  );
  const download = page.waitForEvent('download');
  await page.getByTestId('scale-out-download').click();
  const zip = await download;
  expect(zip.suggestedFilename()).toMatch(/-scale-out\.zip$/);
  await expect(page.getByTestId('scale-out-status')).toContainText('Unzip it');

  const dir = mkdtempSync(join(tmpdir(), 'scale-out-'));
  const entries = unzipSync(new Uint8Array(readFileSync(await zip.path())));
  for (const [name, bytes] of Object.entries(entries)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), bytes);
  }
  const [folder] = readdirSync(dir);
  const root = join(dir, folder!);
  const info = JSON.parse(readFileSync(join(root, 'data/dataset_info.json'), 'utf8')) as Record<
    string,
    { file_name: string }
  >;
  for (const entry of Object.values(info)) expect(existsSync(join(root, 'data', entry.file_name))).toBe(true);
  const configs = readdirSync(join(root, 'configs'))
    .filter((f) => f.startsWith('stage-'))
    .sort();
  expect(configs).toHaveLength(3);
  // Stage k starts from stage k-1's output.
  const field = (file: string, key: string) =>
    new RegExp(`^${key}: *"?([^"\\n]+)"?`, 'm').exec(readFileSync(join(root, 'configs', file), 'utf8'))?.[1];
  for (let k = 1; k < configs.length; k++)
    expect(field(configs[k]!, 'model_name_or_path')).toBe(field(configs[k - 1]!, 'output_dir'));
  execFileSync('bash', ['-n', join(root, 'run_phased.sh')]);

  // The TRL recipe: its stages name the same phase files, with the same records as LLaMA-Factory's.
  const trl = JSON.parse(readFileSync(join(root, 'trl/recipe.json'), 'utf8')) as {
    stages: { data: string; phase: number }[];
  };
  expect(trl.stages.map((s) => s.phase)).toEqual([1, 2, 3]);
  const ids = (path: string) =>
    readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { id: string }).id);
  for (const s of trl.stages)
    expect(ids(join(root, 'trl', s.data))).toEqual(ids(join(root, 'data', s.data.slice('data/'.length))));
  execFileSync('python3', ['-m', 'py_compile', join(root, 'trl/train_phased.py')]);
  expect(JSON.parse(readFileSync(join(root, 'trl/recipe.json'), 'utf8'))).toMatchObject({
    finetuning: 'full',
    lora: null,
    // the demo model trains in the studio's own template, and so does the recipe
    template: 'paper',
    chat_template: null,
  });
  await expect(page.getByLabel('Records in')).toHaveValue('paper');
  await expect(page.getByLabel('Records in').locator('option:checked')).toContainText('(as the training form)');

  // LoRA: both recipes train adapters, each stage on the previous stage's adapter over the same base model.
  await page.getByLabel('Fine-tuning').selectOption('lora');
  await page.getByLabel('Base model').fill('openai-community/gpt2');
  const loraDownload = page.waitForEvent('download');
  await page.getByTestId('scale-out-download').click();
  const lora = unzipSync(new Uint8Array(readFileSync(await (await loraDownload).path())));
  const text = (name: string) => new TextDecoder().decode(lora[`${folder}/${name}`]);
  const loraRecipe = JSON.parse(text('trl/recipe.json')) as {
    finetuning: string;
    lora: { r: number; by_model_type: { gpt2: { target_modules: string[] } } };
  };
  expect(loraRecipe.finetuning).toBe('lora');
  expect(loraRecipe.lora.r).toBe(8);
  expect(loraRecipe.lora.by_model_type.gpt2.target_modules).toEqual(['c_attn']);
  expect(text('configs/stage-2_phase-2.yaml')).toMatch(/^finetuning_type: lora$/m);
  expect(text('configs/stage-2_phase-2.yaml')).toMatch(/^model_name_or_path: openai-community\/gpt2$/m);
  expect(text('configs/stage-2_phase-2.yaml')).toMatch(/^adapter_name_or_path: saves\/stage-1_phase-1/m);
  expect(text('configs/stage-1_phase-1.yaml')).toMatch(/^lora_target: c_attn/m);

  // Records in a built-in chat template: recipe.json carries its source, LLaMA-Factory gets the template that writes it
  await page.getByLabel('Records in').selectOption('chat:chatml');
  await page.getByLabel('Base model').fill('HuggingFaceTB/SmolLM2-135M');
  await expect(page.getByLabel('LLaMA-Factory template')).toHaveAttribute('placeholder', 'chatml');
  const chatDownload = page.waitForEvent('download');
  await page.getByTestId('scale-out-download').click();
  const chat = unzipSync(new Uint8Array(readFileSync(await (await chatDownload).path())));
  const chatFolder = Object.keys(chat)[0]!.split('/')[0];
  const chatRecipe = JSON.parse(new TextDecoder().decode(chat[`${chatFolder}/trl/recipe.json`])) as {
    template: string;
    chat_template: { choice: string; source: string };
  };
  expect(chatRecipe.template).toBe('chat');
  expect(chatRecipe.chat_template.choice).toBe('chatml');
  expect(chatRecipe.chat_template.source).toContain('<|im_start|>');
  expect(new TextDecoder().decode(chat[`${chatFolder}/configs/stage-1_phase-1.yaml`])).toMatch(/^template: chatml$/m);
});

test('a finished run exports its metrics as CSV and its checkpoint as safetensors (WebGPU)', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('/?backend=webgpu');
  await loadSmallDemo(page);
  await microSettings(page);
  await page.getByLabel('Batch', { exact: true }).fill('16');
  // Before Start the form says what each phase's updates will be: at batch 16 each phase is one step, too short
  // for a warm-up step, so it trains at the peak instead of at LR 0
  const preview = page.getByTestId('schedule-preview');
  await expect(preview.getByTestId('schedule-preview-stage').first()).toHaveText(
    /^Phase 1: 1 step \(its one update at LR [\d.e-]+\)$/,
  );
  await expect(preview.getByTestId('schedule-preview-short')).toContainText('Phase 1');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('run-panel')).toHaveAttribute('data-status', 'done', { timeout: 240_000 });
  const exports = page.getByTestId('run-exports');

  const csvDownload = page.waitForEvent('download');
  await exports.getByRole('button', { name: 'Metrics (CSV)' }).click();
  const csv = readFileSync(await (await csvDownload).path(), 'utf8')
    .trim()
    .split('\n');
  expect(csv[0]).toBe(
    'step,tokens,stage,train_loss,lr,heldout_loss,heldout_loss_phase_1,heldout_loss_phase_2,heldout_loss_phase_3',
  );
  expect(csv.length).toBeGreaterThan(3);
  // every update trained: no step at LR 0, the first stage's one included
  const lrs = csv.slice(1).map((row) => Number(row.split(',')[4]));
  expect(lrs.length).toBeGreaterThanOrEqual(3);
  expect(lrs.every((lr) => lr > 0)).toBe(true);
  const lastStep = csv.at(-1)!.split(',');
  expect(Number(lastStep[5])).toBeGreaterThan(0); // the final evaluation sits on the last step

  const ckDownload = page.waitForEvent('download');
  await exports.getByRole('button', { name: /Checkpoint/ }).click();
  const file = parseSafetensors(new Uint8Array(readFileSync(await (await ckDownload).path())));
  expect(file.has('wte')).toBe(true);
  expect(file.has('h.1.mlp.c_fc.weight')).toBe(true);
  const config = JSON.parse(file.metadata['studio.config']!) as { layers: number; width: number };
  expect(config).toMatchObject({ layers: 2, width: 32 });
  const wte = file.read('wte');
  expect(wte.shape[1]).toBe(32);
  expect(Array.from(wte.data).every(Number.isFinite)).toBe(true);
});
