import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { startTestJudge, type JudgeAnswer, type JudgeRequest, type TestJudge } from './judgeServer';
import { tinyCheckpoint } from './tinyCheckpoint';

interface DemoRecord {
  instruction: string;
  input: string;
  output: string;
  level: number;
}

/** `perLevel` demo records of each level (50 by default), each (instruction, input) distinct. */
function demoSubset(perLevel = 10): DemoRecord[] {
  const demo = JSON.parse(readFileSync('public/demo/demo-suite.json', 'utf8')) as DemoRecord[];
  const seen = new Set<string>();
  const picked: DemoRecord[] = [];
  for (const level of [1, 2, 3, 4, 5]) {
    let n = 0;
    for (const r of demo) {
      if (r.level !== level || n >= perLevel || seen.has(keyOf(r.instruction, r.input))) continue;
      seen.add(keyOf(r.instruction, r.input));
      picked.push(r);
      n++;
    }
  }
  return picked;
}

const keyOf = (instruction: string, input: string) => `${instruction}\u0000${input}`;

/** (instruction, input) read back out of the default prompt's user message. */
function fieldsOf(user: string): string {
  const m = /### Instruction\n([\s\S]*?)\n\n### Input\n([\s\S]*?)\n\n### Expected output/.exec(user);
  if (!m) return '';
  return keyOf(m[1]!, m[2] === '(no input)' ? '' : m[2]!);
}

async function dropRecords(page: Page, records: DemoRecord[]) {
  const dataTransfer = await page.evaluateHandle((text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], 'scoring-demo.json'));
    return dt;
  }, JSON.stringify(records));
  await page.dispatchEvent('[data-testid=dropzone]', 'drop', { dataTransfer });
  await expect(page.getByTestId('phase-table')).toBeVisible();
}

async function openMoreScorers(page: Page) {
  const details = page.getByTestId('more-scorers');
  if ((await details.getAttribute('open')) === null) await details.locator('> summary').click();
  await expect(page.getByTestId('judge-panel')).toBeVisible();
}

async function phaseTotals(page: Page): Promise<number[]> {
  const rows = page.getByTestId('phase-row');
  const totals: number[] = [];
  for (let i = 0; i < (await rows.count()); i++) totals.push(Number(await rows.nth(i).getAttribute('data-total')));
  return totals;
}

/** A judge that answers each record with its known level, in a few wordings, and garbage for the `bad` ones. */
function levelJudge(
  records: DemoRecord[],
  bad: Set<string>,
  extra: (req: JudgeRequest) => JudgeAnswer | undefined = () => undefined,
) {
  const level = new Map(records.map((r) => [keyOf(r.instruction, r.input), r.level]));
  return (req: JudgeRequest): JudgeAnswer => {
    const special = extra(req);
    if (special) return special;
    const key = fieldsOf(req.user);
    const l = level.get(key);
    if (l === undefined) return { reply: 'which record is this?' };
    if (bad.has(key)) return { reply: 'I would rather not rate this example.' };
    return { reply: [String(l), `Score: ${l}`, `${l}.0`][req.n % 3]! };
  };
}

let judge: TestJudge | undefined;
test.afterEach(async () => {
  await judge?.close();
  judge = undefined;
});

