import { readFileSync } from 'node:fs';
import { expect, type Page } from '@playwright/test';
import { unzipSync } from 'fflate';

/** Ten demo records of each level, dropped on the page: three phases, a few steps each on the micro model. */
export async function loadSmallDemo(page: Page, perLevel = 10) {
  const demo = JSON.parse(readFileSync('public/demo/demo-suite.json', 'utf8')) as { level: number }[];
  const picked = [1, 2, 3, 4, 5].flatMap((level) => demo.filter((r) => r.level === level).slice(0, perLevel));
  const dataTransfer = await page.evaluateHandle((text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], 'small-demo.json'));
    return dt;
  }, JSON.stringify(picked));
  await page.dispatchEvent('[data-testid=dropzone]', 'drop', { dataTransfer });
  await expect(page.getByTestId('phase-table')).toBeVisible();
}

/** Open the Train screen with the micro model, one epoch per phase, batch 8. */
export async function microSettings(page: Page) {
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await page.getByLabel('Model', { exact: true }).selectOption('preset:micro');
  await page.getByLabel('Epochs per phase').fill('1');
  await page.getByLabel('Batch', { exact: true }).fill('8');
}

/**
 * Checks the backend field says WebGPU, starts the run and waits until it ends; a run that failed throws its own
 * message. Returns the backend the worker reports and why (the page's backend note).
 */
export async function trainOnWebGpu(page: Page, timeout = 240_000): Promise<{ backend: string; reason: string }> {
  await expect(page.getByLabel('Backend')).toHaveValue('webgpu');
  await page.getByTestId('train-start').click();
  const panel = page.getByTestId('run-panel');
  await expect(panel).toHaveAttribute('data-status', /done|stopped|error/, { timeout });
  const runError = page.getByTestId('run-error');
  if (await runError.isVisible()) throw new Error(`training failed: ${await runError.textContent()}`);
  return {
    backend: (await page.getByTestId('backend-name').textContent()) ?? '',
    reason: (await page.getByTestId('backend-reason').textContent()) ?? '',
  };
}

/**
 * Clicks an export button (`hf-export`, `peft-export`) and reads the one zip it downloads: its name, and its files by
 * name (every file sits in one folder, the zip's name without `.zip`).
 */
export async function downloadExportZip(
  page: Page,
  button: string,
): Promise<{ fileName: string; files: Record<string, Buffer> }> {
  const download = page.waitForEvent('download');
  await page.getByTestId(button).click();
  const zip = await download;
  await expect(page.getByTestId('hf-export-done')).toBeVisible({ timeout: 60_000 });
  const fileName = zip.suggestedFilename();
  const folder = fileName.replace(/\.zip$/, '');
  const files: Record<string, Buffer> = {};
  for (const [path, bytes] of Object.entries(unzipSync(new Uint8Array(readFileSync(await zip.path()))))) {
    expect(path.startsWith(`${folder}/`), path).toBe(true);
    files[path.slice(folder.length + 1)] = Buffer.from(bytes);
  }
  return { fileName, files };
}
