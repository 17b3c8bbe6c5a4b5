// Pictures of what a person sees, for the README. Written to docs/screenshots only when UPDATE_SCREENSHOTS=1,
// so an ordinary test run never changes the tree; either way the screens must render without errors.
import { expect, test } from '@playwright/test';
import { loadSmallDemo } from './studio';

const save = process.env.UPDATE_SCREENSHOTS === '1';

test('the phases screen on the demo dataset', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.setViewportSize({ width: 1280, height: 1100 });
  await page.goto('/');
  await page.getByRole('button', { name: 'Try the demo dataset' }).click();
  await expect(page.getByTestId('phase-table')).toBeVisible();
  await page.getByTestId('score-histogram').scrollIntoViewIfNeeded();
  const shot = await page.screenshot({ fullPage: false, path: save ? 'docs/screenshots/phases.png' : undefined });
  expect(shot.byteLength).toBeGreaterThan(10_000);
  expect(errors).toEqual([]);
});

test('the train and compare screens after phased vs one-off from the base model (wasm, for speed)', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.setViewportSize({ width: 1280, height: 1000 });
  await page.goto('/?backend=wasm');
  await loadSmallDemo(page, 20);
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(page.getByLabel('Model', { exact: true })).toHaveValue('base:');
  await page.getByLabel('Batch', { exact: true }).fill('8');
  await page.getByLabel('Epochs per phase').fill('2');
  await page.getByLabel('Seeds per arm').fill('2');
  await page.getByTestId('train-compare-preset').click();
  const rows = page.getByTestId('run-row');
  await expect(rows).toHaveCount(4);
  for (let i = 0; i < 4; i++) await expect(rows.nth(i)).toHaveAttribute('data-status', 'done', { timeout: 240_000 });
  await page.screenshot({ path: save ? 'docs/screenshots/train.png' : undefined });
  await page.getByRole('button', { name: 'Compare' }).click();
  await expect(page.getByTestId('overlay-chart')).toHaveAttribute('data-groups', '2');
  await page.waitForTimeout(300);
  const shot = await page.screenshot({ fullPage: true, path: save ? 'docs/screenshots/compare.png' : undefined });
  expect(shot.byteLength).toBeGreaterThan(10_000);
  expect(errors).toEqual([]);
});

test('Compare on the recorded results, labelled as recorded', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.setViewportSize({ width: 1280, height: 1400 });
  await page.goto('/');
  await page.getByTestId('recorded-invite').getByRole('button', { name: 'Open recorded results' }).click();
  await expect(page.getByTestId('recorded-label')).toContainText('Recorded results, not your runs');
  await expect(page.getByTestId('exact-match-comparison')).toBeVisible();
  await page.waitForTimeout(300);
  const shot = await page.screenshot({
    fullPage: false,
    path: save ? 'docs/screenshots/compare-recorded.png' : undefined,
  });
  expect(shot.byteLength).toBeGreaterThan(10_000);
  expect(errors).toEqual([]);
});
