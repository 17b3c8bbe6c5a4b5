// A record of the demo as the demo base model reads it: the studio's template, the answer and its <eos> highlighted
// as the trained span, the special tokens boxed, the token count below.
import { expect, test } from '@playwright/test';

test('the demo: a record opens as the model sees it, with its trained span highlighted', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await page.getByRole('button', { name: 'Try the demo dataset' }).click();
  const table = page.getByTestId('record-table');
  const row = table.locator('tbody tr').first();
  await expect(row).toBeVisible();
  const id = (await row.locator('td').first().textContent())!;
  const output = (await row.locator('td').nth(5).textContent())!;

  await row.getByRole('button', { name: `Show record ${id} as the model sees it` }).click();
  const view = page.getByTestId('record-view');
  await expect(view).toContainText(`record ${id}`);
  await expect(view).toContainText('the demo base model');
  await expect(page.getByLabel('Template shown')).toHaveValue('paper');

  const rendering = view.getByTestId('record-rendering');
  await expect(rendering).toContainText('User: ');
  const trained = rendering.locator('mark');
  await expect(trained).toHaveCount(1);
  // The answer and its closing <eos>, bracketed for screen readers; the highlight has its own background.
  await expect(trained).toHaveText(`[trained: ${output}<eos>]`);
  const background = await trained.evaluate((el) => getComputedStyle(el).backgroundColor);
  expect(background).not.toBe(await rendering.evaluate((el) => getComputedStyle(el).backgroundColor));
  await expect(rendering.getByTitle('special token')).toHaveText(['<bos>', '<eos>', '<eos>']);
  await expect(view.getByTestId('token-count')).toHaveText(
    new RegExp(`^\\d+ tokens, ${output.length + 1} of them trained on`),
  );
  await expect(row).toHaveAttribute('aria-current', 'true');

  // The demo model's character tokenizer has none of the special tokens a chat template writes: only the studio's
  // own template is offered for it.
  await expect(page.getByLabel('Template shown').locator('option')).toHaveText([/The studio's own/]);

  await view.getByRole('button', { name: 'Close' }).click();
  await expect(view).toHaveCount(0);
  expect(errors).toEqual([]);
});
