import { expect, test, type Page } from '@playwright/test';
import { spawn } from 'node:child_process';
import { loadSmallDemo, microSettings } from './studio';

const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

/** Everything that went wrong while the page loaded and ran: console errors, failed and refused requests. */
function watchLoading(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    // Chromium cannot parse the IPv6 loopback source in connect-src and says so on every load; the rest of the
    // policy applies (security.spec.ts checks it), and it has nothing to do with isolation.
    if (m.type() === 'error' && !m.text().includes("invalid source: 'http://[::1]:*'"))
      problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    // The studio aborts its own optional fetches (the base model's probe) when it has what it needs.
    if (r.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  return problems;
}

test('vite preview serves the studio cross-origin isolated, and a wasm run trains on 2 threads with everything loaded', async ({
  page,
}) => {
  test.setTimeout(240_000);
  const problems = watchLoading(page);
  const response = await page.goto('/?backend=wasm');
  expect(response!.headers()).toMatchObject(ISOLATION);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

  await loadSmallDemo(page);
  await microSettings(page);
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('run-panel')).toHaveAttribute('data-status', 'done', { timeout: 180_000 });
  await expect(page.getByTestId('backend-name')).toHaveText('wasm');
  // This machine reports 2 cores: the worker asks for min(cores, 4) and tfjs says how many it runs.
  await expect(page.getByTestId('backend-name')).toHaveAttribute('data-threads', '2');
  await expect(page.getByTestId('backend-threads')).toHaveText(
    'wasm on 2 threads (the page is cross-origin isolated).',
  );
  expect(problems).toEqual([]);
});

test('npm start (the vite dev server) sends the same isolation headers, on the page and on its workers', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const port = Number(process.env.E2E_PORT ?? 4173) + 1;
  const url = `http://127.0.0.1:${port}`;
  const server = spawn('npx', ['vite', '--port', String(port), '--strictPort', '--host', '127.0.0.1'], {
    stdio: 'ignore',
    detached: true,
  });
  try {
    await expect
      .poll(async () => (await fetch(url).catch(() => undefined))?.status, { timeout: 90_000, intervals: [500] })
      .toBe(200);
    const worker = await fetch(`${url}/src/worker/trainWorker.ts`);
    expect({
      'cross-origin-opener-policy': worker.headers.get('cross-origin-opener-policy'),
      'cross-origin-embedder-policy': worker.headers.get('cross-origin-embedder-policy'),
    }).toEqual(ISOLATION);
    const response = await page.goto(url, { waitUntil: 'domcontentloaded' });
    expect(response!.headers()).toMatchObject(ISOLATION);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  } finally {
    if (server.pid !== undefined) process.kill(-server.pid, 'SIGTERM');
  }
});
