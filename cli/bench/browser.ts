/**
 * The browser half of `npm run bench`: headless Chromium (the same binary and flags as the e2e tests) opens the built
 * app with `?bench` and times training steps through the diagnostics worker, once per backend.
 *
 * The app is built into bench-results/dist and served by `vite preview` on its own port, so a bench never overwrites
 * the dist/ an e2e run is serving; `--url` reuses a server that is already up instead.
 */
import { chromium } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { chromiumArgs, chromiumPath } from '../../e2e/chromium';
import type {
  BrowserBenchAnswer,
  BrowserBenchRequest,
  BrowserInterleavedAnswer,
  BrowserInterleavedRequest,
  BrowserWorkersAnswer,
  BrowserWorkersRequest,
} from '../../src/state/browserBench';
import { log } from './node';

export interface BrowserBackendRun {
  backend: string;
  request: BrowserBenchRequest;
  answer?: BrowserBenchAnswer;
  error?: string;
  wallMs: number;
}

export interface BrowserInterleavedRun {
  title: string;
  request: BrowserInterleavedRequest;
  answer?: BrowserInterleavedAnswer;
  error?: string;
  wallMs: number;
}

export interface BrowserWorkersRun {
  title: string;
  request: BrowserWorkersRequest;
  answer?: BrowserWorkersAnswer;
  error?: string;
  wallMs: number;
}

async function reachable(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return res.ok;
  } catch {
    return false;
  }
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`)),
    );
  });
}

/** A TCP port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Builds the app and serves it on `port` (default: a free one); returns the URL and a function that stops the server
 * it started. A port that already answers is refused: benchmarking somebody else's server would time other code.
 */
export async function serveApp(requestedPort?: number): Promise<{ url: string; stop: () => void }> {
  const port = requestedPort ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  if (await reachable(url))
    throw new Error(
      `Something already answers on ${url}; pass --url ${url} to benchmark that server, or another --port.`,
    );
  const outDir = 'bench-results/dist';
  log(`· building the app into ${outDir}…`);
  await run('npx', ['vite', 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn']);
  log(`· serving it on ${url}…`);
  const server: ChildProcess = spawn(
    'npx',
    ['vite', 'preview', '--outDir', outDir, '--port', String(port), '--strictPort', '--host', '127.0.0.1'],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
      detached: true, // its own process group, so stop() ends npx and the vite process under it together
    },
  );
  const stop = () => {
    if (server.pid !== undefined && server.exitCode === null) {
      try {
        process.kill(-server.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  };
  const deadline = Date.now() + 60_000;
  while (!(await reachable(url))) {
    if (server.exitCode !== null)
      throw new Error(`vite preview exited with ${server.exitCode} (is port ${port} taken? pass --port)`);
    if (Date.now() > deadline) {
      stop();
      throw new Error(`vite preview did not answer on ${url} within 60 s`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return { url, stop };
}

/**
 * Opens `${url}/?bench` and runs each request in the page's diagnostics worker, one after the other: the step
 * benchmarks, the interleaved comparisons, then the comparisons that need a worker per variant (wasm threads).
 */
export async function browserBench(
  url: string,
  requests: BrowserBenchRequest[],
  interleaved: { title: string; request: BrowserInterleavedRequest }[] = [],
  perWorker: { title: string; request: BrowserWorkersRequest }[] = [],
): Promise<{
  userAgent: string;
  crossOriginIsolated: boolean;
  runs: BrowserBackendRun[];
  interleaved: BrowserInterleavedRun[];
  perWorker: BrowserWorkersRun[];
}> {
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs });
  try {
    const page = await browser.newPage();
    page.on('console', (m) => {
      const text = m.text();
      if (text.startsWith('[bench]')) log(`    ${text.slice(8)}`);
    });
    await page.goto(`${url}/?bench`);
    await page.waitForFunction(() => typeof window.__studioBench === 'function', undefined, { timeout: 30_000 });
    const errorText = (e: unknown) => (e instanceof Error ? e.message.split('\n')[0] : String(e));
    const userAgent = await page.evaluate(() => navigator.userAgent);
    const crossOriginIsolated = await page.evaluate(() => self.crossOriginIsolated === true);
    const runs: BrowserBackendRun[] = [];
    for (const request of requests) {
      log(
        `· browser, ${request.backend}: ${request.warmupSteps} warm-up + ${request.runs} runs × ${request.stepsPerRun} steps…`,
      );
      const t0 = Date.now();
      try {
        const answer = await page.evaluate((r) => window.__studioBench!(r), request);
        runs.push({ backend: request.backend, request, answer, wallMs: Date.now() - t0 });
      } catch (e) {
        const error = errorText(e);
        log(`    failed: ${error}`);
        runs.push({ backend: request.backend, request, error, wallMs: Date.now() - t0 });
      }
    }
    const comparisons: BrowserInterleavedRun[] = [];
    for (const { title, request } of interleaved) {
      log(`· browser, ${request.backend}: ${title}, ${request.rounds} alternating rounds after a warm-up…`);
      const t0 = Date.now();
      try {
        const answer = await page.evaluate((r) => window.__studioBenchInterleaved!(r), request);
        comparisons.push({ title, request, answer, wallMs: Date.now() - t0 });
      } catch (e) {
        const error = errorText(e);
        log(`    failed: ${error}`);
        comparisons.push({ title, request, error, wallMs: Date.now() - t0 });
      }
    }
    const workerRuns: BrowserWorkersRun[] = [];
    for (const { title, request } of perWorker) {
      log(`· browser: ${title}, ${request.rounds} rounds, a fresh worker per variant per round…`);
      const t0 = Date.now();
      try {
        const answer = await page.evaluate((r) => window.__studioBenchWorkers!(r), request);
        workerRuns.push({ title, request, answer, wallMs: Date.now() - t0 });
      } catch (e) {
        const error = errorText(e);
        log(`    failed: ${error}`);
        workerRuns.push({ title, request, error, wallMs: Date.now() - t0 });
      }
    }
    return { userAgent, crossOriginIsolated, runs, interleaved: comparisons, perWorker: workerRuns };
  } finally {
    await browser.close();
  }
}