test('LLM judge: scores a demo subset from a local endpoint, lists bad replies, the phases use it, and a second run is all cache', async ({
  page,
}) => {
  const records = demoSubset();
  const bad = new Set(records.filter((_, i) => i % 12 === 5).map((r) => keyOf(r.instruction, r.input)));
  expect(bad.size).toBeGreaterThan(2);
  // The 3rd request gets a 503 and the 5th a 429 with Retry-After: both are retried, never scored as failures.
  judge = await startTestJudge(
    levelJudge(records, bad, (req) =>
      req.n === 3 ? { status: 503 } : req.n === 5 ? { status: 429, headers: { 'Retry-After': '1' } } : undefined,
    ),
    records.length * 3,
  );

  await page.goto('/');
  await dropRecords(page, records);
  await openMoreScorers(page);
  await page.getByLabel('Judge base URL').fill(judge.baseUrl);
  await page.getByLabel('Judge model').fill('test-judge');
  await page.getByLabel('Judge concurrency').fill('4');

  // Before anything is sent: the estimate and the exact destination.
  const host = new URL(judge.baseUrl).host;
  await expect(page.getByTestId('judge-estimate')).toHaveAttribute('data-requests', String(records.length));
  await expect(page.getByTestId('judge-estimate')).toContainText(`${records.length} requests`);
  await expect(page.getByTestId('judge-destination')).toContainText(
    `${records.length} records will be sent to ${host}`,
  );
  await expect(page.getByTestId('judge-prompt')).toContainText('The prompt sent with each record');
  expect(judge.requests).toHaveLength(0);

  await page.getByRole('button', { name: 'Start the judge' }).click();
  const run = page.getByTestId('judge-run');
  await expect(run).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  expect(judge.requests.length).toBe(records.length + 2); // one per record, plus the two retried ones
  expect(judge.requests.every((r) => r.model === 'test-judge' && r.authorization === undefined)).toBe(true);
  await expect(run).toHaveAttribute('data-requested', String(records.length));

  // Unparseable replies are listed with the reply, not guessed.
  const problems = page.getByTestId('judge-problems');
  await expect(problems).toHaveAttribute('data-count', String(bad.size));
  await expect(problems.getByTestId('judge-problem')).toHaveCount(bad.size);
  await expect(problems).toContainText('I would rather not rate this example.');

  // The score set is in the scorer menu, and the phases use it (the paper's cut-offs: level 1 | 2–3 | 4–5).
  await expect(page.getByLabel('Scorer', { exact: true }).locator('option[value="judge"]')).toHaveCount(1);
  await page.getByLabel('Scorer', { exact: true }).selectOption('judge');
  await expect(page.getByTestId('scorer-name')).toContainText('LLM judge');
  const good = records.filter((r) => !bad.has(keyOf(r.instruction, r.input)));
  const expected = [
    good.filter((r) => r.level === 1).length,
    good.filter((r) => r.level === 2 || r.level === 3).length,
    good.filter((r) => r.level >= 4).length,
  ];
  await expect.poll(() => phaseTotals(page)).toEqual(expected);
  await expect(page.getByTestId('scorer-problems')).toContainText(`${bad.size} records with a problem score`);

  // Comparing with the file's own levels: the judge answered the levels, so the order agrees perfectly.
  const comparison = page.getByTestId('scorer-comparison');
  await comparison.getByLabel('Compare A').selectOption('judge');
  await comparison.getByLabel('Compare B').selectOption('field');
  await expect(page.getByTestId('comparison-summary')).toHaveAttribute('data-spearman', '1.0000');
  await expect(page.getByTestId('comparison-confusion')).toBeVisible();

  // Second run: everything is cached, the server sees no request at all.
  const before = judge.requests.length;
  await expect(page.getByTestId('judge-estimate')).toHaveAttribute('data-cached', String(records.length));
  await expect(page.getByTestId('judge-destination')).toContainText('nothing will be sent');
  await page.getByRole('button', { name: /^Start/ }).click();
  await expect(run).toHaveAttribute('data-status', 'done');
  await expect(run).toHaveAttribute('data-from-cache', String(records.length));
  await expect(run).toHaveAttribute('data-requested', '0');
  expect(judge.requests.length - before).toBe(0);
  await expect(problems).toHaveAttribute('data-count', String(bad.size)); // cached garbage is listed again, for free
});

test('LLM judge: a reload mid-run resumes, skipping the records already answered', async ({ page }) => {
  const records = demoSubset();
  // Slow replies, two at a time: the run takes long enough to be cut by a reload.
  const answer = levelJudge(records, new Set());
  judge = await startTestJudge((req) => ({ ...answer(req), delayMs: 300 }), records.length * 2);

  await page.goto('/');
  await dropRecords(page, records);
  await openMoreScorers(page);
  await page.getByLabel('Judge base URL').fill(judge.baseUrl);
  await page.getByLabel('Judge model').fill('test-judge');
  await page.getByLabel('Judge concurrency').fill('2');
  await expect(page.getByTestId('judge-estimate')).toHaveAttribute('data-requests', String(records.length));
  await page.getByRole('button', { name: 'Start the judge' }).click();
  await expect
    .poll(async () => Number(await page.getByTestId('judge-run').getAttribute('data-done')), { timeout: 30_000 })
    .toBeGreaterThanOrEqual(10);

  await page.reload();
  await expect(page.getByTestId('phase-table')).toBeVisible();
  await openMoreScorers(page);
  await expect(page.getByTestId('judge-interrupted')).toBeVisible();
  // The form came back (no key was given, so none is needed); the estimate counts what is cached.
  await expect(page.getByLabel('Judge base URL')).toHaveValue(judge.baseUrl);
  await page.waitForTimeout(800); // requests in flight at the reload reach the server; their replies are lost
  const beforeResume = judge.requests.length;
  const estimate = page.getByTestId('judge-estimate');
  await expect.poll(async () => Number(await estimate.getAttribute('data-cached'))).toBeGreaterThanOrEqual(10);
  const cached = Number(await estimate.getAttribute('data-cached'));
  expect(Number(await estimate.getAttribute('data-requests'))).toBe(records.length - cached);
  await expect(page.getByTestId('judge-destination')).toContainText(
    `${records.length - cached} of ${records.length} records will be sent to`,
  );

  await page.getByRole('button', { name: 'Start the judge' }).click();
  const run = page.getByTestId('judge-run');
  await expect(run).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await expect(run).toHaveAttribute('data-from-cache', String(cached));
  await expect(run).toHaveAttribute('data-requested', String(records.length - cached));
  expect(judge.requests.length - beforeResume).toBe(records.length - cached);
  await expect(page.getByTestId('judge-interrupted')).toHaveCount(0);
  await expect(page.getByLabel('Scorer', { exact: true }).locator('option[value="judge"]')).toHaveCount(1);
});

