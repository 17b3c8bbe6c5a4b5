// The Python interpreter the reference checks run (transformers, peft, trl, torch): $PYTHON, else the repo's .venv.
// Never a silent skip: without one, the caller fails and says how to make it.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export const VENV_PYTHON = join(root, '.venv', 'bin', 'python');

export function pythonPath() {
  if (process.env.PYTHON) return process.env.PYTHON;
  if (existsSync(VENV_PYTHON)) return VENV_PYTHON;
  throw new Error(
    'The reference checks need Python with torch, transformers, peft and trl, and found none: run `npm run setup:python` ' +
      '(creates .venv from python/requirements.txt; needs python3-venv) or set PYTHON to an interpreter that has them.',
  );
}
