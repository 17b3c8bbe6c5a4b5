import { readFileSync, writeFileSync } from 'node:fs';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { buildSchedule } from '../src/core/train/schedule';
import type { TrainSettings } from '../src/core/runs/settings';
import { loadSmallDemo, microSettings } from './studio';

async function downloaded(page: Page, button: Locator): Promise<{ name: string; bytes: Buffer }> {
  const download = page.waitForEvent('download');
  await button.click();
  const file = await download;
  return { name: file.suggestedFilename(), bytes: readFileSync(await file.path()) };
}

test('a short run: each exported step has its scheduled LR; progress, chart toggles and downloads; Compare reads the same', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await page.goto('/');
  await loadSmallDemo(page);
  await microSettings(page);
  await page.getByLabel('Backend').selectOption('wasm');
  await page.getByLabel('Arm', { exact: true }).selectOption('one-off');
  await page.getByTestId('train-start').click();
  const panel = page.getByTestId('run-panel');
  await expect(panel).toHaveAttribute('data-status', 'done', { timeout: 180_000 });

  // The LR column follows the schedule step by step (it once repeated each log window's last LR).
  const exports = page.getByTestId('run-exports');
  const csv = (await downloaded(page, exports.getByRole('button', { name: 'Metrics (CSV)' }))).bytes
    .toString('utf8')
    .trim()
    .split('\n');
  const config = JSON.parse(
    (await downloaded(page, exports.getByRole('button', { name: 'Config (JSON)', exact: true }))).bytes.toString(
      'utf8',
    ),
  ) as { train: TrainSettings };
  const header = csv[0]!.split(',');
  const rows = csv
    .slice(1)
    .map((line) => line.split(','))
    .filter((cells) => cells[header.indexOf('lr')] !== '');
  const stages = rows.map((cells) => Number(cells[header.indexOf('stage')]));
  const stepsPerStage = [...new Set(stages)].map((s) => stages.filter((x) => x === s).length);
  const h = config.train.hyper;
  const scheduled = buildSchedule(stepsPerStage, {
    peakLr: h.lr,
    minLrRatio: h.minLrRatio,
    warmupRatio: h.warmupRatio,
    restartPerPhase: h.restartSchedulePerPhase,
  }).flatMap((s) => [...s]);
  expect(rows.map((cells) => Number(cells[header.indexOf('step')]))).toEqual(scheduled.map((_, i) => i + 1));
  const logged = rows.map((cells) => Number(cells[header.indexOf('lr')]));
  // Relative to the peak: a warm-up's first step is at LR 0 (Hugging Face's rule).
  for (let i = 0; i < scheduled.length; i++) expect(Math.abs(logged[i]! - scheduled[i]!) / h.lr).toBeLessThan(1e-9);
  expect(scheduled.some((lr, i) => lr !== scheduled[0] && logged[i] === lr)).toBe(true);
  expect(config.train.logEvery).toBeGreaterThan(1);
  expect(new Set(logged.slice(0, config.train.logEvery)).size).toBeGreaterThan(1);

  // Progress: wall-clock elapsed, and what starting took.
  await expect(page.getByTestId('startup-time')).toContainText('kernel compilation and warm-up');
  await expect(page.getByTestId('run-elapsed')).toHaveText(/^\d+(s|m \d\ds)$/);
  await panel.screenshot({ path: 'test-results/train-run-panel.png' });

  // The chart: x by steps, log loss, exact values on hover, units on its axes.
  const chart = page.getByTestId('loss-chart');
  await chart.getByRole('group', { name: 'x axis' }).getByRole('button', { name: 'steps' }).click();
  await expect(chart).toHaveAttribute('data-x-axis', 'steps');
  await expect(chart.locator('.recharts-wrapper > svg.recharts-surface')).toContainText('optimizer steps');
  await expect(chart.locator('.recharts-wrapper > svg.recharts-surface')).toContainText('loss (nats/token)');
  await expect(chart.locator('.recharts-wrapper > svg.recharts-surface')).toContainText('learning rate');
  await chart.getByRole('group', { name: 'loss scale' }).getByRole('button', { name: 'log' }).click();
  await expect(chart).toHaveAttribute('data-scale', 'log');
  const box = (await chart.locator('.recharts-wrapper > svg.recharts-surface').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await expect(page.getByTestId('loss-tooltip')).toContainText(/loss \d\.\d+ nats\/token/);
  await expect(page.getByTestId('loss-tooltip')).toContainText(/learning rate \d\.\d{3}e-\d/);
  await page.mouse.move(0, 0);
  await chart.screenshot({ path: 'test-results/train-loss-chart.png' });

  const png = await downloaded(page, chart.getByRole('button', { name: 'Download the loss chart as PNG' }));
  expect(png.name).toMatch(/\.loss\.png$/);
  expect(png.bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  writeFileSync('test-results/loss-chart-download.png', png.bytes); // to look at, not committed
  const svg = await downloaded(page, chart.getByRole('button', { name: 'Download the loss chart as SVG' }));
  expect(svg.name).toMatch(/\.loss\.svg$/);
  expect(svg.bytes.toString('utf8')).toMatch(/^<\?xml[^]*<svg[^]*loss \(nats\/token\)[^]*learning rate \(right axis\)/);
  const chartCsv = (
    await downloaded(page, chart.getByRole('button', { name: 'Download the data of the loss chart as CSV' }))
  ).bytes
    .toString('utf8')
    .trim()
    .split('\n');
  expect(chartCsv[0]).toBe('step,tokens,training_time_s,stage,train_loss_nats_per_token,smoothed_loss,lr');
  expect(chartCsv.slice(1).map((line) => Number(line.split(',')[6]))).toEqual(logged);

  // Compare: the same run's curve, by steps, with its data downloadable.
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  const overlay = page.getByTestId('overlay-chart');
  await expect(overlay).toBeVisible();
  await overlay.getByRole('group', { name: 'x axis' }).getByRole('button', { name: 'steps' }).click();
  await expect(overlay.locator('.recharts-wrapper > svg.recharts-surface')).toContainText('optimizer steps');
  const overlayCsv = (
    await downloaded(page, overlay.getByRole('button', { name: 'Download the data of the loss curves as CSV' }))
  ).bytes.toString('utf8');
  expect(overlayCsv.split('\n')[0]).toMatch(/^step,One-off smoothed loss \(mean over seeds\),/);
  await expect(page.getByTestId('bucket-bars').locator('.recharts-wrapper > svg.recharts-surface')).toContainText(
    'held-out loss (nats/token)',
  );
  await page.locator('main').screenshot({ path: 'test-results/compare-screen.png' });
});

test('a number field names what was typed, under the field, and drops an old message', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Try the demo dataset' }).click();
  await expect(page.getByTestId('phase-table')).toBeVisible();
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  const lr = page.getByLabel('Learning rate');
  const before = await lr.inputValue();
  await lr.fill('abc');
  const message = page.getByTestId('field-error');
  await expect(message).toHaveText(`"abc" is not a number. Still using ${before}.`);
  await expect(lr).toHaveAttribute('aria-invalid', 'true');
  const fieldBox = (await lr.boundingBox())!;
  const messageBox = (await message.boundingBox())!;
  expect(messageBox.y).toBeGreaterThanOrEqual(fieldBox.y + fieldBox.height - 1);
  // Another mistake replaces the message; a good value clears it.
  await lr.fill('');
  await expect(message).toHaveCount(1);
  await expect(message).toHaveText(`Enter a number. Still using ${before}.`);
  await lr.fill('0.0005');
  await expect(page.getByTestId('field-error')).toHaveCount(0);
  await expect(lr).not.toHaveAttribute('aria-invalid', 'true');
});
