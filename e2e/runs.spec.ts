import { expect, test } from '@playwright/test';
import { loadSmallDemo, microSettings } from './studio';

// WebGPU on the software adapter is slow enough (about a second a step) that the reload reliably lands mid-run.
const backend = 'webgpu';

test(`a run interrupted by a reload resumes from its last checkpoint (${backend})`, async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto(`/?backend=${backend}`);
  await loadSmallDemo(page);
  await microSettings(page);
  await page.getByLabel('Epochs per phase').fill('4');
  await page.getByTestId('train-start').click();

  // Phase 1 ends with a checkpoint saved in IndexedDB; pause in phase 2 and reload: the page goes away mid-run.
  const row = page.getByTestId('run-row').first();
  await expect(row).toHaveAttribute('data-checkpoint-step', /\d+/, { timeout: 180_000 });
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(row).toHaveAttribute('data-status', 'paused');
  const savedStep = Number(await row.getAttribute('data-checkpoint-step'));
  await page.reload();

  await page.getByRole('button', { name: 'Train' }).click();
  const restored = page.getByTestId('run-row').first();
  await expect(restored).toHaveAttribute('data-status', 'interrupted');
  await restored.getByRole('button', { name: `Resume from step ${savedStep}` }).click();
  await expect(page.getByTestId('run-panel')).toHaveAttribute('data-status', 'done', { timeout: 240_000 });
  await expect(page.getByTestId('backend-name')).toHaveText(backend);
  // One evaluation per phase end: the one before the reload was kept, the others came after the resume.
  await expect(page.getByTestId('eval-table').locator('tbody tr')).toHaveCount(3);
});
