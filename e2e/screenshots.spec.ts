// Pictures of what a person sees, for the README. Written to docs/screenshots only when UPDATE_SCREENSHOTS=1,
// so an ordinary test run never changes the tree; either way the screens must render without errors.
import { expect, test } from '@playwright/test';

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
