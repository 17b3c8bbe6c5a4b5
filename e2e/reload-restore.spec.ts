import { expect, test } from '@playwright/test';
import { loadSmallDemo, microSettings } from './studio';

test('a reload keeps the training form and says so', async ({ page }) => {
  await page.goto('/?backend=cpu');
  await loadSmallDemo(page);
  await microSettings(page);
  await page.getByLabel('Seed', { exact: true }).fill('7');
  await page.reload();

  await expect(page.getByTestId('restored-note')).toContainText(
    'Restored after the reload: the training form as you left it.',
  );
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(page.getByLabel('Model', { exact: true })).toHaveValue('preset:micro');
  await expect(page.getByLabel('Epochs per phase')).toHaveValue('1');
  await expect(page.getByLabel('Batch', { exact: true })).toHaveValue('8');
  await expect(page.getByLabel('Seed', { exact: true })).toHaveValue('7');
});

test('a reload mid-run keeps the queued run: it starts by itself after the interrupted one is resumed', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await page.goto('/?backend=cpu');
  await loadSmallDemo(page);
  await microSettings(page);
  await page.getByLabel('Epochs per phase').fill('3');
  await page.getByLabel('Seeds per arm').fill('2');
  await page.getByTestId('train-start').click();

  const rows = page.getByTestId('run-row');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toHaveAttribute('data-status', 'running');
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(rows.nth(0)).toHaveAttribute('data-status', 'paused');
  await expect(rows.nth(1)).toHaveAttribute('data-status', 'queued');
  await page.reload();

  await expect(page.getByTestId('restored-note')).toContainText(
    '1 queued run waits in the queue and starts after the resumed run',
  );
  // the page lands on Train, where the interrupted run is resumed: no click to get there
  await expect(page.getByRole('button', { name: 'Train', exact: true })).toHaveAttribute('aria-current', 'page');
  await expect(rows.nth(0)).toHaveAttribute('data-status', 'interrupted');
  await expect(rows.nth(1)).toHaveAttribute('data-status', 'queued');
  await rows
    .nth(0)
    .getByRole('button', { name: /^(Resume from step \d+|Restart)$/ })
    .click();
  await expect(rows.nth(0)).toHaveAttribute('data-status', 'done', { timeout: 240_000 });
  // No second click: the queue went on by itself.
  await expect(rows.nth(1)).toHaveAttribute('data-status', 'done', { timeout: 240_000 });
});
