import { expect, test } from '@playwright/test';

// WebGPU in this Chromium (SwiftShader, a software adapter, on machines without a GPU): first that it exists at all,
// so a missing adapter is reported as such rather than as a failed training check; then that training on it agrees
// with the CPU.

test('navigator.gpu.requestAdapter() returns an adapter', async ({ page }) => {
  await page.goto('/');
  const info = await page.evaluate(async () => {
    const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
    if (!gpu)
      return { error: 'navigator.gpu is missing: this Chromium has no WebGPU (is --enable-unsafe-webgpu passed?)' };
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { error: 'requestAdapter() returned null: WebGPU is disabled or no adapter is available' };
    const i = adapter.info;
    return {
      vendor: i.vendor,
      architecture: i.architecture,
      device: i.device,
      description: i.description,
      isFallbackAdapter: (i as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter ?? null,
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      features: [...adapter.features].sort(),
    };
  });
  console.log(`WebGPU adapter: ${JSON.stringify(info)}`);
  expect(info, 'error' in info ? info.error : '').not.toHaveProperty('error');
  expect(typeof (info as { vendor: unknown }).vendor).toBe('string');
});

test('one training step on webgpu agrees with the cpu (loss, embedding gradient, weights after AdamW)', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.goto('/?backend=webgpu');
  await page.getByRole('button', { name: 'Try the demo dataset' }).click();
  await expect(page.getByTestId('phase-table')).toBeVisible({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Train', exact: true }).click();

  const check = page.getByTestId('backend-check');
  const button = check.getByRole('button', { name: 'Check webgpu against CPU' });
  await expect(button).toBeVisible();
  const started = Date.now();
  await button.click();

  const result = check.getByTestId('backend-check-result');
  const error = check.getByTestId('backend-check-error');
  await expect(result.or(error)).toBeVisible({ timeout: 90_000 });
  if (await error.isVisible()) throw new Error(`The check did not run: ${await error.textContent()}`);
  const seconds = (Date.now() - started) / 1000;

  const attr = async (name: string) => (await result.getAttribute(name)) ?? '';
  const numbers = {
    backend: await attr('data-backend'),
    adapter: await attr('data-adapter'),
    pass: await attr('data-pass'),
    dLoss: Number(await attr('data-dloss')),
    dGrad: Number(await attr('data-dgrad')),
    dGradRel: Number(await attr('data-dgrad-rel')),
    dParam: Number(await attr('data-dparam')),
    embeddingGradPath: await attr('data-embedding-path'),
    otherPathAgrees: await attr('data-other-path-pass'),
  };
  console.log(`backend check (${seconds.toFixed(1)} s): ${JSON.stringify(numbers)}`);
  console.log(`backend check line: ${await result.textContent()}`);

  expect(numbers.backend).toBe('webgpu');
  expect(numbers.adapter).not.toBe('');
  expect(numbers.pass, (await result.textContent()) ?? '').toBe('true');
  expect(numbers.dLoss).toBeLessThan(1e-3);
  expect(numbers.dGradRel).toBeLessThan(1e-3);
  expect(numbers.dParam).toBeLessThan(2.5e-3); // 2.5 · lr: no weight took a wrong step
  expect(['onehot', 'scatter']).toContain(numbers.embeddingGradPath);
  expect(numbers.otherPathAgrees).toBe('true'); // both embedding-gradient routes, scatter included, agree on webgpu
  await expect(result).toContainText(/^pass webgpu/);
});
