import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';

test('a configuration travels as a JSON file and as a link; a bad file is refused with its problems named', async ({
  page,
}) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Try the demo dataset' }).click();
  await expect(page.getByTestId('phase-table')).toBeVisible();
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  // A number out of range stays where it was typed, says why, and changes nothing until it is mended.
  const shareField = page.getByLabel('Share of each phase, % (100 = all)');
  await shareField.fill('150');
  await expect(shareField).toHaveValue('150');
  await expect(shareField).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByRole('alert').filter({ hasText: 'At most 100. Still using 100.' })).toBeVisible();
  await shareField.fill('100');
  await expect(page.getByRole('alert')).toHaveCount(0);

  await page.getByLabel('Learning rate').fill('0.0007');
  await page.getByLabel('Arm', { exact: true }).selectOption('hard-to-easy');

  const share = page.getByTestId('config-share');
  const download = page.waitForEvent('download');
  await share.getByRole('button', { name: 'Export JSON' }).click();
  const exported = JSON.parse(readFileSync(await (await download).path(), 'utf8')) as {
    train: { hyper: { lr: number }; arm: { kind: string } };
  };
  expect(exported.train.hyper.lr).toBe(0.0007);
  expect(exported.train.arm.kind).toBe('hard-to-easy');

  // Change the settings, then import the file: they come back.
  await page.getByLabel('Learning rate').fill('0.01');
  await page.getByLabel('Arm', { exact: true }).selectOption('one-off');
  const good = join(tmpdir(), 'studio-config.json');
  writeFileSync(good, JSON.stringify(exported));
  await page.getByTestId('config-input').setInputFiles(good);
  await expect(page.getByTestId('config-message')).toContainText('Applied');
  await expect(page.getByLabel('Learning rate')).toHaveValue('0.0007');
  await expect(page.getByLabel('Arm', { exact: true })).toHaveValue('hard-to-easy');

  // A file with a typo and an impossible value changes nothing and says what is wrong.
  const bad = join(tmpdir(), 'bad-config.json');
  writeFileSync(
    bad,
    JSON.stringify({
      ...exported,
      train: { ...exported.train, lrr: 1, hyper: { ...exported.train.hyper, batchSize: 0 } },
    }),
  );
  await page.getByTestId('config-input').setInputFiles(bad);
  await expect(page.getByTestId('config-message')).toContainText('train.lrr');
  await expect(page.getByTestId('config-message')).toContainText('batchSize');
  await expect(page.getByLabel('Learning rate')).toHaveValue('0.0007');

  // The link carries the same settings into a fresh page.
  await share.getByRole('button', { name: 'Copy link' }).click();
  const link = page.url();
  expect(link).toContain('#config=');
  const fresh = await page.context().newPage();
  await fresh.goto(link);
  await fresh.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(fresh.getByLabel('Learning rate')).toHaveValue('0.0007');
  await expect(fresh.getByLabel('Arm', { exact: true })).toHaveValue('hard-to-easy');
});

test('a link carries settings only: a model address or a value the form refuses is named and nothing is applied', async ({
  page,
}) => {
  const config = {
    kind: 'phased-ift-studio/config',
    version: 1,
    train: {
      model: { kind: 'base', url: 'https://example.com/weights.safetensors', name: 'the demo base model' },
      hyper: { lr: 0.0007, batchSize: 1e9, heldOutFractoin: 0.1 },
    },
  };
  await page.goto(`/#config=${Buffer.from(JSON.stringify(config)).toString('base64url')}`);
  await page.getByRole('button', { name: 'Try the demo dataset' }).click();
  await expect(page.getByTestId('phase-table')).toBeVisible();
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  const message = page.getByTestId('config-message');
  await expect(message).toContainText('The link’s configuration was not applied');
  await expect(message).toContainText('"train.model.url" must be the studio’s own base model');
  await expect(message).toContainText('"train.hyper.batchSize" must be a whole number from 1 to 1024');
  await expect(message).toContainText('Unknown hyper-parameter "train.hyper.heldOutFractoin"');
  await expect(page.getByLabel('Learning rate')).not.toHaveValue('0.0007');
  await expect(page.getByLabel('Batch')).toHaveValue('16');
});
