import { expect, test, type Page } from '@playwright/test';
import { startHubServer, testHubRepos, type HubTestServer } from '../src/testing/hubServer.node';
import { loadSmallDemo } from './studio';

// The local Hub (src/testing/hubServer.node.ts) on its own port, a different origin from the page, as the real Hub
// is; the page is pointed at it with ?hub=. The model is wide enough (about 3 MiB of weights) that a download
// stores a few 1 MiB pieces before the reload.
const hub = testHubRepos({ width: 128, layers: 4 });
const MiB = 2 ** 20;
let server: HubTestServer;

test.beforeAll(async () => {
  server = await startHubServer(hub.repos);
});
test.afterAll(() => server.close());

async function openImportPanel(page: Page) {
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await page.getByTestId('model-import').locator('summary').first().click();
  await expect(page.getByTestId('model-dropzone')).toBeVisible();
}

async function downloadById(page: Page, id: string) {
  await page.getByTestId('model-url').fill(id);
  await page.getByTestId('model-url-download').click();
}

test('a model by Hub id downloads with progress, resumes after a reload, and a gated one asks for its terms and a token', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const weights = hub.model['model.safetensors'] as Uint8Array;
  expect(weights.length).toBeGreaterThan(3 * MiB);
  const stall = Math.floor(2.5 * MiB);
  server.stallAt.set('model.safetensors', stall);
  server.throttle.chunkBytes = 256 * 1024;
  server.throttle.delayMs = 20;

  await page.goto(`/?hub=${encodeURIComponent(server.url)}`);
  await loadSmallDemo(page);
  await openImportPanel(page);
  await expect(page.getByTestId('hub-access')).toContainText(server.url);

  await downloadById(page, 'test-org/tiny-gpt2');
  const status = page.getByTestId('model-import-status');
  await expect(status).toHaveAttribute('data-file', 'model.safetensors');
  await expect(status).toContainText(/Downloading: model\.safetensors \(\d+\.\d MiB of 3\.\d MiB\)/);
  // The server holds the file at 2.5 MiB: two whole pieces are stored, then the page goes away.
  await expect.poll(async () => Number(await status.getAttribute('data-kept'))).toBe(2 * MiB);
  console.log(`before the reload: ${await status.textContent()}`);
  await page.reload();
  server.release();

  await openImportPanel(page);
  server.requests.length = 0;
  await downloadById(page, 'test-org/tiny-gpt2');
  await expect(status).toContainText('Resumed from 2.0 MiB');
  await expect(page.getByTestId('model-imported')).toBeVisible({ timeout: 60_000 });
  const card = page.getByTestId('imported-model');
  await expect(card.getByTestId('imported-model-name')).toHaveText('test-org/tiny-gpt2');
  await expect(card.getByTestId('imported-model-stats')).toContainText('128');
  const cdn = server.requests.filter((r) => r.path.startsWith('/cdn/'));
  // Only the bytes after the two stored pieces come again; config and tokenizer come from the browser cache.
  expect(cdn.map((r) => [r.status, r.range])).toEqual([[206, `bytes=${2 * MiB}-`]]);
  expect(server.requests.filter((r) => r.path.endsWith('/config.json'))).toEqual([]);
  console.log(`after the reload: ${cdn.map((r) => `${r.status} ${r.range}`).join(', ')}`);

  // A gated repository: the message says where to accept the terms and to give a token; with the token it imports.
  server.throttle.chunkBytes = 0;
  await downloadById(page, 'test-org/gated-gpt2');
  const error = page.getByTestId('model-import-error');
  await expect(error).toContainText('gated or private repository (HTTP 401)');
  await expect(error).toContainText(`accept its terms on ${server.url}/test-org/gated-gpt2`);
  console.log(`gated: ${await error.textContent()}`);
  await page.getByTestId('hub-token').fill(hub.gatedToken);
  await downloadById(page, 'test-org/gated-gpt2');
  // The same weights as tiny-gpt2 (testHubRepos): the studio sees the same model and refreshes its entry.
  await expect(page.getByTestId('model-imported')).toContainText('imported again', { timeout: 60_000 });
  await expect(page.getByTestId('imported-model')).toHaveCount(1);
  const gatedAsks = server.requests.filter((r) => r.path.startsWith('/test-org/gated-gpt2/'));
  expect(gatedAsks.at(-1)?.authorization).toBe(`Bearer ${hub.gatedToken}`);
  // Not remembered: the token is in memory only.
  expect(await page.evaluate(() => localStorage.getItem('phased-ift.hub.token'))).toBeNull();

  // No such model: the message says so.
  await downloadById(page, 'test-org/no-such-model');
  await expect(error).toContainText('No such repository');
});

test('a dataset by Hub id loads its Parquet file like a dropped one; an unknown id says so', async ({ page }) => {
  await page.goto(`/?hub=${encodeURIComponent(server.url)}`);
  await page.getByTestId('hub-dataset-id').fill('test-org/no-such-data');
  await page.getByTestId('hub-dataset-download').click();
  await expect(page.getByText(/No such repository/).first()).toBeVisible();
  server.requests.length = 0;
  await page.getByTestId('hub-dataset-id').fill('test-org/tiny-alpaca');
  await page.getByTestId('hub-dataset-download').click();
  await expect(page.getByTestId('phase-table')).toBeVisible();
  await expect(page.getByText('train-00000-of-00001.parquet').first()).toBeVisible();
  expect(server.requests.map((r) => r.path)).toEqual([
    '/api/datasets/test-org/tiny-alpaca/tree/main?recursive=true',
    '/datasets/test-org/tiny-alpaca/resolve/main/data/train-00000-of-00001.parquet',
    expect.stringMatching(/^\/cdn\//),
  ]);
  // A repository of several Parquet files: the train split's first is read, and the report says which were not.
  await page.getByTestId('hub-dataset-id').fill('test-org/split-alpaca');
  await page.getByTestId('hub-dataset-download').click();
  await expect(page.getByTestId('report-notes')).toContainText(
    'Read data/train-00000-of-00002.parquet of datasets/test-org/split-alpaca, one of its 3 Parquet files; not read: data/train-00001-of-00002.parquet, data/test-00000-of-00001.parquet.',
  );
});
