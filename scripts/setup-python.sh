#!/usr/bin/env bash
# Creates .venv with the pinned reference stack (python/requirements.txt) unless it already satisfies it.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  /usr/bin/python3 -m venv .venv 2>/dev/null || python3 -m venv .venv || { echo "python3 -m venv failed: install Debian's python3-venv (apt-get install -y python3-venv)" >&2; exit 1; }
fi
if .venv/bin/python - <<'PY' 2>/dev/null
import importlib.metadata as m, pathlib, sys
for line in pathlib.Path('python/requirements.txt').read_text().split('\n'):
    line = line.split('#')[0].strip()
    if not line: continue
    name, version = line.split('==')
    if m.version(name).split('+')[0] != version: sys.exit(1)
PY
then echo "== .venv already has python/requirements.txt"; exit 0; fi
echo "== installing python/requirements.txt into .venv (a few minutes)"
.venv/bin/pip install -q --retries 1 -r python/requirements.txt
