import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { expect, test } from '@playwright/test';
import type { RegressionResult } from './webgpu-regression.harness';

// Regression: training diverged on webgpu ("loss NaN at step 5") while wasm and cpu were fine. tfjs-backend-webgpu's
// AddN binds all its inputs in one shader and tfjs's device keeps WebGPU's default limit of 8 storage buffers per
// stage, so tf.addN of ≥ 8 tensors (the optimizer's global norm summed one square-sum per parameter, 28 on the micro
// GPT) was an invalid pipeline: WebGPU dropped the whole command batch without an exception and the step read stale
// buffers. src/core/kernels/webgpu/addN.ts sums in chunks; src/worker/backends.ts installs it. This runs the studio's
// backend setup and the optimizer on the real device, outside the UI (no UI path sums that many tensors on a model
// small enough for a software adapter; GPT-2-sized models do, through AdamW's many flat groups).

const PAGE = '/__webgpu-regression/index.html';

async function bundle(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./webgpu-regression.harness.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    write: false,
    target: 'es2022',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [
      {
        // Vite's `?url` asset imports (the wasm binaries in backends.ts): unused here, so any string will do.
        name: 'vite-url-stub',
        setup(b) {
          b.onResolve({ filter: /\?url$/ }, (args) => ({ path: args.path, namespace: 'url-stub' }));
          b.onLoad({ filter: /.*/, namespace: 'url-stub' }, () => ({ contents: 'export default "";', loader: 'js' }));
        },
      },
    ],
  });
  return result.outputFiles[0]!.text;
}

test('webgpu: tf.addN past the storage-buffer limit and AdamW with many groups agree with the cpu', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const script = await bundle();
  await page.route('**/__webgpu-regression/**', (route) => {
    const url = route.request().url();
    if (url.endsWith('/index.html')) {
      return route.fulfill({
        contentType: 'text/html',
        body: '<!doctype html><script type="module" src="harness.js"></script>',
      });
    }
    return route.fulfill({ contentType: 'text/javascript', body: script });
  });
  page.on('pageerror', (e) => console.log(`pageerror: ${e.message}`));
  await page.goto(PAGE);
  await page.waitForFunction(() => 'runWebGPURegression' in window);
  const r = await page.evaluate(() =>
    (window as unknown as { runWebGPURegression: () => Promise<RegressionResult> }).runWebGPURegression(),
  );
  console.log(
    `maxStorageBuffersPerShaderStage ${r.maxStorageBuffersPerShaderStage}; AdamW groups ${r.adamw.groups}; ` +
      `norm cpu ${r.adamw.cpu.norm} webgpu ${r.adamw.webgpu.norm}; max |Δparam|/lr ${r.adamw.maxParamDiffRelLr}`,
  );

  expect(r.errors, 'WebGPU validation errors').toEqual([]);
  for (const { k, got, want } of r.addN) {
    got.forEach((g, i) => expect(g, `tf.addN of ${k} tensors, element ${i}`).toBeCloseTo(want[i]!, 4));
  }
  // The configuration must really exceed one shader's bindings, or this test proves nothing.
  expect(r.adamw.groups).toBeGreaterThan(r.maxStorageBuffersPerShaderStage);
  expect(Math.abs(r.adamw.webgpu.loss - r.adamw.cpu.loss)).toBeLessThan(1e-4);
  expect(Math.abs(r.adamw.webgpu.norm - r.adamw.cpu.norm) / r.adamw.cpu.norm).toBeLessThan(1e-3);
  // AdamW's first step moves each weight by ≈ ±lr whatever its gradient's size, so a gradient that is float noise
  // may flip a few weights (see core/train/backendAgreement.ts); a dropped batch of update kernels moves thousands.
  expect(r.adamw.maxParamDiffRelLr).toBeLessThan(2.5);
  expect(r.adamw.weightsOff).toBeLessThanOrEqual(16);
});
