import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { binaryFile, largeAlpacaFile, malformedJsonl, phasedSftStage3 } from './fixtures';

async function dropFile(page: Page, name: string, text: string) {
  const dataTransfer = await page.evaluateHandle(
    ([fileName, content]) => {
      const dt = new DataTransfer();
      dt.items.add(new File([content], fileName));
      return dt;
    },
    [name, text] as const,
  );
  await page.dispatchEvent('[data-testid=dropzone]', 'drop', { dataTransfer });
}

/** Records per phase as the phase table shows them: training records + held-out records. */
async function phaseTotals(page: Page): Promise<number[]> {
  const rows = page.getByTestId('phase-row');
  const n = await rows.count();
  const totals: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = rows.nth(i);
    totals.push(Number(await row.getAttribute('data-total')));
  }
  return totals;
}

test('a 52 000-record Alpaca file is parsed off the main thread and split into phases', async ({ page }) => {
  const path = largeAlpacaFile();
  await page.goto('/');
  await page.getByTestId('file-input').setInputFiles(path);
  await expect(page.getByTestId('loading')).toBeVisible();

  // While the worker parses, the page still answers a click.
  const clickedAt = Date.now();
  await page.getByTestId('formats-help').locator('summary').click();
  await expect(page.getByTestId('formats-help')).toHaveAttribute('open', '');
  const answeredIn = Date.now() - clickedAt;
  await expect(page.getByTestId('loading')).toBeVisible(); // still parsing: the click was served during the parse
  expect(answeredIn).toBeLessThan(2_000);

  await expect(page.getByTestId('phase-table')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('accepted-count')).toHaveText('52,000');
  await expect(page.getByTestId('dataset-format')).toHaveText(/Alpaca JSON/);
  const totals = await phaseTotals(page);
  expect(totals).toHaveLength(3);
  expect(totals.reduce((a, b) => a + b, 0)).toBe(52_000);
  await expect(page.getByTestId('scorer-name')).toContainText(/heuristic/i);
});

test('a file with malformed rows gets a report naming each one', async ({ page }) => {
  const { path, badLines } = malformedJsonl();
  await page.goto('/');
  await dropFile(page, 'malformed.jsonl', readFileSync(path, 'utf8'));
  const report = page.getByTestId('validation-report');
  await expect(report).toBeVisible();
  await expect(page.getByTestId('accepted-count')).toHaveText('2');
  await expect(page.getByTestId('rejected-count')).toHaveText(String(badLines.length));
  for (const line of badLines) await expect(report.getByText(`line ${line}`, { exact: true })).toBeVisible();
  await expect(report).toContainText(/JSON/i);
  await expect(report).toContainText(/output/i);

  const download = page.waitForEvent('download');
  await report.getByRole('button', { name: /download report/i }).click();
  const file = await (await download).path();
  const csv = readFileSync(file, 'utf8');
  for (const line of badLines) expect(csv).toContain(String(line));
});

test('the demo suite: five levels land in the phases the paper’s cut-offs give, and survive a reload', async ({
  page,
}) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Try the demo dataset' }).click();
  await expect(page.getByTestId('phase-table')).toBeVisible();
  await expect(page.getByTestId('scorer-name')).toContainText(/field/i);

  const demo = JSON.parse(readFileSync('public/demo/demo-suite.json', 'utf8')) as { level: number }[];
  const byLevel = [1, 2, 3, 4, 5].map((level) => demo.filter((r) => r.level === level).length);
  expect(await phaseTotals(page)).toEqual([byLevel[0], byLevel[1]! + byLevel[2]!, byLevel[3]! + byLevel[4]!]);

  // The exported plan puts every record in the phase its level belongs to.
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: /plan \(json\)/i }).click();
  const plan = JSON.parse(readFileSync(await (await download).path(), 'utf8')) as {
    phases: { index: number; recordIds: string[] }[];
    heldOut: { recordIds: string[] };
  };
  const expectedPhase = (level: number) => (level < 1.5 ? 1 : level < 3.5 ? 2 : 3); // phases are numbered from 1, as in the paper
  for (const phase of plan.phases) {
    for (const id of phase.recordIds) expect(expectedPhase(demo[Number(id)]!.level)).toBe(phase.index);
  }
  expect(plan.heldOut.recordIds.length).toBeGreaterThan(0);

  await page.reload();
  await expect(page.getByTestId('dataset-name')).toHaveText('demo-suite.json');
  await expect(page.getByTestId('phase-table')).toBeVisible();
  expect(await phaseTotals(page)).toEqual([byLevel[0], byLevel[1]! + byLevel[2]!, byLevel[3]! + byLevel[4]!]);
});

