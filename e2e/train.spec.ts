import { expect, test } from '@playwright/test';
import { loadSmallDemo, microSettings } from './studio';

test('phased training runs phase by phase on WebGPU and reports held-out loss per bucket', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('/?backend=webgpu');
  await loadSmallDemo(page);
  await microSettings(page);
  await expect(page.getByLabel('Backend')).toHaveValue('webgpu');
  await page.getByTestId('train-start').click();

  const panel = page.getByTestId('run-panel');
  await expect(panel).toHaveAttribute('data-status', /running|done/, { timeout: 120_000 });
  await expect(panel).toHaveAttribute('data-status', 'done', { timeout: 240_000 });
  const backend = await page.getByTestId('backend-name').textContent();
  console.log(`training backend: ${backend}; ${await page.getByTestId('backend-reason').textContent()}`);
  expect(backend).toBe('webgpu');

  // Three phases, each closed by a held-out evaluation over all three buckets.
  const evalRows = page.getByTestId('eval-table').locator('tbody tr');
  await expect(evalRows).toHaveCount(3);
  await expect(page.getByTestId('eval-table').locator('thead th')).toHaveText([
    'after',
    'tokens',
    'all',
    'phase 1',
    'phase 2',
    'phase 3',
  ]);
  const points = Number(await page.getByTestId('loss-chart').getAttribute('data-points'));
  expect(points).toBeGreaterThan(3);
  const losses = await evalRows.locator('td:nth-child(3)').allTextContents();
  for (const l of losses) expect(Number(l)).toBeGreaterThan(0);
  // no tensor left in the worker, and no debug text about it on the page
  await expect(page.getByTestId('run-exports')).toHaveAttribute('data-leftover-tensors', '0');
  await expect(page.getByTestId('leftover-tensors')).toHaveCount(0);
});
