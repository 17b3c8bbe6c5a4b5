import { expect, test, type Page } from '@playwright/test';

// A second page of the same origin that is not the studio: it holds IndexedDB connections by hand, standing in for
// an older (or newer) build of the studio open in another tab.
const OTHER_TAB_URL = '/demo/demo-suite.json';
const DB_NAME = 'phased-ift-studio';

/** Opens the studio's database at `version` in `page` and keeps the connection open, never yielding it. */
async function holdConnection(page: Page, version: number): Promise<void> {
  await page.evaluate(
    ([name, v]) =>
      new Promise<void>((resolve, reject) => {
        const request = indexedDB.open(name as string, v as number);
        request.onsuccess = () => {
          (window as unknown as { held: IDBDatabase }).held = request.result;
          resolve();
        };
        request.onerror = () => reject(request.error ?? new Error('indexedDB.open failed'));
      }),
    [DB_NAME, version],
  );
}

test('an older tab holding the data open: the studio says to close it, waits, then goes on', async ({ context }) => {
  const older = await context.newPage();
  await older.goto(OTHER_TAB_URL);
  await holdConnection(older, 1);

  const studio = await context.newPage();
  await studio.goto('/');
  const notice = studio.getByTestId('storage-connection');
  await expect(notice).toContainText('Another tab of the studio holds an older version');
  await expect(notice).toContainText('Close that tab');

  await older.close();
  await expect(notice).toBeHidden();
  await studio.getByRole('button', { name: 'Try the demo dataset' }).click();
  await expect(studio.getByTestId('phase-table')).toBeVisible();
  await studio.reload();
  // The dataset was saved once the older tab let go.
  await expect(studio.getByTestId('phase-table')).toBeVisible();
});

test('a newer build opens the data: this tab lets go and says to reload; an older page then says it is older', async ({
  context,
}) => {
  const studio = await context.newPage();
  await studio.goto('/');
  await studio.getByRole('button', { name: 'Try the demo dataset' }).click();
  await expect(studio.getByTestId('phase-table')).toBeVisible();

  const newer = await context.newPage();
  await newer.goto(OTHER_TAB_URL);
  // Would wait forever if the studio tab kept its connection.
  await holdConnection(newer, 999);
  await expect(studio.getByTestId('storage-connection')).toContainText('Reload this tab');

  await studio.reload();
  await expect(studio.getByTestId('storage-connection')).toContainText(
    'This page is older than the data saved by a newer version of the studio: reload to get the new version.',
  );
});
