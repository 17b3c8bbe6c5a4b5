import { expect, test, type Page } from '@playwright/test';

/** Drops a file built in the page (so a large one costs no transfer) on the drop zone. */
async function dropGenerated(page: Page, fileName: string, rows: number): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    ([name, n]) => {
      const lines = Array.from({ length: n as number }, (_, i) =>
        JSON.stringify({
          instruction: `Add ${i} and ${i + 1}, then explain each step you took`,
          input: '',
          output: `${2 * i + 1}`,
        }),
      );
      const dt = new DataTransfer();
      dt.items.add(new File([lines.join('\n')], name as string));
      return dt;
    },
    [fileName, rows] as const,
  );
  await page.dispatchEvent('[data-testid=dropzone]', 'drop', { dataTransfer });
}

test('a second file dropped while one is read is named, not silently ignored', async ({ page }) => {
  await page.goto('/');
  await dropGenerated(page, 'big.jsonl', 150_000);
  await expect(page.getByTestId('loading')).toBeVisible();
  await dropGenerated(page, 'second.jsonl', 10);

  const note = page.getByTestId('ignored-file');
  await expect(note).toContainText(
    'Still reading "big.jsonl"; "second.jsonl" was not read. Drop "second.jsonl" again when "big.jsonl" is done.',
  );
  await expect(page.getByTestId('phase-table')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByText('big.jsonl').first()).toBeVisible();
  // Dropped again once the first is done, it is read, and the note goes.
  await dropGenerated(page, 'second.jsonl', 10);
  await expect(note).toBeHidden();
  await expect(page.getByText('second.jsonl').first()).toBeVisible();
});
