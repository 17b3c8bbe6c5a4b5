/**
 * Runs the Python reference stack (torch, transformers, peft, trl) from interop tests. The interpreter is $PYTHON, else
 * the repo's .venv (`npm run setup:python`); without one the test fails and says how to make it — it never skips.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function pythonPath(): string {
  if (process.env.PYTHON) return process.env.PYTHON;
  const venv = join(REPO_ROOT, '.venv', 'bin', 'python');
  if (existsSync(venv)) return venv;
  throw new Error(
    'This check needs Python with torch, transformers, peft and trl, and found none: run `npm run setup:python` ' +
      '(creates .venv from python/requirements.txt; needs python3-venv) or set PYTHON to an interpreter that has them.',
  );
}

/** Runs `python <script> ...args` (script relative to the repo root), returning stdout; throws with stderr on failure. */
export function runPython(
  script: string,
  args: string[] = [],
  options: { timeoutMs?: number; env?: Record<string, string> } = {},
): string {
  const result = spawnSync(pythonPath(), [join(REPO_ROOT, script), ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 600_000,
    maxBuffer: 256 << 20,
    env: { ...process.env, PYTHONHASHSEED: '0', TOKENIZERS_PARALLELISM: 'false', ...options.env },
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`python ${script} ${args.join(' ')} exited with ${result.status}:\n${result.stderr.slice(-4000)}`);
  }
  return result.stdout;
}
