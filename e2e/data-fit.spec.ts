// A real dataset's fit to the model, shown before Start: an Alpaca-shaped file with capitals (the demo base model's
// alphabet is lower-case text plus the template's own letters) and records longer than its 320 positions.
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';

/** The base model's alphabet and context, read from its safetensors header here, independently of the studio. */
function baseModel(): { alphabet: Set<string>; contextLength: number } {
  const bytes = readFileSync('public/models/base/base.safetensors');
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const metadata = (
    JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as { __metadata__: Record<string, string> }
  ).__metadata__;
  const tokenizer = JSON.parse(metadata['studio.tokenizer']!) as { alphabet: string[] };
  const config = JSON.parse(metadata['studio.config']!) as { contextLength: number };
  return { alphabet: new Set(tokenizer.alphabet), contextLength: config.contextLength };
}

const words = 'the cat sat on a mat and then it ran to see my dog who was out in the sun all day long'.split(' ');
const sentence = (n: number, seed: number) =>
  Array.from({ length: n }, (_, i) => words[(seed * 7 + i * 3) % words.length]).join(' ');

/** 200 records: every fifth starts with a capital the alphabet lacks ("Tell me …", "Name …"), every eighth is long (a 400-character answer). */
function alpacaRecords(): { instruction: string; input: string; output: string }[] {
  return Array.from({ length: 200 }, (_, i) => ({
    instruction: `${i % 5 === 0 ? (i % 10 === 0 ? 'Tell me' : 'Name the') : 'tell me'} ${sentence(4 + (i % 6), i)} ${i}`,
    input: '',
    output: i % 8 === 0 ? sentence(90, i).slice(0, 400 + i) : sentence(3 + (i % 9), i + 1),
  }));
}

test('before Start, the Train screen says how many records the base model represents and suggests the model that would fit', async ({
  page,
}) => {
  const records = alpacaRecords();
  const { alphabet, contextLength } = baseModel();
  // The paper template: <bos> "User: " instruction <eos> "\nAssistant: " output <eos>, one token per character.
  const tokens = (r: (typeof records)[number]) =>
    1 + 'User: '.length + r.instruction.length + 1 + '\nAssistant: '.length + r.output.length + 1;
  const unknown = records.filter((r) => [...r.instruction, ...r.output].some((ch) => !alphabet.has(ch)));
  const tooLong = records.filter((r) => tokens(r) > contextLength + 1);
  const tokensCut = tooLong.reduce((n, r) => n + tokens(r) - (contextLength + 1), 0);
  const whole = records.filter((r) => !unknown.includes(r) && !tooLong.includes(r)).length;
  expect(unknown.length).toBe(40);
  expect(tooLong.length).toBe(25);

  await page.goto('/');
  const dataTransfer = await page.evaluateHandle((text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], 'alpaca-demo.json'));
    return dt;
  }, JSON.stringify(records));
  await page.dispatchEvent('[data-testid=dropzone]', 'drop', { dataTransfer });
  await expect(page.getByTestId('phase-table')).toBeVisible();
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await page.getByLabel('Model', { exact: true }).selectOption('base:');

  const fit = page.getByTestId('data-fit');
  await expect(fit).toHaveAttribute('data-records', '200');
  await expect(fit).toHaveAttribute('data-unknown', String(unknown.length));
  await expect(fit).toHaveAttribute('data-too-long', String(tooLong.length));
  await expect(fit).toHaveAttribute('data-tokens-cut', String(tokensCut));
  await expect(fit).toHaveAttribute('data-whole', String(whole));
  await expect(fit).toContainText(`The model represents ${whole} of the 200 records this run uses whole.`);
  await expect(page.getByTestId('data-fit-unknown')).toContainText(
    `${unknown.length} records hold characters outside its vocabulary ("N" "T")`,
  );
  await expect(page.getByTestId('data-fit-too-long')).toContainText(
    `${tooLong.length} records are longer than its ${contextLength} positions: ${tokensCut.toLocaleString('en')} tokens would be cut`,
  );
  await expect(page.getByTestId('data-fit-suggestions')).toContainText('GPT-2');
  await expect(page.getByTestId('data-fit-suggestions')).toContainText('longer context');
  // Nothing has started: this is the setup, not a run's report.
  await expect(page.getByTestId('run-panel')).toHaveCount(0);

  // A randomly initialised model builds its alphabet from the data: only the length problem remains.
  await page.getByLabel('Model', { exact: true }).selectOption('preset:small');
  await expect(fit).toHaveAttribute('data-unknown', '0');
  await expect(fit).not.toHaveAttribute('data-too-long', '0');
});
