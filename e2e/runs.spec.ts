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

  // the page lands on Train, where the interrupted run is resumed
  await expect(page.getByRole('button', { name: 'Train', exact: true })).toHaveAttribute('aria-current', 'page');
  const restored = page.getByTestId('run-row').first();
  await expect(restored).toHaveAttribute('data-status', 'interrupted');
  await restored.getByRole('button', { name: `Resume from step ${savedStep}` }).click();
  await expect(page.getByTestId('run-panel')).toHaveAttribute('data-status', 'done', { timeout: 240_000 });
  await expect(page.getByTestId('backend-name')).toHaveText(backend);
  // One evaluation per phase end: the one before the reload was kept, the others came after the resume.
  await expect(page.getByTestId('eval-table').locator('tbody tr')).toHaveCount(3);
});

test('a finite loss blow-up (LR 1000) stops the run and says how to go on, instead of ending "done"', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await page.goto('/?backend=wasm');
  await loadSmallDemo(page);
  await microSettings(page);
  await page.getByLabel('Learning rate').fill('1000');
  // No warm-up: a warm-up's first step is at LR 0 (Hugging Face's rule), which would put the blow-up past phase 1.
  await page.getByText('More settings').click();
  await page.getByLabel('Warm-up ratio').fill('0');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('run-panel')).toHaveAttribute('data-status', 'error', { timeout: 120_000 });
  // It blows up in phase 1, before any checkpoint: nothing is safe to continue from, and the message says so.
  await expect(page.getByTestId('run-error')).toContainText(
    /Training diverged: the mean loss of the \d+ steps up to step \d+ .* is \d\.\d+e\+\d+/,
  );
  await expect(page.getByTestId('run-error')).toContainText('No checkpoint of this run is safe to go on from');
  const row = page.getByTestId('run-row').first();
  await expect(row).toHaveAttribute('data-status', 'error');
  await expect(row.getByRole('button', { name: /with new settings/ })).toHaveCount(0);
});