test('PhasedSFT stage-3 lines are read as-is and all land in phase 3', async ({ page }) => {
  const path = phasedSftStage3();
  await page.goto('/');
  await page.getByTestId('file-input').setInputFiles(path);
  await expect(page.getByTestId('phase-table')).toBeVisible();
  await expect(page.getByTestId('dataset-format')).toHaveText(/PhasedSFT/);
  expect(await phaseTotals(page)).toEqual([0, 0, 120]);
});

test('editing a cut-off re-buckets at once, and an unreadable file leaves the dataset untouched', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Try the demo dataset' }).click();
  await expect(page.getByTestId('phase-table')).toBeVisible();
  const before = await phaseTotals(page);

  // Drag the first cut-off's handle on the histogram from 1.5 to 2.5: level 2 joins phase 1.
  const handle1 = page.getByRole('slider', { name: 'Cut-off 1 handle' });
  const box1 = (await handle1.boundingBox())!;
  const box2 = (await page.getByRole('slider', { name: 'Cut-off 2 handle' }).boundingBox())!;
  const pxPerPoint = (box2.x - box1.x) / 2; // the handles sit at 1.5 and 3.5
  const y = box1.y + box1.height / 2;
  await page.mouse.move(box1.x + box1.width / 2, y);
  await page.mouse.down();
  await page.mouse.move(box1.x + box1.width / 2 + pxPerPoint / 2, y, { steps: 5 });
  await page.mouse.move(box1.x + box1.width / 2 + pxPerPoint, y, { steps: 5 });
  await page.mouse.up();
  await expect(handle1).toHaveAttribute('aria-valuenow', /^2\.(4|45|5|55|6)$/);
  const dragged = await phaseTotals(page);
  expect(dragged[0]).toBeGreaterThan(before[0]!);
  expect(dragged.reduce((a, b) => a + b, 0)).toBe(before.reduce((a, b) => a + b, 0));
  // Back to the paper's cut-offs with the keyboard, then type the second one: 3.5 → 4.5 moves level 4 into phase 2.
  await page.getByRole('button', { name: /paper/i }).click();
  await expect.poll(() => phaseTotals(page)).toEqual(before);

  const second = page.getByRole('spinbutton', { name: 'Cut-off 2' });
  await second.fill('4.5');
  await second.press('Enter');
  await expect.poll(() => phaseTotals(page)).not.toEqual(before);
  const after = await phaseTotals(page);
  expect(after[0]).toBe(before[0]);
  expect(after[1]! + after[2]!).toBe(before[1]! + before[2]!);
  expect(after[2]).toBeLessThan(before[2]!);

  // An impossible cut-off is refused with a message; the last good phases stay.
  await second.fill('0.5');
  await second.press('Enter');
  await expect(page.getByTestId('phase-settings-error')).toBeVisible();
  expect(await phaseTotals(page)).toEqual(after);
  await second.fill('4.5');
  await second.press('Enter');
  await expect(page.getByTestId('phase-settings-error')).toHaveCount(0);

  await page.getByTestId('file-input').setInputFiles(binaryFile());
  await expect(page.getByTestId('load-error')).toContainText(/binary|not a text/i);
  await expect(page.getByTestId('load-error')).toContainText('demo-suite.json');
  await expect(page.getByTestId('dataset-name')).toHaveText('demo-suite.json');
  expect(await phaseTotals(page)).toEqual(after);
});

test('a storage failure is shown, and the dataset still loads for this session', async ({ page }) => {
  await page.addInitScript(() => {
    // Simulate a browser that refuses IndexedDB (private mode, a full disk, a blocked profile).
    Object.defineProperty(window, 'indexedDB', {
      value: {
        open: () => {
          throw new DOMException('The user denied permission to access the database.', 'SecurityError');
        },
      },
    });
  });
  await page.goto('/');
  await page.getByRole('button', { name: 'Try the demo dataset' }).click();
  await expect(page.getByTestId('phase-table')).toBeVisible();
  const banner = page.getByTestId('storage-error');
  await expect(banner).toContainText(/IndexedDB|storage/i);
  await expect(banner).toContainText(/will not survive a reload/);
});

