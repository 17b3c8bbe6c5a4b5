/**
 * The demo as a newcomer runs it, timed: headless Chromium opens the built studio, loads the demo dataset, clicks
 * "Size for this machine" (which measures a step and sets the share of each phase so "Phased vs one-off" fits 10
 * minutes), then "Phased vs one-off", and waits for both runs. Prints the estimate beside the wall time, and the
 * exact match per level Compare shows.
 *
 *   npm run bench:demo                    # the automatic backend (wasm on a machine without a GPU)
 *   npm run bench:demo -- --backend webgpu
 *   npm run bench:demo -- --url http://127.0.0.1:4173   # a studio already served
 *
 * A benchmark, not a test: it fails only when the page does.
 */
import { chromium } from '@playwright/test';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { chromiumArgs, chromiumPath } from '../e2e/chromium';
import { serveApp } from './bench/browser';
import { log } from './bench/node';

const { values } = parseArgs({
  options: { backend: { type: 'string' }, url: { type: 'string' }, timeout: { type: 'string', default: '1800' } },
});
const backendQuery = values.backend ? `?backend=${encodeURIComponent(values.backend)}` : '';
const timeoutMs = Number(values.timeout) * 1000;

const served = values.url ? { url: values.url, stop: () => undefined } : await serveApp();
const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs });
try {
  const page = await browser.newPage();
  const load = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' / ');
  log(`· machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, load ${load()} (1/5/15 min)`);
  await page.goto(`${served.url}/${backendQuery}`);
  await page.getByRole('button', { name: 'Try the demo dataset' }).click();
  await page.getByTestId('phase-table').waitFor();
  await page.getByRole('button', { name: 'Train' }).click();

  const sizedAt = Date.now();
  await page.getByTestId('machine-fit-measure').click();
  const result = page.getByTestId('machine-fit-result');
  await result.waitFor({ timeout: 600_000 });
  const estimateMs = Number(await result.getAttribute('data-estimate-ms'));
  const share = Number(await result.getAttribute('data-share'));
  log(`· sizing took ${((Date.now() - sizedAt) / 1000).toFixed(1)} s: ${await result.textContent()}`);

  const startedAt = Date.now();
  await page.getByTestId('train-compare-preset').click();
  const rows = page.getByTestId('run-row');
  for (let i = 0; i < 2; i++) {
    await page.waitForFunction(
      ([index]) => document.querySelectorAll('[data-testid=run-row]')[index!]?.getAttribute('data-status') === 'done',
      [i],
      { timeout: timeoutMs, polling: 1000 },
    );
    log(
      `· run ${i + 1} (${(await rows.nth(i).textContent())?.slice(0, 40)}…) done at ${((Date.now() - startedAt) / 60_000).toFixed(2)} min`,
    );
  }
  const wallMs = Date.now() - startedAt;
  const backend = await page.getByTestId('backend-name').textContent();

  await page.getByRole('button', { name: 'Compare' }).click();
  const table = page.getByTestId('exact-match-comparison');
  await table.waitFor();
  const head = await table.locator('thead th').allTextContents();
  const body = await table
    .locator('tbody tr')
    .evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('th, td'), (c) => c.textContent ?? '')));
  log('');
  log(`backend ${backend}, share ${(share * 100).toFixed(1)} % of each phase`);
  log(
    `"Phased vs one-off": estimate ${(estimateMs / 60_000).toFixed(2)} min, wall ${(wallMs / 60_000).toFixed(2)} min (wall / estimate ${(wallMs / estimateMs).toFixed(2)}); load at the end ${load()}`,
  );
  log(`| ${head.join(' | ')} |`);
  log(`|${head.map(() => '---').join('|')}|`);
  for (const row of body) log(`| ${row.join(' | ')} |`);
} finally {
  await browser.close();
  served.stop();
}