test('automatic cut-offs: a suggestion is explained and applied with one click', async ({ page }) => {
  await page.goto('/');
  await dropRecords(page, demoSubset());
  const panel = page.getByTestId('cutoff-suggestions');
  await panel.locator('> summary').click();
  const balanced = page.getByTestId('cutoff-suggestion-balanced');
  await expect(balanced).toContainText('Quantile cut-offs');
  const cutoffs = (await balanced.getAttribute('data-cutoffs'))!.split(',').map(Number);
  expect(cutoffs).toHaveLength(2);
  await balanced.getByRole('button', { name: /^Apply/ }).click();
  await expect(balanced.getByRole('button', { name: /Apply/ })).toHaveText('Applied');
  const totals = await phaseTotals(page);
  expect(Math.max(...totals) - Math.min(...totals)).toBeLessThanOrEqual(10); // 50 file-scored records, levels 1–5
  await expect(page.getByTestId('cutoff-suggestion-valleys')).toContainText('kernel density estimate');
});

test.describe('IFD', () => {
  test('without a pretrained model, IFD refuses and says why', async ({ page }) => {
    // A studio served without the base model (a fork that never ran npm run make:base, say).
    await page.route('**/models/base/base.safetensors', (route) => route.fulfill({ status: 404, body: 'not here' }));
    await page.goto('/');
    await dropRecords(page, demoSubset(4));
    await openMoreScorers(page);
    const refusal = page.getByTestId('model-scorer-refusal');
    await expect(refusal).toContainText('need a pretrained model');
    await expect(refusal).toContainText('meaningless');
    await expect(page.getByRole('button', { name: 'Score with IFD' })).toBeDisabled();
  });

  test('a checkpoint file scores in the scoring worker with progress, cancel, and a score set the phases can use', async ({
    page,
  }) => {
    // Plumbing, not quality: an untrained tiny checkpoint stands in for a user's trained one.
    await page.goto('/');
    const records = demoSubset(6);
    await dropRecords(page, records);
    await openMoreScorers(page);
    const bytes = tinyCheckpoint(records.map((r) => `${r.instruction}${r.input}${r.output}`));
    await page
      .getByLabel('Model file for IFD')
      .setInputFiles({ name: 'tiny.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from(bytes) });
    await expect(page.getByTestId('model-scorer-source')).toContainText('tiny.safetensors');
    await expect(page.getByTestId('model-scorer-refusal')).toHaveCount(0);

    // Cancel terminates the worker; nothing is added.
    await page.getByRole('button', { name: 'Score with response loss' }).click();
    await page.getByTestId('model-scorer-panel').getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByTestId('model-scorer-run')).toHaveAttribute('data-status', 'cancelled');
    await expect(page.getByLabel('Scorer', { exact: true }).locator('option[value="response-loss"]')).toHaveCount(0);

    await page.getByRole('button', { name: 'Score with IFD' }).click();
    await expect(page.getByTestId('model-scorer-run')).toHaveAttribute('data-status', 'done', { timeout: 150_000 });
    await expect(page.getByTestId('model-scorer-message')).toContainText(
      `${records.length} of ${records.length} records scored`,
    );
    await page.getByRole('button', { name: 'Use these scores for the phases' }).click();
    await expect(page.getByTestId('scorer-name')).toContainText('IFD');
    await expect.poll(async () => (await phaseTotals(page)).reduce((a, b) => a + b, 0)).toBe(records.length);
  });

  test('with the demo base model, IFD scores the demo subset in a worker and the phases can use it', async ({
    page,
  }) => {
    await page.goto('/');
    const records = demoSubset(6);
    await dropRecords(page, records);
    await openMoreScorers(page);
    await expect(page.getByTestId('model-scorer-source')).toContainText('the demo base model');
    await page.getByRole('button', { name: 'Score with IFD' }).click();
    await expect(page.getByTestId('model-scorer-run')).toHaveAttribute('data-status', 'done', { timeout: 150_000 });
    await expect(page.getByTestId('model-scorer-message')).toContainText(
      `${records.length} of ${records.length} records scored`,
    );
    await page.getByLabel('Scorer', { exact: true }).selectOption('ifd');
    await expect(page.getByTestId('scorer-name')).toContainText('IFD');
    await expect.poll(async () => (await phaseTotals(page)).reduce((a, b) => a + b, 0)).toBe(records.length);
  });
});

test('LLM judge: a key bound for another machine over plain http is warned about before anything is sent', async ({
  page,
}) => {
  await page.goto('/');
  await dropRecords(page, demoSubset(4));
  await openMoreScorers(page);
  await page.getByLabel('Judge base URL').fill('http://judge.example.org/v1');
  await page.getByLabel('Judge model').fill('m');
  await expect(page.getByTestId('judge-insecure-key')).toHaveCount(0);
  await page.getByLabel('Judge API key').fill('sk-test');
  await expect(page.getByTestId('judge-insecure-key')).toContainText(
    'The API key would travel unencrypted (http://) to judge.example.org',
  );
  await page.getByLabel('Judge base URL').fill('https://judge.example.org/v1');
  await expect(page.getByTestId('judge-insecure-key')).toHaveCount(0);
});
