// A newcomer's first run: `npm start` on a fresh clone has an empty Vite cache. If the dependency scan misses what the
// workers import, Vite re-optimizes those packages when the first worker asks for them and reloads the page, which
// kills the run ("interrupted"). This spec starts its own dev server with an empty cache (VITE_CACHE_DIR, read in
// vite.config.ts), so it never shares the preview server or the cache of the other specs.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { loadSmallDemo, microSettings } from './studio';

const port = Number(process.env.E2E_DEV_PORT ?? Number(process.env.E2E_PORT ?? 4173) + 1);
const origin = `http://127.0.0.1:${port}`;

async function waitForServer(server: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (server.exitCode !== null) throw new Error(`The dev server exited (${server.exitCode}):\n${output()}`);
    try {
      if ((await fetch(origin)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`The dev server did not answer on ${origin} within ${timeoutMs / 1000} s:\n${output()}`);
}

test('the first run on a fresh dev server (empty dependency cache) finishes without a page reload', async ({
  page,
}) => {
  test.setTimeout(400_000);
  const cacheDir = mkdtempSync(join(tmpdir(), 'phased-ift-vite-cache-'));
  let output = '';
  const server = spawn('npx', ['vite', '--port', String(port), '--strictPort', '--host', '127.0.0.1', '--open=false'], {
    env: { ...process.env, VITE_CACHE_DIR: cacheDir, FORCE_COLOR: '0' },
    detached: true,
  });
  server.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  server.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  try {
    await waitForServer(server, () => output, 60_000);
    let loads = 0;
    page.on('load', () => loads++);
    await page.goto(`${origin}/`);
    await loadSmallDemo(page);
    await microSettings(page);
    await page.getByTestId('train-start').click();

    const panel = page.getByTestId('run-panel');
    await expect(panel).toHaveAttribute('data-status', 'done', { timeout: 300_000 });
    expect(output).not.toMatch(/optimized dependencies changed|new dependencies optimized|reloading/i);
    expect(loads).toBe(1);
  } catch (error) {
    console.log(`dev server output:\n${output}`);
    throw error;
  } finally {
    if (server.pid) process.kill(-server.pid, 'SIGTERM');
    rmSync(cacheDir, { recursive: true, force: true });
  }
});
