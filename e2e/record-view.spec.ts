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

test('a conversation in the table shows every turn, what is trained marked, and search sees every turn', async ({
  page,
}) => {
  const rows = [
    {
      id: 'chat-1',
      messages: [
        { role: 'user', content: 'Name a striped animal.' },
        { role: 'assistant', content: 'A zebra.' },
        { role: 'user', content: 'Spell it backwards.' },
        { role: 'assistant', content: 'arbez', weight: 0 },
        { role: 'user', content: 'Have a nice day!' },
        { role: 'assistant', content: 'You too!' },
      ],
    },
    {
      id: 'single',
      messages: [
        { role: 'user', content: 'Say hi.' },
        { role: 'assistant', content: 'Hi.' },
      ],
    },
  ];
  await page.goto('/');
  const dataTransfer = await page.evaluateHandle(
    (text) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], 'chats.jsonl'));
      return dt;
    },
    rows.map((r) => JSON.stringify(r)).join('\n'),
  );
  await page.dispatchEvent('[data-testid=dropzone]', 'drop', { dataTransfer });
  const table = page.getByTestId('record-table');
  await expect(table.locator('tbody tr')).toHaveCount(2);
  // "zebra" is only in the first exchange: the search finds the record by it
  await table.getByLabel('Search records').fill('zebra');
  await expect(table.locator('tbody tr')).toHaveCount(1);
  const toggle = table.getByTestId('conversation-toggle');
  await expect(toggle).toHaveText('2 earlier exchanges');
  await toggle.click();
  const turns = table.getByTestId('conversation-turns').locator('li');
  await expect(turns).toHaveCount(6);
  await expect(turns.nth(1)).toHaveAttribute('data-trained', 'true');
  await expect(turns.nth(1)).toContainText('A zebra.');
  await expect(turns.nth(3)).toHaveAttribute('data-trained', 'false');
  await expect(turns.nth(3)).toContainText('context, not trained');
  await expect(turns.nth(5)).toContainText('You too!');
  await toggle.click();
  await expect(table.getByTestId('conversation-turns')).toHaveCount(0);
});
