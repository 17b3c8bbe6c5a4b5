import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { parseSafetensors } from '../src/core/model/safetensors';
import { loadSmallDemo, microSettings } from './studio';

test('the scale-out recipe unpacks into a consistent LLaMA-Factory setup', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Try the demo dataset' }).click();
  await expect(page.getByTestId('phase-table')).toBeVisible();
  await page.getByText('Outgrow the browser').click();
  const download = page.waitForEvent('download');
  await page.getByTestId('scale-out-bundle').click();
  const bundle = await (await download).path();

  const dir = mkdtempSync(join(tmpdir(), 'scale-out-'));
  execFileSync('bash', [bundle], { cwd: dir });
  const [folder] = readdirSync(dir);
  const root = join(dir, folder!);
  const info = JSON.parse(readFileSync(join(root, 'data/dataset_info.json'), 'utf8')) as Record<string, { file_name: string }>;
  for (const entry of Object.values(info)) expect(existsSync(join(root, 'data', entry.file_name))).toBe(true);
  const configs = readdirSync(join(root, 'configs')).filter((f) => f.startsWith('stage-')).sort();
  expect(configs).toHaveLength(3);
  // Stage k starts from stage k-1's output.
  const field = (file: string, key: string) => new RegExp(`^${key}: *"?([^"\\n]+)"?`, 'm').exec(readFileSync(join(root, 'configs', file), 'utf8'))?.[1];
  for (let k = 1; k < configs.length; k++) expect(field(configs[k]!, 'model_name_or_path')).toBe(field(configs[k - 1]!, 'output_dir'));
  execFileSync('bash', ['-n', join(root, 'run_phased.sh')]);
});

test('a finished run exports its metrics as CSV and its checkpoint as safetensors (WebGPU)', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('/?backend=webgpu');
  await loadSmallDemo(page);
  await microSettings(page);
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('run-panel')).toHaveAttribute('data-status', 'done', { timeout: 240_000 });
  const exports = page.getByTestId('run-exports');

  const csvDownload = page.waitForEvent('download');
  await exports.getByRole('button', { name: 'Metrics (CSV)' }).click();
  const csv = readFileSync(await (await csvDownload).path(), 'utf8').trim().split('\n');
  expect(csv[0]).toBe('step,tokens,stage,train_loss,lr,heldout_loss,heldout_loss_phase_1,heldout_loss_phase_2,heldout_loss_phase_3');
  expect(csv.length).toBeGreaterThan(3);
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
