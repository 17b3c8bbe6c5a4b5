import { expect, test, type Page } from '@playwright/test';
import { loadSmallDemo, microSettings } from './studio';

/** Clicks "Size for this machine" and returns what it measured and set. */
async function sizeForMachine(page: Page) {
  await page.getByTestId('machine-fit-measure').click();
  const result = page.getByTestId('machine-fit-result');
  await expect(result).toBeVisible({ timeout: 240_000 });
  const share = Number(await result.getAttribute('data-share'));
  const backend = (await result.getAttribute('data-backend')) ?? '';
  console.log(`sized on ${backend}: ${await result.textContent()}`);
  return { result, share, backend, estimateMs: Number(await result.getAttribute('data-estimate-ms')) };
}

test('the demo, sized for this machine: the share of each phase is set so "Phased vs one-off" fits 10 minutes (automatic backend)', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await page.goto('/');
  await page.getByRole('button', { name: 'Try the demo dataset' }).click();
  await expect(page.getByTestId('phase-table')).toBeVisible();
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  const shareField = page.getByLabel('Share of each phase, % (100 = all)');
  await expect(shareField).toHaveValue('100');
  const { result, share, backend, estimateMs } = await sizeForMachine(page);
  // headless Chromium's adapter is software: the automatic choice skips it for wasm
  expect(backend).toBe('wasm');
  expect(share).toBeGreaterThan(0);
  expect(share).toBeLessThanOrEqual(1);
  expect(estimateMs).toBeLessThanOrEqual(10 * 60_000);
  await expect(result).toContainText('Share set to');
  await expect(result).toContainText(/per training step of 16 × \d+ tokens/);
  await expect(shareField).toHaveValue(String(Math.round(share * 1000) / 10));
  // the evaluation note now says what a phase-end evaluation takes here
  await expect(page.getByTestId('evaluation-cost-time')).toContainText(
    /about [\d.]+ s per phase-end evaluation and [\d.]+ s for exact match/,
  );
  // the rest of the screen follows the new share
  if (share < 1)
    await expect(page.getByTestId('model-note')).toContainText(
      `Trains on the first ${(share * 100).toFixed(1)}% of each phase`,
    );
  // a measurement at batch 16 says nothing about batch 8: its times leave the note
  await page.getByLabel('Batch', { exact: true }).fill('8');
  await expect(page.getByTestId('evaluation-cost-time')).toHaveCount(0);
});

test('sizing on WebGPU measures on WebGPU and sets the share it found', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('/?backend=webgpu');
  await loadSmallDemo(page);
  await microSettings(page);
  const { result, backend, share } = await sizeForMachine(page);
  expect(backend).toBe('webgpu');
  await expect(result).toContainText(/per training step of 8 × \d+ tokens/);
  await expect(page.getByLabel('Share of each phase, % (100 = all)')).toHaveValue(
    String(Math.round(share * 1000) / 10),
  );
});

test('on a software WebGPU adapter, sizing says it is far slower than wasm, and Start waits while it measures', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await page.goto('/?backend=webgpu');
  await page.getByRole('button', { name: 'Try the demo dataset' }).click();
  await expect(page.getByTestId('phase-table')).toBeVisible();
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(page.getByLabel('Backend')).toHaveValue('webgpu');
  // headless Chromium's WebGPU adapter is SwiftShader, a software fallback
  await expect(page.getByTestId('machine-fit-software')).toContainText(
    'WebGPU here runs on a software adapter, far slower than wasm on this machine: sizing gives up after 90 s',
  );
  await expect(page.getByTestId('train-start')).toBeEnabled();
  await page.getByTestId('machine-fit-measure').click();
  await expect(page.getByTestId('machine-fit-progress')).toBeVisible();
  // a run would compete with the probe for the device
  await expect(page.getByTestId('train-start')).toBeDisabled();
  await expect(page.getByTestId('train-compare-preset')).toBeDisabled();
  // it ends either way within its limit (a result, or "stopped after 90 s" with what to do), and Start is back
  await expect(page.getByTestId('machine-fit')).toHaveAttribute('data-status', /done|error/, { timeout: 150_000 });
  await expect(page.getByTestId('train-start')).toBeEnabled();
});
