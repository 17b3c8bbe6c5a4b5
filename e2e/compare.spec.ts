import { expect, test } from '@playwright/test';
import { loadSmallDemo, microSettings } from './studio';

test('phased vs one-off on WebGPU, then both overlaid on Compare with what changed and the paired difference', async ({
  page,
}) => {
  test.setTimeout(400_000);
  await page.goto('/?backend=webgpu');
  await loadSmallDemo(page);
  await microSettings(page);
  await page.getByTestId('train-compare-preset').click();

  // The first run's chart grows while it trains, with a shaded band per phase.
  const chart = page.getByTestId('loss-chart');
  await expect
    .poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 180_000 })
    .toBeGreaterThan(0);
  await expect(chart.locator('.recharts-reference-area').first()).toBeVisible();

  const runRows = page.getByTestId('run-row');
  await expect(runRows).toHaveCount(2);
  await expect(runRows.nth(0)).toHaveAttribute('data-status', 'done', { timeout: 300_000 });
  await expect(runRows.nth(1)).toHaveAttribute('data-status', 'done', { timeout: 300_000 });
  await expect(page.getByTestId('backend-name')).toHaveText('webgpu');
  // Every run answers the same held-out prompts after each phase and is scored for exact match at the end.
  await expect(page.getByTestId('samples')).toBeVisible();
  await expect(page.getByTestId('exact-match-table')).toContainText('phase 3');

  await page.getByRole('button', { name: 'Compare' }).click();
  await expect(page.getByTestId('overlay-chart')).toHaveAttribute('data-groups', '2');
  await expect(page.getByTestId('overlay-chart').locator('.recharts-line')).toHaveCount(2);
  // the phased arm's stages are marked, and the chart says what each curve was measured on
  const measuredOn = page.getByTestId('overlay-measured-on');
  await expect(measuredOn).toHaveAttribute('data-stage-starts', '2');
  await expect(measuredOn).toContainText('Phase 1, then Phase 2, then Phase 3 (a dashed line where each starts)');
  await expect(measuredOn).toContainText('the held-out loss below is measured on one fixed set for every run');
  await expect(page.getByTestId('overlay-chart').locator('.recharts-reference-line')).toHaveCount(2);
  const changed = page.getByTestId('what-changed');
  await expect(changed).toContainText('arm.kind');
  await expect(changed).toContainText('easy-to-hard');
  await expect(changed).toContainText('one-off');
  await expect(changed).not.toContainText('hyper.lr');
  await expect(page.getByTestId('heldout-table')).toContainText('Easy → hard');
  await expect(page.getByTestId('paired-row')).toHaveCount(1);

  // Blind A/B on the same held-out prompts: three votes, scored by the paper's formula.
  const rows = page.getByTestId('vote-row');
  const n = await rows.count();
  expect(n).toBeGreaterThanOrEqual(3);
  await rows.nth(0).getByRole('button', { name: 'Left' }).click();
  await rows.nth(1).getByRole('button', { name: 'Right' }).click();
  await rows.nth(2).getByRole('button', { name: 'Tie' }).click();
  const winRate = page.getByTestId('win-rate');
  await expect(winRate).toContainText('from 3 votes');
  await expect(winRate).toContainText(/1 ties/);
  const text = (await winRate.textContent())!;
  const [, value] = /over B \(.*?\): (-?[\d.]+)/.exec(text)!;
  // Left and Right land on A or B depending on the shuffle; either way one win, one loss and a tie is parity.
  const wins = Number(/(\d+) A,/.exec(text)![1]);
  expect(Number(value)).toBeCloseTo(((wins + 0.5) / 3 - 0.5) * 100, 1);
});
