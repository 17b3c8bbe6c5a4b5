// The newcomer's path: the built-in demo data and base model, phased and one-off trained on WebGPU, exact match per
// level side by side. The software adapter is slow, so the run is shortened the way a person with a slow GPU would:
// 0.2 % of each phase (one step per phase at batch 8: what is checked is the path, not what it learns) and 1 % held
// out, one epoch. At a load of 11–16 on 2 cores, 1 % of each phase took 424 s and 311 s for the two runs; what is
// left (kernel compilation, phase-end samples, exact match) is the behaviour under test.
import { expect, test } from '@playwright/test';

test('the demo: base model by default, phased and one-off train on WebGPU, exact match per level side by side', async ({
  page,
}) => {
  test.setTimeout(1_200_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/?backend=webgpu');
  await page.getByRole('button', { name: 'Try the demo dataset' }).click();
  await expect(page.getByTestId('phase-table')).toBeVisible();
  await page.getByLabel('Held-out percent').fill('1');
  await expect(page.getByText(/held out: 30 \(1\.0% of every phase/)).toBeVisible();

  await page.getByRole('button', { name: 'Train', exact: true }).click();
  // The shipped base model is the default, and the page says what it is.
  await expect(page.getByLabel('Model', { exact: true })).toHaveValue('base:');
  await expect(page.getByTestId('model-note')).toContainText('demo base model');
  await expect(page.getByLabel('Learning rate')).toHaveValue('0.001');
  await page.getByLabel('Share of each phase, % (100 = all)').fill('0.2');
  await expect(page.getByTestId('model-note')).toContainText('first 0.2% of each phase');
  await page.getByLabel('Epochs per phase').fill('1');
  await page.getByLabel('Batch', { exact: true }).fill('8');
  await page.getByTestId('train-compare-preset').click();

  const rows = page.getByTestId('run-row');
  await expect(rows).toHaveCount(2);
  const RUN_ALLOWANCE_MS = 540_000;
  for (let i = 0; i < 2; i++) {
    const t0 = Date.now();
    await expect(rows.nth(i)).toHaveAttribute('data-status', 'done', { timeout: RUN_ALLOWANCE_MS });
    console.log(
      `run ${i + 1} took ${((Date.now() - t0) / 1000).toFixed(0)} s of its ${RUN_ALLOWANCE_MS / 1000} s allowance`,
    );
  }
  const backend = await page.getByTestId('backend-name').textContent();
  console.log(`demo backend: ${backend}; ${await page.getByTestId('backend-reason').textContent()}`);
  expect(backend).toBe('webgpu');
  // Fine-tuned from the base model (0.1M parameters, not the random-init preset), phase by phase.
  await expect(page.getByTestId('backend-reason')).toContainText('base model');
  await expect(page.getByTestId('eval-table').locator('tbody tr')).toHaveCount(1);

  await page.getByRole('button', { name: 'Compare' }).click();
  const table = page.getByTestId('exact-match-comparison');
  await expect(table.locator('thead th')).toHaveText([
    'arm',
    'all',
    'level 1',
    'level 2',
    'level 3',
    'level 4',
    'level 5',
  ]);
  await expect(table.locator('tbody tr')).toHaveCount(3);
  await expect(table).toContainText('Easy → hard');
  await expect(table).toContainText('One-off');
  await expect(table).toContainText('− one-off (paired by seed, points)');
  // Every cell is a measured rate, not a placeholder.
  const cells = await table.locator('tbody tr').nth(0).locator('td.num').allTextContents();
  for (const c of cells) expect(c).toMatch(/^\d+(\.\d)?%/);
  expect(errors).toEqual([]);
});
