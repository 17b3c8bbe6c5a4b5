import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';

/** Writes `value` under `key` in one of the studio's IndexedDB stores, as a damaged or foreign build might have. */
async function putStored(page: Page, store: string, key: string, value: unknown): Promise<void> {
  await page.evaluate(
    ([storeName, k, v]) =>
      new Promise<void>((resolve, reject) => {
        const request = indexedDB.open('phased-ift-studio');
        request.onerror = () => reject(request.error ?? new Error('indexedDB.open failed'));
        request.onsuccess = () => {
          const db = request.result;
          const tx = db.transaction(storeName as string, 'readwrite');
          tx.objectStore(storeName as string).put(v, k as string);
          tx.oncomplete = () => {
            db.close();
            resolve();
          };
          tx.onerror = () => reject(tx.error ?? new Error('the transaction failed'));
        };
      }),
    [store, key, value] as const,
  );
}

test('a damaged saved dataset and run are set aside with a message; the page still works', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('dropzone')).toBeVisible();
  await putStored(page, 'datasets', 'current', {
    fileName: 'broken.json',
    byteSize: 1,
    format: 'alpaca-json',
    formatLabel: 'Alpaca',
    loadedAt: 0,
    records: [null],
    report: { accepted: 1, rejected: [], warnings: [] },
    scoreSets: [],
  });
  await putStored(page, 'runs', 'run-broken', { id: 'run-broken', label: 'x', points: 'not a list' });
  await page.reload();

  await expect(page.getByText('The dataset saved in this browser is damaged (records.0:')).toBeVisible();
  await expect(page.getByTestId('studio-failed')).toHaveCount(0);
  await page.getByRole('button', { name: 'Try the demo dataset' }).click();
  await expect(page.getByTestId('phase-table')).toBeVisible();
});

test('a component that throws shows the error boundary, which exports the saved data and offers a reload', async ({
  page,
}) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Try the demo dataset' }).click();
  await expect(page.getByTestId('phase-table')).toBeVisible();

  // From the next load on, drawing the dataset summary throws (it formats counts with toLocaleString).
  await page.addInitScript(() => {
    Number.prototype.toLocaleString = () => {
      throw new Error('drawing failed on purpose');
    };
  });
  await page.reload();
  const failed = page.getByTestId('studio-failed');
  await expect(failed).toContainText('drawing failed on purpose');
  await expect(failed).toContainText('still saved in this browser');

  const download = page.waitForEvent('download');
  await failed.getByRole('button', { name: 'Export saved data (JSON)' }).click();
  const saved = JSON.parse(readFileSync(await (await download).path(), 'utf8')) as {
    datasets: { fileName: string; records: unknown[] }[];
    phaseSettings: unknown[];
  };
  expect(saved.datasets[0]!.fileName).toBe('demo-suite.json');
  expect(saved.datasets[0]!.records.length).toBeGreaterThan(100);
  expect(saved.phaseSettings).toHaveLength(1);
  await expect(failed.getByRole('button', { name: 'Reload' })).toBeVisible();
});