test('a file with no usable record is refused whole, the dataset and its phases stay; a degenerate plan says so', async ({
  page,
}) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Try the demo dataset' }).click();
  await expect(page.getByTestId('phase-table')).toBeVisible();
  const before = await phaseTotals(page);

  // Every row lacks its answer: before, this replaced the demo with an empty dataset.
  await dropFile(
    page,
    'answers-empty.jsonl',
    '{"instruction": "a", "output": ""}\n{"instruction": "b", "output": " "}\n{"instruction": "c", "output": ""}\n',
  );
  await expect(page.getByTestId('load-error')).toContainText('has no usable record: all 3 rows were rejected');
  await expect(page.getByTestId('load-error')).toContainText('empty output');
  await expect(page.getByTestId('dataset-name')).toHaveText('demo-suite.json');
  expect(await phaseTotals(page)).toEqual(before);
  // LLaMA-Factory's registry is not a dataset: the message says what it is and which files it names
  await dropFile(page, 'dataset_info.json', JSON.stringify({ alpaca_en_demo: { file_name: 'alpaca_en_demo.json' } }));
  await expect(page.getByTestId('load-error')).toContainText(
    "is LLaMA-Factory's dataset registry (dataset_info.json), not a dataset: it names 1 dataset (alpaca_en_demo → alpaca_en_demo.json)",
  );
  await expect(page.getByTestId('dataset-name')).toHaveText('demo-suite.json');

  // Cut-offs 1.1 and 1.2 leave phase 2 empty (the levels are whole numbers): the screen says so.
  await expect(page.getByTestId('phase-plan-warning')).toHaveCount(0);
  const first = page.getByRole('spinbutton', { name: 'Cut-off 1' });
  await first.fill('1.1');
  await first.press('Enter');
  const second = page.getByRole('spinbutton', { name: 'Cut-off 2' });
  await second.fill('1.2');
  await second.press('Enter');
  await expect(page.getByTestId('phase-plan-warning').first()).toContainText('Phase 2 is empty');
  // Phase 2 has nothing to export; phase 3's button still downloads phase 3's records.
  await expect(page.getByRole('button', { name: 'Phase 2 (JSONL) — empty' })).toBeDisabled();
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Phase 3 (JSONL)' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('demo-suite.phase-3.jsonl');
  const lines = readFileSync(await file.path(), 'utf8')
    .trim()
    .split('\n');
  expect(lines.every((l) => (JSON.parse(l) as { phase: number }).phase === 3)).toBe(true);

  // A held-out share past the limit stays in the field with a message; the plan keeps 5 % (it once became 8 %).
  const heldOut = page.getByLabel('Held-out percent');
  await heldOut.fill('80');
  await expect(page.getByRole('alert').filter({ hasText: 'At most 50. Still using 5.' })).toBeVisible();
  await expect(heldOut).toHaveValue('80');
  await expect(page.getByText(/held out: \d+ \(5\.0% of every phase/)).toBeVisible();
});

test("a file the heuristic scores into one phase at the paper's cut-offs starts with equal-size phases, and says why", async ({
  page,
}) => {
  // Alpaca-like records of similar length: the heuristic scores them all 1.9–2.3, inside the paper's middle phase
  const words =
    'the a model data train phase answer question simple explain list give write describe colour number city river'.split(
      ' ',
    );
  const w = (n: number, s: number) => Array.from({ length: n }, (_, k) => words[(k * 7 + s) % words.length]).join(' ');
  const rows = Array.from({ length: 60 }, (_, i) =>
    JSON.stringify({ instruction: `Explain ${w(6 + (i % 5), i)}.`, input: '', output: `${w(25 + (i % 20), i + 3)}.` }),
  );
  await page.goto('/');
  await dropFile(page, 'alpaca-like.jsonl', `${rows.join('\n')}\n`);
  await expect(page.getByTestId('phase-table')).toBeVisible();
  await expect(page.getByTestId('phase-default-note')).toContainText(
    "the heuristic scores are not on the paper's GPT-4 scale, and its cut-offs 1.5 / 3.5 would make phases of 0 / 60 / 0 records",
  );
  const totals = await phaseTotals(page);
  expect(totals).toHaveLength(3);
  expect(Math.min(...totals)).toBeGreaterThanOrEqual(15);
  await expect(page.getByRole('button', { name: 'Equal-size phases' })).toHaveAttribute('aria-pressed', 'true');
  // the paper's cut-offs are one click away, and then the screen says what they give
  await page.getByRole('button', { name: 'Paper’s 1.5 / 3.5' }).click();
  await expect(page.getByTestId('phase-default-note')).toHaveCount(0);
  expect(await phaseTotals(page)).toEqual([0, 60, 0]);
  await expect(page.getByTestId('phase-plan-warning').first()).toContainText('Phases 1, 3 are empty');
});
