import { expect, test } from '@playwright/test';
import { loadSmallDemo, microSettings } from './studio';

test('phased vs one-off on WebGPU, then both overlaid on Compare with what changed and the paired difference', async ({ page }) => {
  test.setTimeout(400_000);
  await page.goto('/?backend=webgpu');
  await loadSmallDemo(page);
  await microSettings(page);
  await page.getByTestId('train-compare-preset').click();

  // The first run's chart grows while it trains, with a shaded band per phase.
  const chart = page.getByTestId('loss-chart');
  await expect.poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 180_000 }).toBeGreaterThan(0);
  await expect(chart.locator('.recharts-reference-area').first()).toBeVisible();

  const rows = page.getByTestId('run-row');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toHaveAttribute('data-status', 'done', { timeout: 300_000 });
  await expect(rows.nth(1)).toHaveAttribute('data-status', 'done', { timeout: 300_000 });
  await expect(page.getByTestId('backend-name')).toHaveText('webgpu');

  await page.getByRole('button', { name: 'Compare' }).click();
  await expect(page.getByTestId('overlay-chart')).toHaveAttribute('data-groups', '2');
  await expect(page.getByTestId('overlay-chart').locator('.recharts-line')).toHaveCount(2);
  const changed = page.getByTestId('what-changed');
  await expect(changed).toContainText('arm.kind');
  await expect(changed).toContainText('easy-to-hard');
  await expect(changed).toContainText('one-off');
  await expect(changed).not.toContainText('hyper.lr');
  await expect(page.getByTestId('heldout-table')).toContainText('Easy → hard');
  await expect(page.getByTestId('paired-row')).toHaveCount(1);
});
