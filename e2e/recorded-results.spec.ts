// A newcomer's first minute: the comparison the studio exists for, measured before and shipped with it, opens in
// Compare with one click, labelled as recorded, apart from the person's own runs.
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';

const shipped = JSON.parse(readFileSync('public/demo/recorded-results.json', 'utf8')) as {
  recorded: { machine: string; command: string; seeds: number[]; commit: string };
  runs: { arm: { kind: string }; seed: number }[];
};

test('the recorded results open in Compare with one click, labelled recorded, and go on Remove', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('recorded-invite').getByRole('button', { name: 'Open recorded results' }).click();

  const label = page.getByTestId('recorded-label');
  await expect(label).toContainText('Recorded results, not your runs');
  await expect(label).toContainText(shipped.recorded.machine);
  await expect(label).toContainText(shipped.recorded.command);
  await expect(label).toContainText(`Seeds: ${shipped.recorded.seeds.join(', ')}`);
  await expect(label).toContainText(shipped.recorded.commit);

  // Every recorded run is listed, named as recorded, and the two arms are compared over their seeds.
  const arms = new Set(shipped.runs.map((r) => r.arm.kind));
  await expect(page.getByTestId('compare-picker').locator('label')).toHaveCount(shipped.runs.length);
  await expect(page.getByTestId('compare-picker')).toContainText('One-off · recorded');
  await expect(page.getByTestId('overlay-chart')).toHaveAttribute('data-groups', String(arms.size));
  await expect(page.getByTestId('overlay-chart').locator('.recharts-line')).toHaveCount(arms.size);
  await expect(page.getByTestId('heldout-table')).toContainText('Easy → hard');
  const table = page.getByTestId('exact-match-comparison');
  await expect(table.locator('thead th')).toHaveText([
    'arm',
    'all',
    'level 1',
    'level 2',
    'level 3',
    'level 4',
    'level 5',
  ]);
  await expect(table).toContainText('One-off');
  await expect(table).toContainText('− one-off (paired by seed, points)');
  const cells = await table.locator('tbody tr').nth(0).locator('td.num').allTextContents();
  for (const c of cells) expect(c).toMatch(/^\d+(\.\d)?%/);
  // The answers after each phase are there to read.
  await expect(page.getByTestId('vote-row').first()).toBeVisible();

  // Not among the person's runs: Remove empties Compare, and a reload shows nothing recorded either.
  await page.getByTestId('remove-recorded-results').click();
  await expect(page.getByText('Nothing to compare yet')).toBeVisible();
  await page.reload();
  await page.getByRole('button', { name: 'Compare' }).click();
  await expect(page.getByText('Nothing to compare yet')).toBeVisible();
  await expect(page.getByTestId('recorded-label')).toHaveCount(0);
});

test('a damaged recorded-results file gives a clear message instead of a broken Compare', async ({ page }) => {
  await page.route('**/demo/recorded-results.json', (route) =>
    route.fulfill({
      contentType: 'application/json',
      body: JSON.stringify({ format: 'phased-ift-studio.recorded-results', version: 1, recorded: {} }),
    }),
  );
  await page.goto('/');
  await page.getByRole('button', { name: 'Compare' }).click();
  await page.getByTestId('open-recorded-results').click();
  const error = page.getByTestId('recorded-error');
  await expect(error).toContainText('is not a recorded-results file this studio can read: recorded.machine');
  await expect(error).toContainText('npm run record:results');
  await expect(page.getByTestId('recorded-label')).toHaveCount(0);
});
